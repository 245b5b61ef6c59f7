import { isMetricKey } from "../../../kernel/catalogue.js";
import type { SeriesPoint } from "../../../kernel/series.js";
import { isValidDeviceId } from "../../../kernel/topics.js";

/**
 * Line protocol for the raw readings: one measurement, tags device/area/kind (area and kind follow
 * from the device, so the series count is the device count), one field per metric, ms precision.
 * A batch's points of the same device and time share one line.
 */
export const RAW_MEASUREMENT = "readings";
export const ROLLUP_MEASUREMENT = "readings_1h";

/** What the registry says about a device; becomes the area and kind tags (absent when null). */
export interface DeviceTags {
  readonly area: string | null;
  readonly kind: string | null;
}

/** Derived series names ("idx:…") the index engine writes; anything else is refused. */
const DERIVED_FIELD = /^idx:[A-Za-z0-9_.:-]{1,120}$/;

/** Field names that may be stored: catalogue metrics and derived series. They need no escaping. */
export const isStorableField = (key: string): boolean => isMetricKey(key) || DERIVED_FIELD.test(key);

/** Oldest and newest instants InfluxDB can store (int64 nanoseconds), in ms, with a margin. */
export const MIN_TIME_MS = 0;
export const MAX_TIME_MS = 9_223_372_036_000;

/**
 * Makes a registry value safe as a tag value. Line protocol cannot escape line breaks, and a
 * backslash before a separator would change the parse, so those become "_"; commas, equals
 * signs and spaces are escaped.
 */
export function tagValue(raw: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is replaced
  return raw.replace(/[\u0000-\u001f\u007f\\]/g, "_").replace(/[,= ]/g, "\\$&");
}

export function seriesTags(deviceId: string, tags: DeviceTags): string {
  // Sorted by key, as InfluxDB prefers.
  let out = "";
  if (tags.area) out += `,area=${tagValue(tags.area)}`;
  out += `,device=${deviceId}`;
  if (tags.kind) out += `,kind=${tagValue(tags.kind)}`;
  return out;
}

/** Shortest decimal that reads back as the same double; InfluxDB parses it as a float. */
export const floatValue = (value: number): string => String(value);

export type PointProblem = "invalid_device_id" | "unknown_metric" | "non_finite_value" | "invalid_timestamp";

export interface RefusedPoint {
  readonly point: SeriesPoint;
  readonly problem: PointProblem;
}

export interface ReadingLines {
  readonly lines: string[];
  /** Points that cannot be written at all (they never reach InfluxDB). */
  readonly refused: RefusedPoint[];
}

function problemOf(point: SeriesPoint): PointProblem | undefined {
  if (!isValidDeviceId(point.deviceId)) return "invalid_device_id";
  if (!isStorableField(point.metric)) return "unknown_metric";
  if (typeof point.value !== "number" || !Number.isFinite(point.value)) return "non_finite_value";
  if (!Number.isSafeInteger(point.ts) || point.ts < MIN_TIME_MS || point.ts > MAX_TIME_MS) {
    return "invalid_timestamp";
  }
  return undefined;
}

/**
 * One line per (device, time); a later point of the same device, metric and time replaces an
 * earlier one, so a batch that repeats a reading stores the last value.
 */
export function readingLines(
  points: readonly SeriesPoint[],
  tagsOf: (deviceId: string) => DeviceTags,
): ReadingLines {
  const groups = new Map<string, { deviceId: string; ts: number; fields: Map<string, number> }>();
  const refused: RefusedPoint[] = [];
  for (const point of points) {
    const problem = problemOf(point);
    if (problem) {
      refused.push({ point, problem });
      continue;
    }
    const key = `${point.deviceId} ${point.ts}`;
    let group = groups.get(key);
    if (!group) {
      group = { deviceId: point.deviceId, ts: point.ts, fields: new Map() };
      groups.set(key, group);
    }
    // Delete first so that the field order follows the last write; harmless either way.
    group.fields.delete(point.metric);
    group.fields.set(point.metric, point.value);
  }
  const lines: string[] = [];
  const tagCache = new Map<string, string>();
  for (const { deviceId, ts, fields } of groups.values()) {
    let tags = tagCache.get(deviceId);
    if (tags === undefined) {
      tags = seriesTags(deviceId, tagsOf(deviceId));
      tagCache.set(deviceId, tags);
    }
    let fieldSet = "";
    for (const [metric, value] of fields) fieldSet += `${fieldSet ? "," : ""}${metric}=${floatValue(value)}`;
    lines.push(`${RAW_MEASUREMENT}${tags} ${fieldSet} ${ts}`);
  }
  return { lines, refused };
}

/** The timestamp (ms) of a line this module wrote. */
export const lineTimestamp = (line: string): number => Number(line.slice(line.lastIndexOf(" ") + 1));

/** The device tag of a line this module wrote (device ids never need escaping). */
export function lineDeviceId(line: string): string | null {
  const match = /,device=([A-Za-z0-9_-]+)[, ]/.exec(line);
  return match?.[1] ?? null;
}

/** The field names of a line this module wrote (field names never need escaping). */
export function lineFieldNames(line: string): string[] {
  const end = line.lastIndexOf(" ");
  // The field set starts after the first space that is not escaped (tag values may hold "\ ").
  let start = -1;
  for (let i = 0; i < end; i++) {
    if (line[i] === " " && line[i - 1] !== "\\") {
      start = i;
      break;
    }
  }
  if (start < 0) return [];
  return line
    .slice(start + 1, end)
    .split(",")
    .map((pair) => pair.slice(0, pair.indexOf("=")));
}
