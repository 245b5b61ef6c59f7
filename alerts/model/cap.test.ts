import { describe, expect, it } from "vitest";
import { CAP_XSD_PATH, xmllint } from "../delivery/cap/xmllint.js";
import {
  buildCapMessage,
  type CapAlertInput,
  type CapStation,
  type CapTransition,
  capDateTime,
  capIdentifier,
  capMessageTransitions,
  xmlEscape,
} from "./cap.js";
import { CAP_SEVERITY_TABLE } from "./cap-severity.js";
import { SEVERITIES, type Severity } from "./rule.js";

const SENDER = "quantrac@tayninh.test";
const OPENED_AT = "2026-11-21T08:00:00.123Z"; // 15:00:00 in Vietnam

const station: CapStation = {
  id: "tn-air-001",
  name: "Quan trắc không khí Tân Ninh",
  lat: 11.31,
  lon: 106.098,
  area: "tan-ninh",
  areaName: "Phường Tân Ninh",
};

let nextId = 100;
function transition(
  kind: CapTransition["transition"],
  at: string,
  severity: Severity = "major",
  value: number | null = 120.5,
): CapTransition {
  nextId += 1;
  return {
    id: nextId,
    transition: kind,
    severity,
    value,
    at,
    message: { vi: `Thông điệp ${kind}`, en: `Message ${kind}` },
  };
}

const input = (transitions: CapTransition[], overrides: Partial<CapAlertInput> = {}): CapAlertInput => ({
  sender: SENDER,
  alertId: 7,
  subject: "pm25",
  transitions,
  station,
  web: "https://quantrac.example/public.html?area=tan-ninh",
  ...overrides,
});

async function expectValid(xml: string): Promise<void> {
  const result = await xmllint(xml, CAP_XSD_PATH);
  expect(result.report, xml).toContain("validates");
  expect(result.ok).toBe(true);
}

const only = (xml: string, element: string) =>
  [...xml.matchAll(new RegExp(`<${element}>([^<]*)</${element}>`, "g"))].map((m) => m[1]);

