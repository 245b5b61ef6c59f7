import { describe, expect, it } from "vitest";
import { testRule as rule } from "../../test/support/rule-fixture.js";
import type { AlertSignal } from "./evaluator.js";
import { fillTemplate, formatNumber, formatValue, renderAlertMessage } from "./messages.js";

const station = { name: "Trạm Phường Tân Ninh", area: "25747", areaName: "Phường Tân Ninh" };

function signal(parts: Partial<AlertSignal>): AlertSignal {
  return {
    kind: "open",
    ruleId: 1,
    ruleVersion: 1,
    source: "tn-air-001",
    subject: "pm25",
    value: 123.456,
    severity: "major",
    at: 0,
    ...parts,
  };
}

describe("alert messages", () => {
  const pm = rule({ condition: { type: "threshold", above: 100 } });

  it("fills the default templates in Vietnamese and English with the catalogue's decimals and unit", () => {
    expect(renderAlertMessage(pm, signal({}), station)).toEqual({
      vi: "Cảnh báo nghiêm trọng: Bụi PM2.5 tại Trạm Phường Tân Ninh (Phường Tân Ninh) là 123,5 µg/m³",
      en: "Major alert: PM2.5 at Trạm Phường Tân Ninh (Phường Tân Ninh) is 123.5 µg/m³",
    });
  });

  it("words escalations, clears and no-data alerts of their own", () => {
    const escalated = renderAlertMessage(pm, signal({ kind: "escalate", severity: "critical" }), station);
    expect(escalated.vi).toBe(
      "Cảnh báo tăng lên mức khẩn cấp: Bụi PM2.5 tại Trạm Phường Tân Ninh (Phường Tân Ninh) là 123,5 µg/m³",
    );
    const cleared = renderAlertMessage(pm, signal({ kind: "clear", value: 42 }), station);
    expect(cleared.en).toBe(
      "Alert cleared: PM2.5 at Trạm Phường Tân Ninh (Phường Tân Ninh) is back to normal (42.0 µg/m³)",
    );
    const silent = rule({ condition: { type: "nodata", seconds: 600 } });
    expect(renderAlertMessage(silent, signal({ value: null }), station)).toEqual({
      vi: "Cảnh báo nghiêm trọng: Trạm Phường Tân Ninh (Phường Tân Ninh) không gửi dữ liệu Bụi PM2.5",
      en: "Major alert: station Trạm Phường Tân Ninh (Phường Tân Ninh) has stopped sending PM2.5",
    });
    const withdrawn = renderAlertMessage(pm, signal({ kind: "clear", value: null }), station);
    expect(withdrawn.en).toBe(
      "Alert cleared: rule “rule 1” no longer watches PM2.5 at Trạm Phường Tân Ninh (Phường Tân Ninh)",
    );
  });

  it("uses the rule's own templates for openings, with every placeholder", () => {
    const custom = rule({
      condition: { type: "threshold", above: 100 },
      message: {
        vi: "{station}, {area}: {metric} {value} {unit} ({severity}, {rule}) {unknown}",
        en: "{station}, {area}: {metric} {value} {unit} ({severity}, {rule}) {unknown}",
      },
    });
    expect(renderAlertMessage(custom, signal({}), station)).toEqual({
      vi: "Trạm Phường Tân Ninh, Phường Tân Ninh: Bụi PM2.5 123,5 µg/m³ (nghiêm trọng, rule 1) {unknown}",
      en: "Trạm Phường Tân Ninh, Phường Tân Ninh: PM2.5 123.5 µg/m³ (major, rule 1) {unknown}",
    });
  });

  it("names a station called after its metric once: no 'Mực nước tại Mực nước sông…'", () => {
    const level = rule({ metric: "water_level", condition: { type: "threshold", above: 3 } });
    const river = { name: "Mực nước sông Vàm Cỏ Đông (Gò Dầu)", area: "go-dau", areaName: "Phường Gò Dầu" };
    const message = renderAlertMessage(level, signal({ subject: "water_level", value: 3.42 }), river);
    expect(message.vi).toBe(
      "Cảnh báo nghiêm trọng: Mực nước sông Vàm Cỏ Đông (Gò Dầu) (Phường Gò Dầu) là 3,42 m",
    );
    expect(message.vi).not.toMatch(/Mực nước tại Mực nước/);
    expect(message.en).toBe(
      "Major alert: Water level at Mực nước sông Vàm Cỏ Đông (Gò Dầu) (Phường Gò Dầu) is 3.42 m",
    );
    const silent = rule({ condition: { type: "nodata", seconds: 600 } });
    expect(renderAlertMessage(silent, signal({ value: null }), { ...river, name: "Gò Dầu" }).vi).toBe(
      "Cảnh báo nghiêm trọng: trạm Gò Dầu (Phường Gò Dầu) không gửi dữ liệu Bụi PM2.5",
    );
  });

  it("names flood levels and leaves out an unknown area", () => {
    const flood = rule({ metric: "flood_level", condition: { type: "threshold", above: 1 } });
    const message = renderAlertMessage(flood, signal({ subject: "flood_level", value: 2 }), {
      name: "tn-wl-009",
      area: null,
      areaName: null,
    });
    expect(message).toEqual({
      vi: "Cảnh báo nghiêm trọng: Cấp báo động lũ tại tn-wl-009 là Báo động II",
      en: "Major alert: Flood alarm level at tn-wl-009 is Alarm level II",
    });
  });

  it("formats numbers the Vietnamese and the English way", () => {
    expect(formatNumber(12345.678, 1, "vi")).toBe("12.345,7");
    expect(formatNumber(12345.678, 1, "en")).toBe("12,345.7");
    expect(formatNumber(1234567, 0, "vi")).toBe("1.234.567");
    expect(formatNumber(-0.04, 1, "en")).toBe("0.0");
    expect(formatNumber(-1.25, 2, "vi")).toBe("-1,25");
    expect(formatValue("co", 15000, "vi")).toBe("15.000");
    expect(formatValue("coliform", 5000, "en")).toBe("5000");
    expect(formatNumber(1234.5, 1, "vi")).toBe("1234,5");
    expect(formatValue("aqi", 152, "en")).toBe("152");
    expect(formatValue("pm25", null, "en")).toBe("—");
  });

  it("tidies what empty placeholders leave behind", () => {
    expect(fillTemplate("{a} ({b}) at {c} .", { a: "x", b: "", c: "" })).toBe("x at.");
  });
});
