import { VIETNAM_UTC_OFFSET_MS } from "../../kernel/time.js";
import { HAZARD_INFO } from "./hazard.js";
import { RISK_LEVEL_INFO } from "./risk-level.js";
import type { Warning } from "./warning.js";
import type { WarningEventKind } from "./warning-lifecycle.js";

/**
 * The texts of a warning for the channels that carry plain text: brand-name SMS (no diacritics,
 * at most 160 characters a message, longer texts split and numbered; one text per commune so a
 * gateway can target it) and e-mail (subject and body, Vietnamese first). Pure.
 */

export const SMS_MAX_CHARS = 160;

/** Vietnamese (or any Latin) text without diacritics, printable ASCII only, spaces collapsed. */
export function asciiFold(text: string): string {
  return text
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[‐-―−]/g, "-")
    .replace(/[‘’‚′]/g, "'")
    .replace(/[“”„″]/g, '"')
    .replace(/…/g, "...")
    .replace(/[^\x20-\x7e]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** HH:MM dd/mm in Vietnam time. */
function shortLocal(ms: number): string {
  const local = new Date(ms + VIETNAM_UTC_OFFSET_MS).toISOString();
  return `${local.slice(11, 16)} ${local.slice(8, 10)}/${local.slice(5, 7)}`;
}

/** HH:MM dd/mm/yyyy in Vietnam time. */
export function localDateTime(ms: number): string {
  const local = new Date(ms + VIETNAM_UTC_OFFSET_MS).toISOString();
  return `${local.slice(11, 16)} ${local.slice(8, 10)}/${local.slice(5, 7)}/${local.slice(0, 4)}`;
}

const SMS_LEAD: Partial<Record<WarningEventKind, string>> = {
  published: "CANH BAO",
  updated: "CAP NHAT CANH BAO",
  cancelled: "HUY CANH BAO",
};

/**
 * Splits a text into SMS of at most `max` characters: one when it fits, else numbered "(1/3) …"
 * parts, cut between words (a word longer than a part is cut).
 */
export function splitSms(text: string, max = SMS_MAX_CHARS): string[] {
  if (text.length <= max) return [text];
  for (let guess = 2; ; guess++) {
    const room = max - `(${guess}/${guess}) `.length;
    const parts: string[] = [];
    let current = "";
    for (const word of text.split(" ")) {
      let rest = word;
      while (rest.length > room) {
        if (current) parts.push(current);
        parts.push(rest.slice(0, room));
        rest = rest.slice(room);
        current = "";
      }
      const joined = current ? `${current} ${rest}` : rest;
      if (joined.length <= room) current = joined;
      else {
        parts.push(current);
        current = rest;
      }
    }
    if (current) parts.push(current);
    if (parts.length <= guess) return parts.map((p, i) => `(${i + 1}/${parts.length}) ${p}`);
  }
}

/** The SMS for one commune of a public warning event; empty for events that send none (expiry). */
export function smsTexts(kind: WarningEventKind, warning: Warning, communeName: string): string[] {
  const lead = SMS_LEAD[kind];
  if (!lead) return [];
  const level = RISK_LEVEL_INFO[warning.level];
  const hazard = HAZARD_INFO[warning.hazard].name.vi;
  const where = asciiFold(communeName);
  if (kind === "cancelled") {
    return splitSms(asciiFold(`${lead} ${hazard} tai ${where}: ${warning.headline.vi}. Da het nguy co.`));
  }
  const text = [
    `${lead} CAP ${warning.level} (${level.name.vi.replace(/^Cấp độ \d – /, "")}) ${hazard} tai ${where}:`,
    `${warning.headline.vi}.`,
    `Tu ${shortLocal(warning.onset)} den ${shortLocal(warning.expires)}.`,
    warning.instruction.vi,
  ]
    .filter((part) => part.length > 0)
    .join(" ");
  return splitSms(asciiFold(text));
}

/** Subject and body of the e-mail of a public warning event (Vietnamese, then English when given). */
export function emailText(
  kind: WarningEventKind,
  warning: Warning,
  agencyName: string,
  communeNames: readonly string[],
  unsubscribeUrl: string,
): { subject: string; text: string } {
  const level = RISK_LEVEL_INFO[warning.level];
  const hazard = HAZARD_INFO[warning.hazard].name;
  const lead = { published: "Cảnh báo", updated: "Cập nhật cảnh báo", cancelled: "Hủy cảnh báo" }[
    kind as "published" | "updated" | "cancelled"
  ];
  const subject = `[${lead ?? "Cảnh báo"} – ${level.name.vi}] ${warning.headline.vi}`;
  const lines = [
    `${lead ?? "Cảnh báo"}: ${hazard.vi} – ${level.name.vi} (màu ${level.colour.vi})`,
    `Cơ quan: ${agencyName}`,
    `Địa bàn: ${communeNames.join(", ")}`,
    `Hiệu lực: từ ${localDateTime(warning.onset)} đến ${localDateTime(warning.expires)} (giờ Việt Nam)`,
    "",
    warning.headline.vi,
    "",
    warning.description.vi,
  ];
  if (warning.instruction.vi) lines.push("", `Hướng dẫn: ${warning.instruction.vi}`);
  if (warning.headline.en) {
    lines.push("", "—", `${hazard.en} – ${level.name.en} (${level.colour.en})`, warning.headline.en);
    if (warning.description.en) lines.push(warning.description.en);
    if (warning.instruction.en) lines.push(`Instructions: ${warning.instruction.en}`);
  }
  lines.push("", `Hủy đăng ký / Unsubscribe: ${unsubscribeUrl}`);
  return { subject, text: `${lines.join("\n")}\n` };
}

/** "10 giờ 05 ngày 6 tháng 12" in Vietnam time: how a time is read aloud. */
function spokenTime(ms: number): string {
  const local = new Date(ms + VIETNAM_UTC_OFFSET_MS);
  const minutes = String(local.getUTCMinutes()).padStart(2, "0");
  return `${local.getUTCHours()} giờ ${minutes} ngày ${local.getUTCDate()} tháng ${local.getUTCMonth() + 1}`;
}

/**
 * The script a commune's loudspeakers read: plain Vietnamese, no codes or abbreviations, the
 * essentials said twice as announcers do. Empty for steps that are not announced (expiry).
 */
export function loudspeakerScript(kind: WarningEventKind, warning: Warning, communeName: string): string {
  const level = RISK_LEVEL_INFO[warning.level];
  const hazard = HAZARD_INFO[warning.hazard].name.vi.toLowerCase();
  if (kind === "cancelled") {
    return `Thông báo của cơ quan chức năng: cảnh báo ${hazard} tại ${communeName} đã được hủy bỏ. ${warning.headline.vi}. Bà con tiếp tục theo dõi thông tin từ chính quyền địa phương.`;
  }
  if (kind !== "published" && kind !== "updated") return "";
  const opening = kind === "updated" ? "Cập nhật cảnh báo" : "Cảnh báo";
  const core = `${opening} ${hazard} tại ${communeName}, ${level.name.vi.replace("Cấp độ", "cấp độ rủi ro")}. ${warning.headline.vi}.`;
  const body = [
    core,
    warning.description.vi,
    `Thời gian từ ${spokenTime(warning.onset)} đến ${spokenTime(warning.expires)}.`,
    warning.instruction.vi,
    `Xin nhắc lại: ${core}`,
  ];
  return body.filter((part) => part.length > 0).join(" ");
}
