import { isMetricKey, type MetricGroup, metricDefinition } from "../../kernel/catalogue.js";
import { VIETNAM_UTC_OFFSET_MS } from "../../kernel/time.js";
import type { TransitionKind } from "./alert-event.js";
import { type CapResponseType, capTermsFor } from "./cap-severity.js";
import { type Bilingual, formatValue, type Language, SEVERITY_LABEL, subjectLabel } from "./messages.js";
import type { Severity } from "./rule.js";

/**
 * CAP 1.2 messages (OASIS Common Alerting Protocol) for public alerts, built from an alert's
 * stored transitions. Pure: the same transitions always give the same bytes, so a message keeps
 * its identifier and `sent` however often it is fetched. See alerts/model/CAP.md.
 */

export type CapMsgType = "Alert" | "Update" | "Cancel";

/** What CAP needs of a stored transition (AlertEvent has all of it). */
export interface CapTransition {
  readonly id: number;
  readonly transition: TransitionKind;
  readonly severity: Severity;
  readonly value: number | null;
  readonly message: Bilingual;
  /** ISO 8601. */
  readonly at: string;
}

/** Where the alert comes from; position and area may be unknown for an unregistered device. */
export interface CapStation {
  readonly id: string;
  readonly name: string | null;
  readonly lat: number | null;
  readonly lon: number | null;
  readonly area: string | null;
  readonly areaName: string | null;
}

export interface CapAlertInput {
  /** CAP_SENDER: the originator, e.g. quantrac@tayninh.local. */
  readonly sender: string;
  readonly alertId: number;
  /** The rule's subject: a catalogue metric, "aqi" or "flood_level". */
  readonly subject: string;
  /** Every transition of the alert, any order; only some of them become CAP messages. */
  readonly transitions: readonly CapTransition[];
  readonly station: CapStation;
  /** The human-readable page about the alert (CAP <web>), when the service knows its address. */
  readonly web?: string;
  readonly senderName?: Bilingual;
}

/** One CAP message of an alert: the head fields that a later message cites in `references`. */
export interface CapMessageRef {
  readonly transitionId: number;
  readonly msgType: CapMsgType;
  readonly identifier: string;
  readonly sent: string;
}

export interface CapMessage extends CapMessageRef {
  readonly xml: string;
  readonly headline: Bilingual;
  readonly categories: readonly CapCategory[];
}

export type CapCategory = "Geo" | "Met" | "Safety" | "Health" | "Env" | "Infra" | "Other";

export const CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2";

/**
 * valueName of the area geocode: the service's own code of the commune or ward (two-tier local
 * government since 1 July 2025, so no district level). CAP leaves geocode names to the sender.
 */
export const CAP_GEOCODE_NAME = "envmon:commune-ward";

export const DEFAULT_SENDER_NAME: Bilingual = {
  vi: "Trung tâm Quan trắc Môi trường tỉnh Tây Ninh",
  en: "Tây Ninh Provincial Environmental Monitoring Centre",
};

const LANGUAGE_TAG: Readonly<Record<Language, string>> = { vi: "vi-VN", en: "en-US" };

/** Which subject group a rule watches: catalogue metrics by their group, derived subjects by meaning. */
export function subjectGroup(subject: string): MetricGroup {
  if (isMetricKey(subject)) return metricDefinition(subject).group;
  if (subject === "flood_level") return "hydrology";
  return "air"; // "aqi"
}

interface GroupProfile {
  readonly categories: readonly CapCategory[];
  readonly event: Bilingual;
  readonly instruction: Bilingual;
  /** Radius of the <circle> around the station, km: how far its measurement speaks for. */
  readonly radiusKm: number;
}

