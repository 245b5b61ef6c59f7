/**
 * The text files of automatic continuous monitoring stations (Circular 10/2021/TT-BTNMT, as
 * dataloggers in the field write them; the annex itself was not available to us, so the reading is
 * tolerant). Pure: no I/O, no clock (the caller passes `now`).
 *
 * File name: `<Province>_<Facility>_<Station>_<yyyyMMddHHmmss>.txt`, or on older stations
 * `<Facility><yyyyMMddHHmmss>.txt`. One line per parameter, 5 TAB-separated fields:
 * symbol, value, unit (may be empty, e.g. pH), time `yyyyMMddHHmmss` (Vietnam time), status
 * `00` measuring, `01` calibrating, `02` error, `03` maintenance. Lines end in CRLF (LF is taken too).
 */
import { z } from "zod";
import { VIETNAM_UTC_OFFSET_MS } from "../../kernel/time.js";

/** Vietnam has no daylight saving: local time is UTC+7 all year. */
/** A datalogger's clock may run a little ahead; beyond this a time is refused as in the future. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;
/** Station files are a few dozen lines; a larger file is not one. */
export const MAX_STATION_FILE_BYTES = 256 * 1024;

export const DEVICE_STATUSES = {
  "00": "measuring",
  "01": "calibrating",
  "02": "error",
  "03": "maintenance",
} as const;
export type DeviceStatusCode = keyof typeof DEVICE_STATUSES;
/** The quality flag a value carries: only `measuring` counts in indices, limits and completeness. */
export type QualityFlag = (typeof DEVICE_STATUSES)[DeviceStatusCode];

export interface StationFileName {
  /** Province code, facility code, station code; province and station are null in the older form. */
  readonly province: string | null;
  readonly facility: string;
  readonly station: string | null;
  /** The file's time, epoch ms UTC. */
  readonly at: number;
}

export interface StationFileLine {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly symbol: string;
  readonly value: number;
  /** As written (trimmed); empty when the station sent none. */
  readonly unit: string;
  readonly ts: number;
  readonly status: QualityFlag;
}

export const LINE_PROBLEMS = [
  "wrong_field_count",
  "invalid_symbol",
  "invalid_value",
  "invalid_time",
  "future_time",
  "unknown_status",
  "duplicate_line",
  // Found when the line is mapped to the station's parameters (station-parameters.ts).
  "unknown_parameter",
  "unit_mismatch",
  "out_of_range",
] as const;
export type LineProblemReason = (typeof LINE_PROBLEMS)[number];

export interface LineProblem {
  readonly line: number;
  readonly reason: LineProblemReason;
  /** Vietnamese first, then English. */
  readonly message: string;
  /** The raw line, at most 200 characters. */
  readonly text: string;
}

export interface ParsedStationFile {
  readonly lines: readonly StationFileLine[];
  readonly problems: readonly LineProblem[];
}

const TIME_PATTERN = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** `yyyyMMddHHmmss` in Vietnam time → epoch ms, or undefined when it is not a real instant. */
export function parseVietnamTime(text: string): number | undefined {
  const match = TIME_PATTERN.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utc);
  // Date.UTC rolls 31 February over into March; a real time reads back the same.
  if (
    year < 2000 ||
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  return utc - VIETNAM_UTC_OFFSET_MS;
}

const CODE = "[A-Za-z0-9-]{1,40}";
const CURRENT_NAME = new RegExp(`^(${CODE})_(${CODE})_(${CODE})_(\\d{14})\\.txt$`, "i");
const OLDER_NAME = /^([A-Za-z0-9_-]{1,60}?)(\d{14})\.txt$/i;

/** Reads a station file's name (without directories); undefined when it has neither form. */
export function parseStationFileName(name: string): StationFileName | undefined {
  const current = CURRENT_NAME.exec(name);
  if (current) {
    const at = parseVietnamTime(current[4] as string);
    if (at === undefined) return undefined;
    return {
      province: current[1] as string,
      facility: current[2] as string,
      station: current[3] as string,
      at,
    };
  }
  const older = OLDER_NAME.exec(name);
  if (!older) return undefined;
  const at = parseVietnamTime(older[2] as string);
  if (at === undefined) return undefined;
  return { province: null, facility: (older[1] as string).replace(/_+$/, ""), station: null, at };
}

