/**
 * VN_AQI, Decision 1459/QĐ-TCMT (12 Nov 2019): sub-indices, hourly AQI with the NowCast for
 * particulates, daily AQI. Concentrations in µg/m³ (CO too). Pure.
 */
import { type SubIndexEntry, summariseSubIndices } from "./aqi-summary.js";
import { optionalNonNegative, requireNonNegative } from "./input-guard.js";
import { nowCast } from "./nowcast.js";
import { type CurvePoint, interpolate } from "./piecewise-linear.js";
import { roundHalfUp } from "./rounding.js";
import {
  type AqiPollutant,
  type AqiResult,
  type AqiSubIndexKey,
  type IndexOutcome,
  insufficientData,
} from "./types.js";
import { vnAqiAdvice, vnAqiCategory } from "./vn-aqi-categories.js";

export { nowCast } from "./nowcast.js";
export { VN_AQI_CATEGORIES, vnAqiAdvice, vnAqiCategory } from "./vn-aqi-categories.js";

const INDEX_VALUES = [0, 50, 100, 150, 200, 300, 400, 500] as const;
const MAX_AQI = 500;

const curve = (concentrations: readonly number[]): readonly CurvePoint[] =>
  concentrations.map((c, i) => [c, INDEX_VALUES[i] as number] as const);

/** Breakpoints BP_i against I_i = 0, 50, 100, 150, 200, 300, 400, 500 (the 8h O3 column stops at 300). */
export const VN_AQI_BREAKPOINTS: Readonly<Record<AqiSubIndexKey, readonly CurvePoint[]>> = {
  o3_1h: curve([0, 160, 200, 300, 400, 800, 1000, 1200]),
  o3_8h: curve([0, 100, 120, 170, 210, 400]),
  co: curve([0, 10_000, 30_000, 45_000, 60_000, 90_000, 120_000, 150_000]),
  so2: curve([0, 125, 350, 550, 800, 1600, 2100, 2630]),
  no2: curve([0, 100, 200, 700, 1200, 2350, 3100, 3850]),
  pm10: curve([0, 50, 150, 250, 350, 420, 500, 600]),
  pm25: curve([0, 25, 50, 80, 150, 250, 350, 500]),
};

/**
 * Sub-index of one pollutant, unrounded: linear between breakpoints, 500 above the top one.
 * O3 8-hour has no breakpoints above 400 µg/m³; the decision then uses the 1-hour value only,
 * so this returns null. A RangeError names a negative or non-finite concentration.
 */
export function vnAqiSubIndex(pollutant: AqiSubIndexKey, concentration: number): number | null {
  const c = requireNonNegative(concentration, pollutant);
  const points = VN_AQI_BREAKPOINTS[pollutant];
  const [topConcentration] = points.at(-1) as CurvePoint;
  if (c > topConcentration) return pollutant === "o3_8h" ? null : MAX_AQI;
  return interpolate(points, c);
}

export interface VnAqiHourlyInput {
  /** Hourly means c1 … c12, c1 = the current hour, null for a missing hour. */
  readonly pm25?: readonly (number | null)[];
  readonly pm10?: readonly (number | null)[];
  /** Current 1-hour means. */
  readonly o3?: number | null;
  readonly no2?: number | null;
  readonly so2?: number | null;
  readonly co?: number | null;
}

export interface VnAqiDailyInput {
  /** 24-hour means of the day. */
  readonly pm25?: number | null;
  readonly pm10?: number | null;
  /** The day's maximum 1-hour mean and maximum 8-hour mean. */
  readonly o3_1h?: number | null;
  readonly o3_8h?: number | null;
  /** The day's maximum 1-hour means. */
  readonly no2?: number | null;
  readonly so2?: number | null;
  readonly co?: number | null;
}

const NOWCAST_DECIMALS = 1;

/** A sub-index entry for a column that is never skipped (every column but O3 8h). */
function entryOf(key: Exclude<AqiSubIndexKey, "o3_8h">, pollutant: AqiPollutant, c: number): SubIndexEntry {
  return { key, pollutant, value: vnAqiSubIndex(key, c) as number };
}