const GROUP_PROFILES: Readonly<Record<MetricGroup, GroupProfile>> = {
  wastewater: {
    categories: ["Env"],
    event: { vi: "Nước thải vượt giới hạn cho phép", en: "Wastewater above its permitted limit" },
    instruction: {
      vi: "Cơ sở phải kiểm tra hệ thống xử lý nước thải và báo cáo Sở Nông nghiệp và Môi trường; người dân không dùng nước kênh, sông nhận nước thải cho đến khi có thông báo mới.",
      en: "The facility must check its wastewater treatment and report to the provincial environment department; residents should not use water from the receiving canal or river until further notice.",
    },
    radiusKm: 2,
  },
  stack_emission: {
    categories: ["Env", "Health"],
    event: { vi: "Khí thải vượt giới hạn cho phép", en: "Stack emissions above the permitted limit" },
    instruction: {
      vi: "Cơ sở phải kiểm tra hệ thống xử lý khí thải và báo cáo Sở Nông nghiệp và Môi trường; người dân gần cơ sở hạn chế hoạt động ngoài trời.",
      en: "The facility must check its emission controls and report to the provincial environment department; residents near the facility should limit outdoor activity.",
    },
    radiusKm: 2,
  },
  air: {
    categories: ["Env", "Health"],
    event: { vi: "Ô nhiễm không khí", en: "Air pollution" },
    instruction: {
      vi: "Hạn chế hoạt động ngoài trời và đóng cửa sổ. Trẻ em, người cao tuổi và người mắc bệnh hô hấp, tim mạch nên ở trong nhà; đeo khẩu trang lọc bụi khi phải ra ngoài.",
      en: "Limit outdoor activity and keep windows closed. Children, older people and people with heart or lung disease should stay indoors; wear a particle-filtering mask if you must go out.",
    },
    radiusKm: 2,
  },
  water_quality: {
    categories: ["Env"],
    event: { vi: "Ô nhiễm nguồn nước", en: "Water pollution" },
    instruction: {
      vi: "Tạm ngừng lấy nước sông, kênh tại khu vực để sinh hoạt, tưới tiêu hoặc nuôi trồng thủy sản cho đến khi có thông báo mới.",
      en: "Do not take river or canal water in this area for household use, irrigation or fish farming until further notice.",
    },
    radiusKm: 2,
  },
  noise: {
    categories: ["Env"],
    event: { vi: "Ô nhiễm tiếng ồn", en: "Noise pollution" },
    instruction: {
      vi: "Hạn chế ở lâu gần nguồn ồn; đóng cửa và bảo vệ tai khi cần.",
      en: "Avoid staying near the source of the noise; close doors and protect your hearing if needed.",
    },
    radiusKm: 1,
  },
  hydrology: {
    categories: ["Met"],
    event: { vi: "Lũ, ngập lụt", en: "Flood" },
    instruction: {
      vi: "Theo dõi thông báo của chính quyền địa phương, chuyển người và tài sản lên nơi cao, không đi qua vùng nước chảy xiết hoặc ngập sâu.",
      en: "Follow the instructions of the local authorities, move people and belongings to higher ground, and do not cross fast-flowing or deep water.",
    },
    radiusKm: 5,
  },
  weather: {
    categories: ["Met"],
    event: { vi: "Thời tiết nguy hiểm", en: "Hazardous weather" },
    instruction: {
      vi: "Theo dõi bản tin thời tiết và hạn chế ra ngoài khi không cần thiết.",
      en: "Follow the weather bulletins and avoid going out unless necessary.",
    },
    radiusKm: 5,
  },
};

const CANCEL_INSTRUCTION: Bilingual = {
  vi: "Không cần hành động thêm. Tiếp tục theo dõi thông tin từ chính quyền địa phương.",
  en: "No further action is needed. Keep following the information from the local authorities.",
};

const RESOLVED_DESCRIPTION: Bilingual = {
  vi: "Cán bộ trực của trung tâm quan trắc đã kết thúc cảnh báo này.",
  en: "The monitoring centre's duty officer has closed this alert.",
};

// --- XML text ---

