import { z } from "zod";
import { isMetricKey, metricDefinition } from "../../kernel/catalogue.js";
import {
  DEAD_LETTER_PAYLOAD_BYTES,
  EARLIEST_TIMESTAMP_MS,
  MAX_ENTRIES_PER_MESSAGE,
  MAX_FUTURE_SKEW_MS,
} from "../../kernel/limits.js";
import type { Reading } from "../../kernel/reading.js";
import type { Rejection, RejectionReason } from "../../kernel/rejections.js";
import { isValidDeviceId } from "../../kernel/topics.js";

export interface ParsedReadingsMessage {
  readonly readings: Reading[];
  readonly rejections: Rejection[];
}

export interface ReadingsMessageInput {
  readonly deviceId: string;
  readonly payload: Uint8Array;
  readonly receivedAt: number;
  readonly maxPayloadBytes: number;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

// `values` is checked by hand rather than as a zod record, which would drop a "__proto__" key
// silently instead of refusing it; `ts` is judged by parseTimestamp, which names the problem.
const entrySchema = z.strictObject({
  ts: z.unknown().optional(),
  values: z.custom<Record<string, unknown>>(isPlainObject, "values must be an object of metric: number"),
});

// ISO 8601 date-time that carries its offset; a bare local time would be ambiguous.
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

const utf8 = new TextDecoder("utf-8", { fatal: true });

function clip(text: string): { payload: string; truncated: boolean } {
  if (text.length <= DEAD_LETTER_PAYLOAD_BYTES) return { payload: text, truncated: false };
  return { payload: text.slice(0, DEAD_LETTER_PAYLOAD_BYTES), truncated: true };
}

/** Raw bytes for the dead-letter table: the text when it is UTF-8, otherwise base64 marked as such. */
function describeRaw(bytes: Uint8Array): { payload: string; truncated: boolean } {
  const head = bytes.subarray(0, DEAD_LETTER_PAYLOAD_BYTES);
  let text: string;
  try {
    text = utf8.decode(head);
  } catch {
    text = `base64:${Buffer.from(head).toString("base64")}`;
  }
  return { payload: text, truncated: bytes.length > DEAD_LETTER_PAYLOAD_BYTES };
}

function wholeMessage(reason: RejectionReason, message: string, bytes: Uint8Array): ParsedReadingsMessage {
  return { readings: [], rejections: [{ reason, message, ...describeRaw(bytes) }] };
}

/** `sensors/<id>/status` carries the text "online" or "offline" (any case, surrounding space ignored). */
export function parseStatusMessage(
  payload: Uint8Array,
): { ok: true; status: "online" | "offline" } | { ok: false; rejection: Rejection } {
  const text = Buffer.from(payload).toString("utf8").trim().toLowerCase();
  if (text === "online" || text === "offline") return { ok: true, status: text };
  return {
    ok: false,
    rejection: {
      reason: "invalid_shape",
      message: "status must be the text 'online' or 'offline'",
      ...describeRaw(payload),
    },
  };
}

/** The refusal of anything sent under a device id that breaks DEVICE_ID_PATTERN. */
export function invalidDeviceIdRejection(payload: Uint8Array): Rejection {
  return {
    reason: "invalid_device_id",
    message: "device id must be 1–64 letters, digits, '-' or '_', starting with a letter or digit",
    ...describeRaw(payload),
  };
}

/**
 * The refusal of a reading the broker delivered as retained. The embedded broker refuses such
 * publishes; another broker (Mosquitto, EMQX) keeps them and hands them out with every new
 * subscription, so storing them would add a point (a new receipt time when `ts` is absent) on
 * every reconnect of the ingest.
 */
export function retainedReadingRejection(payload: Uint8Array): Rejection {
  return {
    reason: "retained_reading",
    message:
      "readings must not be published with the retain flag: the broker hands a retained reading out again with every new subscription, so it is not stored",
    ...describeRaw(payload),
  };
}

type TimestampResult = { ok: true; ts: number } | { ok: false; reason: RejectionReason; message: string };

function parseTimestamp(raw: unknown, receivedAt: number): TimestampResult {
  if (raw === undefined) return { ok: true, ts: receivedAt };
  let ts: number;
  if (typeof raw !== "number" && typeof raw !== "string") {
    return {
      ok: false,
      reason: "invalid_timestamp",
      message: `ts must be a number or a string, got ${typeOf(raw)}`,
    };
  }
  if (typeof raw === "number") {
    if (!Number.isFinite(raw)) return { ok: false, reason: "invalid_timestamp", message: "ts is not finite" };
    ts = Math.round(raw);
  } else {
    if (!ISO_WITH_OFFSET.test(raw)) {
      return {
        ok: false,
        reason: "invalid_timestamp",
        message: "ts must be epoch milliseconds or ISO 8601 with an offset, e.g. 2026-11-21T15:00:00+07:00",
      };
    }
    ts = Date.parse(raw);
    if (Number.isNaN(ts) || !isCalendarDate(raw)) {
      return { ok: false, reason: "invalid_timestamp", message: `ts '${raw}' is not a date` };
    }
  }
  if (ts < EARLIEST_TIMESTAMP_MS) {
    return {
      ok: false,
      reason: "invalid_timestamp",
      message: "ts is before 2000-01-01: is the device clock set?",
    };
  }
  if (ts > receivedAt + MAX_FUTURE_SKEW_MS) {
    return {
      ok: false,
      reason: "future_timestamp",
      message: `ts is ${Math.round((ts - receivedAt) / 1000)} s in the future (limit ${MAX_FUTURE_SKEW_MS / 1000} s)`,
    };
  }
  return { ok: true, ts };
}

/** Date.parse rolls 2026-02-30 over to 2 March; a device that sends it has a broken clock. */
function isCalendarDate(iso: string): boolean {
  const [year, month, day] = iso.slice(0, 10).split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

/** JSON of an entry for the dead-letter table; some valid JSON nests too deeply to write back. */
function entryText(entry: unknown): string {
  try {
    return JSON.stringify(entry) ?? String(entry);
  } catch {
    return "[entry nested too deeply to keep]";
  }
}

const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

function checkValue(metric: string, value: unknown): { reason: RejectionReason; message: string } | null {
  if (!isMetricKey(metric))
    return { reason: "unknown_metric", message: `unknown metric '${metric.slice(0, 64)}'` };
  if (typeof value !== "number") {
    return { reason: "invalid_value", message: `${metric}: expected a number, got ${typeOf(value)}` };
  }
  if (!Number.isFinite(value))
    return { reason: "non_finite_value", message: `${metric}: value is not finite` };
  const def = metricDefinition(metric);
  if (value < def.min || value > def.max) {
    return {
      reason: "out_of_range",
      message: `${metric}: ${value} ${def.unit} is outside the plausible range ${def.min}–${def.max} ${def.unit}`,
    };
  }
  return null;
}

function parseEntry(
  deviceId: string,
  entry: unknown,
  entryIndex: number | undefined,
  receivedAt: number,
  out: { readings: Reading[]; rejections: Rejection[] },
): void {
  const at = entryIndex === undefined ? {} : { entryIndex };
  const keep = () => clip(entryText(entry));
  const shape = entrySchema.safeParse(entry);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "entry";
    out.rejections.push({
      reason: "invalid_shape",
      message: `${where}: ${issue?.message ?? "invalid"}; expected {"ts"?: number|string, "values": {metric: number}}`,
      ...at,
      ...keep(),
    });
    return;
  }
  const metrics = Object.keys(shape.data.values);
  if (metrics.length === 0) {
    out.rejections.push({ reason: "invalid_shape", message: "values is empty", ...at, ...keep() });
    return;
  }
  const ts = parseTimestamp(shape.data.ts, receivedAt);
  if (!ts.ok) {
    out.rejections.push({ reason: ts.reason, message: ts.message, ...at, ...keep() });
    return;
  }
  for (const metric of metrics) {
    const value = shape.data.values[metric];
    const problem = checkValue(metric, value);
    if (problem) {
      const kept = clip(entryText({ ts: ts.ts, values: { [metric]: value ?? null } }));
      out.rejections.push({ ...problem, ...at, metric: metric.slice(0, 64), ...kept });
    } else {
      out.readings.push({ deviceId, metric: metric as Reading["metric"], ts: ts.ts, value: value as number });
    }
  }
}

/**
 * Validates one message from `sensors/<deviceId>/readings`. Good values are kept even when
 * their neighbours are refused: entry-level problems (shape, timestamp) drop that entry,
 * value-level problems (unknown metric, bad number) drop only that value.
 */
export function parseReadingsMessage(input: ReadingsMessageInput): ParsedReadingsMessage {
  const { deviceId, payload, receivedAt, maxPayloadBytes } = input;
  if (!isValidDeviceId(deviceId)) {
    return { readings: [], rejections: [invalidDeviceIdRejection(payload)] };
  }
  if (payload.length > maxPayloadBytes) {
    return wholeMessage(
      "payload_too_large",
      `payload is ${payload.length} bytes; the limit is ${maxPayloadBytes}`,
      payload,
    );
  }
  let text: string;
  let body: unknown;
  try {
    text = utf8.decode(payload);
    body = JSON.parse(text);
  } catch (error) {
    const why = error instanceof SyntaxError ? error.message : "payload is not UTF-8 JSON";
    return wholeMessage("invalid_json", `invalid JSON: ${why}`, payload);
  }
  const out = { readings: [] as Reading[], rejections: [] as Rejection[] };
  if (Array.isArray(body)) {
    if (body.length === 0) return wholeMessage("invalid_shape", "empty array: nothing to store", payload);
    if (body.length > MAX_ENTRIES_PER_MESSAGE) {
      return wholeMessage(
        "too_many_entries",
        `${body.length} entries; at most ${MAX_ENTRIES_PER_MESSAGE} per message`,
        payload,
      );
    }
    body.forEach((entry, index) => {
      parseEntry(deviceId, entry, index, receivedAt, out);
    });
  } else {
    parseEntry(deviceId, body, undefined, receivedAt, out);
  }
  return out;
}