/** A decimal number as dataloggers write it: a point, or one decimal comma; no exponent, no hex. */
const numberText = z
  .string()
  .regex(/^[+-]?(\d+([.,]\d*)?|[.,]\d+)$/)
  .transform((text) => Number(text.replace(",", ".")))
  .pipe(z.number().finite());
const symbolText = z.string().regex(/^[A-Za-z][A-Za-z0-9_+.\-/()]{0,39}$/);
const statusText = z
  .string()
  .regex(/^0?[0-3]$/)
  .transform((text) => DEVICE_STATUSES[text.padStart(2, "0") as DeviceStatusCode]);

const MESSAGES: Record<LineProblemReason, (detail: string) => string> = {
  wrong_field_count: (d) =>
    `dòng phải có 5 trường cách nhau bằng TAB, có ${d} · a line has 5 TAB-separated fields, got ${d}`,
  invalid_symbol: (d) => `ký hiệu thông số không hợp lệ: "${d}" · invalid parameter symbol "${d}"`,
  invalid_value: (d) => `giá trị không phải là số: "${d}" · the value is not a number: "${d}"`,
  invalid_time: (d) => `thời gian không hợp lệ (yyyyMMddHHmmss): "${d}" · invalid time "${d}"`,
  future_time: (d) => `thời gian ở tương lai: ${d} · the time is in the future: ${d}`,
  unknown_status: (d) =>
    `trạng thái thiết bị phải là 00, 01, 02 hoặc 03: "${d}" · device status must be 00–03, got "${d}"`,
  duplicate_line: (d) =>
    `thông số ${d} lặp lại với cùng thời gian · parameter ${d} repeated with the same time`,
  unknown_parameter: (d) =>
    `thông số "${d}" chưa được khai báo cho trạm · parameter "${d}" is not mapped for this station`,
  unit_mismatch: (d) => `đơn vị không khớp: ${d} · unit mismatch: ${d}`,
  out_of_range: (d) => `giá trị ngoài khoảng hợp lý: ${d} · value outside the plausible range: ${d}`,
};

export const lineProblem = (
  line: number,
  reason: LineProblemReason,
  detail: string,
  text: string,
): LineProblem => ({
  line,
  reason,
  message: MESSAGES[reason](detail),
  text: text.slice(0, 200),
});

/**
 * Parses a station file's text line by line: each line is judged alone, so a bad line is reported
 * and the good ones are kept. Blank lines and a BOM are ignored; trailing TABs are tolerated.
 */
export function parseStationFile(text: string, now: number): ParsedStationFile {
  const lines: StationFileLine[] = [];
  const problems: LineProblem[] = [];
  const seen = new Set<string>();
  const rows = text.replace(/^\uFEFF/, "").split(/\r?\n|\r/);
  rows.forEach((raw, index) => {
    const number = index + 1;
    if (raw.trim() === "") return;
    const fields = raw.split("\t").map((f) => f.trim());
    while (fields.length > 5 && fields.at(-1) === "") fields.pop();
    if (fields.length !== 5) {
      problems.push(lineProblem(number, "wrong_field_count", String(fields.length), raw));
      return;
    }
    const [symbol, valueText, unit, timeText, statusCode] = fields as [
      string,
      string,
      string,
      string,
      string,
    ];
    if (!symbolText.safeParse(symbol).success) {
      problems.push(lineProblem(number, "invalid_symbol", symbol, raw));
      return;
    }
    const value = numberText.safeParse(valueText);
    if (!value.success) {
      problems.push(lineProblem(number, "invalid_value", valueText, raw));
      return;
    }
    const ts = parseVietnamTime(timeText);
    if (ts === undefined) {
      problems.push(lineProblem(number, "invalid_time", timeText, raw));
      return;
    }
    if (ts > now + FUTURE_TOLERANCE_MS) {
      problems.push(lineProblem(number, "future_time", timeText, raw));
      return;
    }
    const status = statusText.safeParse(statusCode);
    if (!status.success) {
      problems.push(lineProblem(number, "unknown_status", statusCode, raw));
      return;
    }
    const key = `${symbol.toLowerCase()}\u0000${ts}`;
    if (seen.has(key)) {
      problems.push(lineProblem(number, "duplicate_line", symbol, raw));
      return;
    }
    seen.add(key);
    lines.push({ line: number, symbol, value: value.data, unit, ts, status: status.data });
  });
  return { lines, problems };
}