// Characters XML 1.0 cannot carry at all, even escaped.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text for element content and attribute values; drops characters XML cannot hold. */
export function xmlEscape(text: string): string {
  return text
    .replace(NOT_XML_CHAR, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/**
 * CAP forbids spaces, commas, "<" and "&" in sender and identifier (a `references` entry is
 * "sender,identifier,sent", entries separated by spaces); anything of the kind becomes "-".
 */
export function capToken(text: string): string {
  return text.replace(NOT_XML_CHAR, "").replace(/[\s,<>&"']/g, "-");
}

/** CAP date-time: Vietnam time (+07:00, no daylight saving), whole seconds, no "Z". */
export function capDateTime(at: string | number): string {
  const ms = typeof at === "number" ? at : Date.parse(at);
  if (!Number.isFinite(ms)) throw new RangeError(`not a point in time: ${String(at)}`);
  const wholeSeconds = Math.floor(ms / 1000) * 1000;
  return `${new Date(wholeSeconds + VIETNAM_UTC_OFFSET_MS).toISOString().slice(0, 19)}+07:00`;
}

/** `<sender>.alert.<alertId>.<transitionId>`: unique per message, and the same every time it is built. */
export function capIdentifier(sender: string, alertId: number, transitionId: number): string {
  return `${capToken(sender)}.alert.${alertId}.${transitionId}`;
}

/** Plain decimal degrees (no exponent), at most 5 places (about a metre). */
const coordinate = (degrees: number) => String(Number(degrees.toFixed(5)));

// --- Which transitions become messages ---

const CANCELLING: ReadonlySet<TransitionKind> = new Set(["cleared", "resolved"]);

/**
 * The CAP messages of an alert, oldest first: the opening is an Alert, each escalation an Update,
 * the first clearing or resolution a Cancel. Acknowledgements and reminders are for operators and
 * make no CAP message; nothing follows a Cancel.
 */
export function capMessageTransitions(
  transitions: readonly CapTransition[],
): { transition: CapTransition; msgType: CapMsgType }[] {
  const ordered = [...transitions].sort((a, b) => a.id - b.id);
  const messages: { transition: CapTransition; msgType: CapMsgType }[] = [];
  for (const transition of ordered) {
    const kind = transition.transition;
    if (kind !== "opened" && kind !== "escalated" && !CANCELLING.has(kind)) continue;
    if (messages.length === 0) {
      // A Cancel with nothing to cancel is not a message.
      if (CANCELLING.has(kind)) break;
      messages.push({ transition, msgType: "Alert" });
    } else {
      messages.push({ transition, msgType: CANCELLING.has(kind) ? "Cancel" : "Update" });
      if (CANCELLING.has(kind)) break;
    }
  }
  return messages;
}

/** Head fields of every CAP message of the alert, oldest first. */
export function capMessageRefs(
  sender: string,
  alertId: number,
  transitions: readonly CapTransition[],
): CapMessageRef[] {
  return capMessageTransitions(transitions).map(({ transition, msgType }) => ({
    transitionId: transition.id,
    msgType,
    identifier: capIdentifier(sender, alertId, transition.id),
    sent: capDateTime(transition.at),
  }));
}

// --- Building a message ---

function place(station: CapStation): string {
  return station.areaName ?? station.area ?? station.name ?? station.id;
}

function headlineOf(msgType: CapMsgType, severity: Severity, subject: string, where: string): Bilingual {
  const metric = subjectLabel(subject).label;
  const level = SEVERITY_LABEL[severity];
  switch (msgType) {
    case "Alert":
      return {
        vi: `Cảnh báo ${level.vi}: ${metric.vi} tại ${where}`,
        en: `${level.en.charAt(0).toUpperCase()}${level.en.slice(1)} alert: ${metric.en} at ${where}`,
      };
    case "Update":
      return {
        vi: `Cảnh báo tăng lên mức ${level.vi}: ${metric.vi} tại ${where}`,
        en: `Alert raised to ${level.en}: ${metric.en} at ${where}`,
      };
    case "Cancel":
      return { vi: `Hết cảnh báo: ${metric.vi} tại ${where}`, en: `Alert ended: ${metric.en} at ${where}` };
  }
}

/** Time of a measurement as residents read it: HH:MM dd/mm/yyyy in Vietnam time. */
function localTime(at: string): string {
  const local = new Date(Date.parse(at) + VIETNAM_UTC_OFFSET_MS).toISOString();
  return `${local.slice(11, 16)} ${local.slice(8, 10)}/${local.slice(5, 7)}/${local.slice(0, 4)}`;
}

function descriptionOf(transition: CapTransition, subject: string, station: CapStation): Bilingual {
  const stationName = station.name ?? station.id;
  const when = localTime(transition.at);
  const unit = subject === "flood_level" ? "" : subjectLabel(subject).unit;
  const measured = (language: Language) => {
    if (transition.value === null) {
      return language === "vi"
        ? `Trạm ${stationName} không gửi dữ liệu (lúc ${when}, giờ Việt Nam).`
        : `Station ${stationName} is not sending data (at ${when}, Vietnam time).`;
    }
    const value = `${formatValue(subject, transition.value, language)}${unit ? ` ${unit}` : ""}`;
    return language === "vi"
      ? `Giá trị đo tại trạm ${stationName}: ${value} lúc ${when} (giờ Việt Nam).`
      : `Measured at station ${stationName}: ${value} at ${when} (Vietnam time).`;
  };
  // A resolution repeats the last engine message, which would describe the breach: say what happened.
  const lead = transition.transition === "resolved" ? RESOLVED_DESCRIPTION : transition.message;
  return { vi: `${lead.vi}\n${measured("vi")}`, en: `${lead.en}\n${measured("en")}` };
}

class XmlLines {
  private readonly lines: string[] = [];
  private depth = 0;

  open(name: string, attributes = ""): this {
    this.lines.push(`${"  ".repeat(this.depth)}<${name}${attributes}>`);
    this.depth += 1;
    return this;
  }

  close(name: string): this {
    this.depth -= 1;
    this.lines.push(`${"  ".repeat(this.depth)}</${name}>`);
    return this;
  }

  text(name: string, value: string): this {
    this.lines.push(`${"  ".repeat(this.depth)}<${name}>${xmlEscape(value)}</${name}>`);
    return this;
  }

  pair(name: string, valueName: string, value: string): this {
    return this.open(name).text("valueName", valueName).text("value", value).close(name);
  }

  toString(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

/**
 * The CAP message for one transition of the alert (the latest message when `transitionId` is
 * absent); undefined when that transition makes no message. Elements follow the order the
 * OASIS schema fixes.
 */
export function buildCapMessage(input: CapAlertInput, transitionId?: number): CapMessage | undefined {
  const messages = capMessageTransitions(input.transitions);
  const index =
    transitionId === undefined
      ? messages.length - 1
      : messages.findIndex((m) => m.transition.id === transitionId);
  const chosen = messages[index];
  if (!chosen) return undefined;
  const { transition, msgType } = chosen;
  const refs = capMessageRefs(input.sender, input.alertId, input.transitions);
  const own = refs[index] as CapMessageRef;
  const earlier = refs.slice(0, index);
  const sender = capToken(input.sender);
  const opening = messages[0]?.transition ?? transition;

  const group = subjectGroup(input.subject);
  const profile = GROUP_PROFILES[group];
  const terms = capTermsFor(transition.severity, msgType === "Cancel");
  const where = place(input.station);
  const headline = headlineOf(msgType, transition.severity, input.subject, where);
  const description = descriptionOf(transition, input.subject, input.station);
  const instruction = msgType === "Cancel" ? CANCEL_INSTRUCTION : profile.instruction;
  const event = subjectLabel(input.subject).label;
  const senderName = input.senderName ?? DEFAULT_SENDER_NAME;
  const { station } = input;
  const areaDesc = [station.name, station.areaName ?? station.area].filter((p) => p !== null).join(", ");
  const unit = input.subject === "flood_level" ? "" : subjectLabel(input.subject).unit;

  const xml = new XmlLines()
    .open("alert", ` xmlns="${CAP_NAMESPACE}"`)
    .text("identifier", own.identifier)
    .text("sender", sender)
    .text("sent", own.sent)
    .text("status", "Actual")
    .text("msgType", msgType)
    .text("scope", "Public");
  if (earlier.length > 0) {
    xml.text("references", earlier.map((ref) => `${sender},${ref.identifier},${ref.sent}`).join(" "));
  }
  for (const language of ["vi", "en"] as const) {
    xml.open("info").text("language", LANGUAGE_TAG[language]);
    for (const category of profile.categories) xml.text("category", category);
    xml
      .text("event", `${profile.event[language]}: ${event[language]}`)
      .text("responseType", terms.responseType satisfies CapResponseType)
      .text("urgency", terms.urgency)
      .text("severity", terms.severity)
      .text("certainty", terms.certainty)
      .pair("eventCode", "envmon-subject", input.subject)
      .text("onset", capDateTime(opening.at))
      .text("senderName", senderName[language])
      .text("headline", headline[language])
      .text("description", description[language])
      .text("instruction", instruction[language]);
    if (input.web !== undefined) xml.text("web", input.web);
    xml.pair("parameter", "metric", input.subject);
    if (transition.value !== null) {
      xml.pair("parameter", "value", String(transition.value));
      if (unit) xml.pair("parameter", "unit", unit);
    }
    xml.pair("parameter", "station", station.id);
    xml.open("area").text("areaDesc", areaDesc || station.id);
    if (station.lat !== null && station.lon !== null) {
      xml.text("circle", `${coordinate(station.lat)},${coordinate(station.lon)} ${profile.radiusKm}`);
    }
    if (station.area !== null) xml.pair("geocode", CAP_GEOCODE_NAME, station.area);
    xml.close("area").close("info");
  }
  xml.close("alert");

  return {
    ...own,
    headline,
    categories: profile.categories,
    xml: `<?xml version="1.0" encoding="UTF-8"?>\n${xml.toString()}`,
  };
}
