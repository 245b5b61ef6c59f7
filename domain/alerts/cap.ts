import { isMetricKey, metricDefinition } from "../catalogue.js";
import type { AlertEvent } from "./alert-event.js";
import { subjectLabel } from "./messages.js";
import type { Severity } from "./rule.js";

/**
 * Public alerts as OASIS CAP 1.2 messages. An alert's first message is msgType Alert; an
 * escalation is an Update and its clearing (by the engine or an operator) a Cancel, each
 * referencing every earlier message. Acknowledgements and reminders are internal: no message.
 */

/** The one mapping of the service's severity to CAP's (see domain/alerts/CAP.md). */
export const CAP_SEVERITY: Record<Severity, { severity: string; urgency: string; certainty: string }> = {
  minor: { severity: "Moderate", urgency: "Expected", certainty: "Observed" },
  major: { severity: "Severe", urgency: "Immediate", certainty: "Observed" },
  critical: { severity: "Extreme", urgency: "Immediate", certainty: "Observed" },
};
/** A Cancel says the threat is over. */
const CAP_CANCEL = { severity: "Minor", urgency: "Past", certainty: "Observed" };

export const CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2";
/** The geocode name under which the commune/ward code is given. */
export const CAP_AREA_GEOCODE = "envmon:commune-ward";
const STATION_RADIUS_KM = 2;

export interface CapStation {
  readonly name: string;
  readonly areaName: string | null;
  readonly lat: number | null;
  readonly lon: number | null;
}

export interface CapContext {
  readonly sender: string;
  readonly station: CapStation;
  /** Where residents read more (the public page), when known. */
  readonly web?: string;
}

const MESSAGE_TRANSITIONS = new Set(["opened", "escalated", "cleared", "resolved"]);

/** The transitions of an alert that are CAP messages, oldest first. */
export const capMessages = (transitions: readonly AlertEvent[]): AlertEvent[] =>
  transitions.filter((t) => MESSAGE_TRANSITIONS.has(t.transition)).sort((a, b) => a.id - b.id);

const escapeXml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c,
  );

/** CAP date-time: Asia/Ho_Chi_Minh offset, whole seconds. */
export function capTime(iso: string): string {
  const local = new Date(Date.parse(iso) + 7 * 3_600_000).toISOString();
  return `${local.slice(0, 19)}+07:00`;
}

export const capIdentifier = (sender: string, event: AlertEvent) =>
  `${sender}.alert.${event.alertId}.${event.id}`;

function categories(subject: string): string[] {
  if (subject === "aqi") return ["Env", "Health"];
  if (subject === "flood_level") return ["Met"];
  if (!isMetricKey(subject)) return ["Other"];
  const group = metricDefinition(subject).group;
  if (group === "air") return ["Env", "Health"];
  if (group === "hydrology" || group === "weather") return ["Met"];
  return ["Env"];
}

const INSTRUCTIONS: Record<string, { vi: string; en: string }> = {
  air: {
    vi: "Hạn chế hoạt động ngoài trời, đeo khẩu trang; người già, trẻ em và người có bệnh hô hấp nên ở trong nhà.",
    en: "Limit outdoor activity and wear a mask; the elderly, children and people with respiratory illness should stay indoors.",
  },
  flood: {
    vi: "Theo dõi thông báo của chính quyền địa phương, chuẩn bị di dời tài sản và sẵn sàng sơ tán khi được yêu cầu.",
    en: "Follow local authority announcements, move belongings to safety and be ready to evacuate when told.",
  },
  water: {
    vi: "Không sử dụng nước sông, kênh tại khu vực này cho sinh hoạt và tưới tiêu cho đến khi có thông báo mới.",
    en: "Do not use river or canal water in this area for household use or irrigation until further notice.",
  },
  other: {
    vi: "Theo dõi thông báo của cơ quan chức năng.",
    en: "Follow the announcements of the competent authorities.",
  },
  cancel: { vi: "Không cần hành động thêm.", en: "No further action is needed." },
};