/** Sub-index entries of the gases measured as 1-hour means (hourly input or daily maxima). */
function gasEntries(values: {
  readonly no2: number | undefined;
  readonly so2: number | undefined;
  readonly co: number | undefined;
}): SubIndexEntry[] {
  const entries: SubIndexEntry[] = [];
  for (const pollutant of ["no2", "so2", "co"] as const) {
    const c = values[pollutant];
    if (c !== undefined) entries.push(entryOf(pollutant, pollutant, c));
  }
  return entries;
}

function complete(entries: readonly SubIndexEntry[]) {
  const { aqi, dominant, subIndices } = summariseSubIndices(entries);
  return { aqi, category: vnAqiCategory(aqi), dominant, subIndices, advice: vnAqiAdvice(aqi) };
}

/**
 * Hourly VN_AQI. PM2.5 and PM10 enter through their NowCast; at least one of the two NowCasts must
 * exist (at least 2 of its 3 most recent hours), otherwise the result is insufficient_data.
 * `nowcast` reports the NowCasts rounded half-up to 0.1 µg/m³ for display; the sub-indices use
 * the unrounded values.
 */
export function vnAqiHourly(input: VnAqiHourlyInput): IndexOutcome<AqiResult> {
  const pm25 = input.pm25 ? nowCast(input.pm25, "pm25") : null;
  const pm10 = input.pm10 ? nowCast(input.pm10, "pm10") : null;
  const o3 = optionalNonNegative(input.o3, "o3");
  const no2 = optionalNonNegative(input.no2, "no2");
  const so2 = optionalNonNegative(input.so2, "so2");
  const co = optionalNonNegative(input.co, "co");
  if (pm25 === null && pm10 === null) {
    return insufficientData(
      "no hourly AQI without a PM2.5 or PM10 NowCast, which needs at least 2 of the 3 most recent hourly means (c1, c2, c3)",
    );
  }
  const entries: SubIndexEntry[] = [];
  if (pm25 !== null) entries.push(entryOf("pm25", "pm25", pm25));
  if (pm10 !== null) entries.push(entryOf("pm10", "pm10", pm10));
  if (o3 !== undefined) entries.push(entryOf("o3_1h", "o3", o3));
  entries.push(...gasEntries({ no2, so2, co }));
  return {
    status: "ok",
    ...complete(entries),
    nowcast: {
      pm25: pm25 === null ? null : roundHalfUp(pm25, NOWCAST_DECIMALS),
      pm10: pm10 === null ? null : roundHalfUp(pm10, NOWCAST_DECIMALS),
    },
  };
}

/**
 * Daily VN_AQI from the day's 24-hour PM means and the day's maxima of the gases. O3 counts with
 * the larger of its 1-hour and 8-hour sub-indices (both are reported; the 8-hour one is left out
 * above 400 µg/m³). At least one of PM2.5 and PM10 is required, otherwise insufficient_data.
 */
export function vnAqiDaily(input: VnAqiDailyInput): IndexOutcome<AqiResult> {
  const pm25 = optionalNonNegative(input.pm25, "pm25");
  const pm10 = optionalNonNegative(input.pm10, "pm10");
  const o3_1h = optionalNonNegative(input.o3_1h, "o3_1h");
  const o3_8h = optionalNonNegative(input.o3_8h, "o3_8h");
  const no2 = optionalNonNegative(input.no2, "no2");
  const so2 = optionalNonNegative(input.so2, "so2");
  const co = optionalNonNegative(input.co, "co");
  if (pm25 === undefined && pm10 === undefined) {
    return insufficientData("no daily AQI without a 24-hour mean of PM2.5 or PM10");
  }
  const entries: SubIndexEntry[] = [];
  if (pm25 !== undefined) entries.push(entryOf("pm25", "pm25", pm25));
  if (pm10 !== undefined) entries.push(entryOf("pm10", "pm10", pm10));
  if (o3_1h !== undefined) entries.push(entryOf("o3_1h", "o3", o3_1h));
  const o3_8hIndex = o3_8h === undefined ? null : vnAqiSubIndex("o3_8h", o3_8h);
  if (o3_8hIndex !== null) entries.push({ key: "o3_8h", pollutant: "o3", value: o3_8hIndex });
  entries.push(...gasEntries({ no2, so2, co }));
  return { status: "ok", ...complete(entries) };
}
