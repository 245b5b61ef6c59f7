import {
  CAP_GEOCODE_NAME,
  CAP_NAMESPACE,
  capDateTime,
  capToken,
  xmlEscape,
} from "../../alerts/model/index.js";
import { HAZARD_INFO } from "./hazard.js";
import type { RiskLevel } from "./risk-level.js";
import { RISK_LEVEL_INFO } from "./risk-level.js";
import type { WarningEvent, WarningEventKind } from "./warning-lifecycle.js";

/**
 * CAP 1.2 messages of an agency's warning, one per public event: publication an Alert, each
 * update an Update and the cancellation a Cancel, each later one citing every earlier one in
 * `references`. Expiry makes no message (the `expires` of the last one says it). The risk level
 * of Decision 18/2021 is a `parameter`, the communes are the `area`s. Pure: the same events give
 * the same bytes.
 */

export type WarningMsgType = "Alert" | "Update" | "Cancel";

const MSG_TYPE: Partial<Record<WarningEventKind, WarningMsgType>> = {
  published: "Alert",
  updated: "Update",
  cancelled: "Cancel",
};

/** CAP severity of each risk level. */
const CAP_SEVERITY: Readonly<Record<RiskLevel, string>> = {
  1: "Minor",
  2: "Moderate",
  3: "Severe",
  4: "Severe",
  5: "Extreme",
};

export interface CapCommune {
  readonly code: string;
  readonly name: string;
  /** Centroid of its stations, when known: a 5 km circle around it. */
  readonly lat: number | null;
  readonly lon: number | null;
}

export interface WarningCapInput {
  readonly sender: string;
  readonly senderName: { readonly vi: string; readonly en: string | null };
  /** Every event of the warning, any order. */
  readonly events: readonly WarningEvent[];
  readonly communes: ReadonlyMap<string, CapCommune>;
  readonly web?: string;
}

export interface WarningCapMessage {
  readonly eventId: number;
  readonly msgType: WarningMsgType;
  readonly identifier: string;
  readonly sent: string;
  readonly xml: string;
}

export const COMMUNE_RADIUS_KM = 5;

export const warningCapIdentifier = (sender: string, warningId: number, eventId: number) =>
  `${capToken(sender)}.warning.${warningId}.${eventId}`;

function messageEvents(events: readonly WarningEvent[]) {
  const ordered = [...events].sort((a, b) => a.id - b.id);
  const out: { event: WarningEvent; msgType: WarningMsgType }[] = [];
  for (const event of ordered) {
    const msgType = MSG_TYPE[event.kind];
    if (!msgType) continue;
    out.push({ event, msgType });
    if (msgType === "Cancel") break;
  }
  return out;
}

/** The latest CAP message of the warning (or the one of `eventId`); undefined before publication. */
export function buildWarningCap(input: WarningCapInput, eventId?: number): WarningCapMessage | undefined {
  const messages = messageEvents(input.events);
  const index =
    eventId === undefined ? messages.length - 1 : messages.findIndex((m) => m.event.id === eventId);
  const chosen = messages[index];
  if (!chosen) return undefined;
  const sender = capToken(input.sender);
  const heads = messages.map(({ event }) => ({
    identifier: warningCapIdentifier(input.sender, event.warningId, event.id),
    sent: capDateTime(event.at),
  }));
  const own = heads[index] as { identifier: string; sent: string };
  const { event, msgType } = chosen;
  const warning = event.warning;
  const level = RISK_LEVEL_INFO[warning.level];
  const hazard = HAZARD_INFO[warning.hazard];
  const cancel = msgType === "Cancel";

  const lines: string[] = [];
  let depth = 0;
  const open = (name: string, attributes = "") => {
    lines.push(`${"  ".repeat(depth)}<${name}${attributes}>`);
    depth++;
  };
  const close = (name: string) => {
    depth--;
    lines.push(`${"  ".repeat(depth)}</${name}>`);
  };
  const text = (name: string, value: string) =>
    lines.push(`${"  ".repeat(depth)}<${name}>${xmlEscape(value)}</${name}>`);
  const pair = (name: string, valueName: string, value: string) => {
    open(name);
    text("valueName", valueName);
    text("value", value);
    close(name);
  };

  open("alert", ` xmlns="${CAP_NAMESPACE}"`);
  text("identifier", own.identifier);
  text("sender", sender);
  text("sent", own.sent);
  text("status", "Actual");
  text("msgType", msgType);
  text("scope", "Public");
  if (index > 0) {
    text(
      "references",
      heads
        .slice(0, index)
        .map((h) => `${sender},${h.identifier},${h.sent}`)
        .join(" "),
    );
  }
  const languages = warning.headline.en ? (["vi", "en"] as const) : (["vi"] as const);
  for (const language of languages) {
    const pick = (t: { vi: string; en: string | null }) => (language === "en" ? (t.en ?? t.vi) : t.vi);
    open("info");
    text("language", language === "vi" ? "vi-VN" : "en-US");
    for (const category of hazard.capCategories) text("category", category);
    text("event", hazard.name[language]);
    text("responseType", cancel ? "AllClear" : warning.level >= 3 ? "Prepare" : "Monitor");
    text("urgency", cancel ? "Past" : warning.onset <= event.at ? "Immediate" : "Expected");
    text("severity", cancel ? "Minor" : CAP_SEVERITY[warning.level]);
    text("certainty", cancel ? "Observed" : "Likely");
    pair("eventCode", "envmon-hazard", warning.hazard);
    text("effective", own.sent);
    text("onset", capDateTime(warning.onset));
    text("expires", capDateTime(cancel ? event.at : warning.expires));
    text("senderName", pick(input.senderName));
    text("headline", pick(warning.headline));
    text("description", pick(warning.description));
    const instruction = pick(warning.instruction);
    if (instruction) text("instruction", instruction);
    if (input.web !== undefined) text("web", input.web);
    pair("parameter", "riskLevel", String(warning.level));
    pair("parameter", "riskLevelName", level.name[language]);
    pair("parameter", "riskLevelColour", level.colour[language]);
    pair("parameter", "legalBasis", "QĐ 18/2021/QĐ-TTg, Điều 4");
    for (const code of warning.communes) {
      const commune = input.communes.get(code);
      open("area");
      text("areaDesc", commune?.name ?? code);
      if (commune && commune.lat !== null && commune.lon !== null) {
        text(
          "circle",
          `${Number(commune.lat.toFixed(5))},${Number(commune.lon.toFixed(5))} ${COMMUNE_RADIUS_KM}`,
        );
      }
      pair("geocode", CAP_GEOCODE_NAME, code);
      close("area");
    }
    close("info");
  }
  close("alert");
  return {
    eventId: event.id,
    msgType,
    identifier: own.identifier,
    sent: own.sent,
    xml: `<?xml version="1.0" encoding="UTF-8"?>\n${lines.join("\n")}\n`,
  };
}