function instructionFor(subject: string, cancel: boolean): { vi: string; en: string } {
  if (cancel) return INSTRUCTIONS.cancel as { vi: string; en: string };
  const cats = categories(subject);
  if (subject === "flood_level" || subject === "water_level")
    return INSTRUCTIONS.flood as { vi: string; en: string };
  if (cats.includes("Health")) return INSTRUCTIONS.air as { vi: string; en: string };
  if (isMetricKey(subject) && metricDefinition(subject).group === "water_quality") {
    return INSTRUCTIONS.water as { vi: string; en: string };
  }
  return INSTRUCTIONS.other as { vi: string; en: string };
}

function element(name: string, value: string | null | undefined, indent: string): string {
  return value === null || value === undefined || value === ""
    ? ""
    : `${indent}<${name}>${escapeXml(value)}</${name}>\n`;
}

/** The CAP message for one transition (`event`), given the alert's earlier messages. */
export function renderCapMessage(
  event: AlertEvent,
  earlier: readonly AlertEvent[],
  context: CapContext,
): string {
  const cancel = event.transition === "cleared" || event.transition === "resolved";
  const msgType = event.transition === "opened" ? "Alert" : cancel ? "Cancel" : "Update";
  const grades = cancel ? CAP_CANCEL : CAP_SEVERITY[event.severity];
  const subject = subjectLabel(event.metric);
  const { station } = context;
  const references = earlier
    .filter((e) => e.id < event.id)
    .map((e) => `${context.sender},${capIdentifier(context.sender, e)},${capTime(e.at)}`)
    .join(" ");
  const value =
    event.value === null ? null : `${event.value.toFixed(subject.decimals)} ${subject.unit}`.trim();
  const instruction = instructionFor(event.metric, cancel);

  const info = (language: "vi" | "en") => {
    const i = "    ";
    const eventName = language === "vi" ? `Cảnh báo ${subject.label.vi}` : `${subject.label.en} alert`;
    const measured =
      value === null
        ? ""
        : language === "vi"
          ? ` Giá trị đo: ${value} lúc ${capTime(event.at)}.`
          : ` Measured: ${value} at ${capTime(event.at)}.`;
    const area = [
      `${i}<area>\n`,
      element("areaDesc", station.areaName ?? event.area ?? station.name, `${i}  `),
      station.lat !== null && station.lon !== null
        ? element("circle", `${station.lat},${station.lon} ${STATION_RADIUS_KM}`, `${i}  `)
        : "",
      event.area === null
        ? ""
        : `${i}  <geocode>\n${element("valueName", CAP_AREA_GEOCODE, `${i}    `)}${element("value", event.area, `${i}    `)}${i}  </geocode>\n`,
      `${i}</area>\n`,
    ].join("");
    return [
      "  <info>\n",
      element("language", language === "vi" ? "vi-VN" : "en-US", i),
      ...categories(event.metric).map((c) => element("category", c, i)),
      element("event", eventName, i),
      element("responseType", cancel ? "AllClear" : "Monitor", i),
      element("urgency", grades.urgency, i),
      element("severity", grades.severity, i),
      element("certainty", grades.certainty, i),
      element(
        "senderName",
        language === "vi" ? "Trung tâm giám sát môi trường" : "Environmental monitoring centre",
        i,
      ),
      element("headline", event.message[language].slice(0, 160), i),
      element("description", `${event.message[language]}.${measured} (${station.name})`, i),
      element("instruction", instruction[language], i),
      element("web", context.web, i),
      area,
      "  </info>\n",
    ].join("");
  };

  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<alert xmlns="${CAP_NAMESPACE}">\n`,
    element("identifier", capIdentifier(context.sender, event), "  "),
    element("sender", context.sender, "  "),
    element("sent", capTime(event.at), "  "),
    element("status", "Actual", "  "),
    element("msgType", msgType, "  "),
    element("scope", "Public", "  "),
    element("references", references, "  "),
    info("vi"),
    info("en"),
    "</alert>\n",
  ].join("");
}