describe("CAP 1.2 messages of an alert", () => {
  const opened = transition("opened", OPENED_AT, "major", 120.5);
  const escalated = transition("escalated", "2026-11-21T08:10:00Z", "critical", 260);
  const acknowledged = transition("acknowledged", "2026-11-21T08:12:00Z", "critical", 260);
  const reminder = transition("reminder", "2026-11-21T08:20:00Z", "critical", 260);
  const cleared = transition("cleared", "2026-11-21T09:00:00Z", "critical", 40);
  const resolved = transition("resolved", "2026-11-21T09:05:00Z", "critical", 40);

  it("opens with an Alert: two info blocks (vi-VN, then en-US) and an area with circle and geocode", async () => {
    const message = buildCapMessage(input([opened]));
    expect(message).toBeDefined();
    const xml = message?.xml ?? "";
    await expectValid(xml);
    expect(message?.msgType).toBe("Alert");
    expect(only(xml, "identifier")).toEqual([`${SENDER}.alert.7.${opened.id}`]);
    expect(only(xml, "sent")).toEqual(["2026-11-21T15:00:00+07:00"]);
    expect(only(xml, "status")).toEqual(["Actual"]);
    expect(only(xml, "scope")).toEqual(["Public"]);
    expect(xml).not.toContain("<references>");
    expect(only(xml, "language")).toEqual(["vi-VN", "en-US"]);
    expect(only(xml, "category")).toEqual(["Env", "Health", "Env", "Health"]);
    expect(only(xml, "severity")).toEqual(["Severe", "Severe"]);
    expect(only(xml, "urgency")).toEqual(["Immediate", "Immediate"]);
    expect(only(xml, "certainty")).toEqual(["Observed", "Observed"]);
    expect(only(xml, "circle")).toEqual(["11.31,106.098 2", "11.31,106.098 2"]);
    expect(xml).toMatch(/<geocode>\s*<valueName>envmon:commune-ward<\/valueName>\s*<value>tan-ninh<\/value>/);
    const [headlineVi, headlineEn] = only(xml, "headline");
    expect(headlineVi).toBe("Cảnh báo nghiêm trọng: Bụi PM2.5 tại Phường Tân Ninh");
    expect(headlineEn).toBe("Major alert: PM2.5 at Phường Tân Ninh");
    // Vietnamese numbers use a decimal comma; the time is Vietnam time.
    expect(xml).toContain("120,5 µg/m³ lúc 15:00 21/11/2026");
    expect(xml).toContain("120.5 µg/m³ at 15:00 21/11/2026");
  });

  it("follows an escalation with an Update that references the Alert", async () => {
    const message = buildCapMessage(input([opened, escalated, acknowledged, reminder]));
    const xml = message?.xml ?? "";
    await expectValid(xml);
    expect(message?.msgType).toBe("Update");
    expect(message?.transitionId).toBe(escalated.id);
    expect(only(xml, "references")).toEqual([
      `${SENDER},${SENDER}.alert.7.${opened.id},2026-11-21T15:00:00+07:00`,
    ]);
    expect(only(xml, "severity")).toEqual(["Extreme", "Extreme"]);
    // The onset stays the time the alert opened.
    expect(only(xml, "onset")).toEqual(["2026-11-21T15:00:00+07:00", "2026-11-21T15:00:00+07:00"]);
  });

  it("ends with a Cancel that references every earlier message, and nothing after it", async () => {
    const all = [opened, escalated, acknowledged, reminder, cleared, resolved];
    expect(capMessageTransitions(all).map((m) => m.msgType)).toEqual(["Alert", "Update", "Cancel"]);
    const message = buildCapMessage(input(all));
    const xml = message?.xml ?? "";
    await expectValid(xml);
    expect(message?.msgType).toBe("Cancel");
    expect(message?.transitionId).toBe(cleared.id);
    expect(only(xml, "references")).toEqual([
      `${SENDER},${SENDER}.alert.7.${opened.id},2026-11-21T15:00:00+07:00 ` +
        `${SENDER},${SENDER}.alert.7.${escalated.id},2026-11-21T15:10:00+07:00`,
    ]);
    expect(only(xml, "responseType")).toEqual(["AllClear", "AllClear"]);
    expect(only(xml, "urgency")).toEqual(["Past", "Past"]);
    expect(only(xml, "severity")).toEqual(["Minor", "Minor"]);
    expect(only(xml, "headline")[1]).toBe("Alert ended: PM2.5 at Phường Tân Ninh");
  });

  it("cancels an alert an operator resolved while it was active, without repeating the breach", async () => {
    const closing = transition("resolved", "2026-11-21T08:30:00Z", "major", 150);
    const message = buildCapMessage(input([opened, closing]));
    const xml = message?.xml ?? "";
    await expectValid(xml);
    expect(message?.msgType).toBe("Cancel");
    expect(xml).toContain("Cán bộ trực của trung tâm quan trắc đã kết thúc cảnh báo này.");
    expect(xml).not.toContain("Thông điệp resolved");
  });

  it("builds any earlier message on request, with the same identifier and sent every time", () => {
    const all = [opened, escalated, cleared];
    const first = buildCapMessage(input(all), opened.id);
    expect(first?.msgType).toBe("Alert");
    expect(first?.xml).toBe(buildCapMessage(input([opened]))?.xml);
    expect(buildCapMessage(input(all), acknowledged.id)).toBeUndefined();
    expect(buildCapMessage(input([acknowledged]))).toBeUndefined();
  });

  it("escapes &, <, > and quotes in every text and drops characters XML cannot carry", async () => {
    const tricky = "Trạm \"Chợ\" & <Bến> 'Cũ'\u0001";
    const breach = {
      ...transition("opened", OPENED_AT),
      message: { vi: `Bụi cao tại ${tricky}`, en: `High dust at ${tricky}` },
    };
    const message = buildCapMessage(
      input([breach], {
        sender: "quan trac,tay<ninh&",
        station: { ...station, name: tricky, areaName: "Phường A & B <mới>" },
      }),
    );
    const xml = message?.xml ?? "";
    await expectValid(xml);
    expect(xml).toContain("Trạm &quot;Chợ&quot; &amp; &lt;Bến&gt; &apos;Cũ&apos;");
    expect(xml).not.toContain("\u0001");
    // Sender and identifier may carry no spaces, commas, "<" or "&".
    expect(only(xml, "sender")).toEqual(["quan-trac-tay-ninh-"]);
    expect(message?.identifier).toBe(`quan-trac-tay-ninh-.alert.7.${breach.id}`);
  });

  it("maps every severity of the ladder through the one table", async () => {
    for (const severity of SEVERITIES) {
      const message = buildCapMessage(input([transition("opened", OPENED_AT, severity)]));
      const xml = message?.xml ?? "";
      await expectValid(xml);
      const terms = CAP_SEVERITY_TABLE[severity];
      expect(only(xml, "severity")).toEqual([terms.severity, terms.severity]);
      expect(only(xml, "urgency")).toEqual([terms.urgency, terms.urgency]);
      expect(only(xml, "certainty")).toEqual([terms.certainty, terms.certainty]);
      expect(only(xml, "responseType")).toEqual([terms.responseType, terms.responseType]);
    }
  });

  it("files a flood level under Met with its alarm level by name and a wider circle", async () => {
    const message = buildCapMessage(
      input([transition("opened", OPENED_AT, "critical", 3)], {
        subject: "flood_level",
        station: { ...station, id: "tn-wl-001", name: "Trạm thủy văn Gò Dầu", lat: 11.08, lon: 106.26 },
      }),
    );
    const xml = message?.xml ?? "";
    await expectValid(xml);
    expect(only(xml, "category")).toEqual(["Met", "Met"]);
    expect(only(xml, "circle")[0]).toBe("11.08,106.26 5");
    expect(xml).toContain("Báo động III");
  });

  it("describes a station that stopped sending, and a station without position or area", async () => {
    const silent = transition("opened", OPENED_AT, "minor", null);
    const message = buildCapMessage(
      input([silent], {
        subject: "water_level",
        station: { id: "tn-x-9", name: null, lat: null, lon: null, area: null, areaName: null },
      }),
    );
    const xml = message?.xml ?? "";
    await expectValid(xml);
    expect(xml).toContain("Trạm tn-x-9 không gửi dữ liệu");
    expect(xml).not.toContain("<circle>");
    expect(xml).not.toContain("<geocode>");
    expect(only(xml, "areaDesc")).toEqual(["tn-x-9", "tn-x-9"]);
    expect(xml).not.toContain("<valueName>value</valueName>");
  });

  it("is rejected by the schema check when an element is missing, so the check can fail", async () => {
    const xml = buildCapMessage(input([opened]))?.xml ?? "";
    const result = await xmllint(xml.replace("<scope>Public</scope>", ""), CAP_XSD_PATH);
    expect(result.ok).toBe(false);
    expect(result.report).toContain("fails to validate");
  });
});

describe("CAP fields", () => {
  it("writes date-times in Vietnam time with whole seconds and no Z", () => {
    expect(capDateTime("2026-11-21T17:30:59.999Z")).toBe("2026-11-22T00:30:59+07:00");
    expect(capDateTime(Date.UTC(2026, 0, 1, 0, 0, 0))).toBe("2026-01-01T07:00:00+07:00");
    expect(() => capDateTime("yesterday")).toThrow(RangeError);
  });

  it("makes identifiers from the sender, alert and transition", () => {
    expect(capIdentifier("quantrac@tayninh.local", 12, 345)).toBe("quantrac@tayninh.local.alert.12.345");
  });

  it("escapes the five XML specials", () => {
    expect(xmlEscape(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
  });
});
