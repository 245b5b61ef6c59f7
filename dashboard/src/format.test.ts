import { describe, expect, it } from "vitest";
import { createFormatters, fractionDigitsOf } from "./format.js";

const at = new Date("2025-11-21T15:05:09Z");

describe("formatters", () => {
  it("shows Viet Nam time on a 24-hour clock whatever the machine's zone", () => {
    expect(createFormatters("vi").time(at)).toBe("22:05:09");
    expect(createFormatters("en").time(at)).toBe("22:05:09");
    expect(createFormatters("en").dateTime(at)).toBe("21/11/2025, 22:05:09");
    expect(createFormatters("vi").hourMinute("2025-11-21T17:30:00Z")).toBe("00:30");
    expect(createFormatters("vi").date("2025-11-21T17:30:00Z")).toBe("22/11/2025");
    expect(createFormatters("en").date(at)).toBe("21/11/2025");
    expect(createFormatters("vi").dayMonth("2025-11-21T17:30:00Z")).toBe("22/11");
  });

  it("writes values with the metric's decimals in each language's style", () => {
    expect(createFormatters("vi").value(47.9, 1)).toBe("47,9");
    expect(createFormatters("en").value(47.9, 1)).toBe("47.9");
    expect(createFormatters("en").value(1013.25, 1)).toBe("1,013.3");
    expect(createFormatters("vi").value(7, 2)).toBe("7,00");
  });

  it("gives axis ticks the decimals their spacing needs", () => {
    expect(fractionDigitsOf(0.0025)).toBe(4);
    expect(fractionDigitsOf(0.1 + 0.2)).toBe(1);
    expect(fractionDigitsOf(20)).toBe(0);
    expect(createFormatters("vi").tick(1.1175, 0.0025)).toBe("1,1175");
  });
});
