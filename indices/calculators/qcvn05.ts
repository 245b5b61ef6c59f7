/**
 * QCVN 05:2023/BTNMT ambient air limits (µg/Nm³) and exceedances of 1-hour, 8-hour, 24-hour and
 * yearly means. Limits are a parameter: the default table is this regulation's, and a caller
 * passes its own table when the rules change. Pure.
 */
import { requireNonNegative } from "./input-guard.js";

export type Qcvn05Pollutant = "so2" | "co" | "no2" | "o3" | "tsp" | "pm10" | "pm25";
export type Qcvn05Period = "1h" | "8h" | "24h" | "year";

/** A limit value and the instant (epoch ms) from which it applies; null = from the start. */
export interface LimitStep {
  readonly from: number | null;
  readonly value: number;
}

/** Limit schedules per pollutant and averaging period; a missing entry means no limit. */
export type Qcvn05Limits = Readonly<
  Partial<Record<Qcvn05Pollutant, Readonly<Partial<Record<Qcvn05Period, readonly LimitStep[]>>>>>
>;

const always = (value: number): readonly LimitStep[] => [{ from: null, value }];

/** 1 January 2026 00:00 in Vietnam (UTC+7): the stricter PM2.5 24-hour limit applies from then. */
export const PM25_24H_STRICTER_FROM = Date.UTC(2025, 11, 31, 17, 0, 0);

export const QCVN05_2023_LIMITS: Qcvn05Limits = {
  so2: { "1h": always(350), "24h": always(125), year: always(50) },
  co: { "1h": always(30_000), "8h": always(10_000) },
  no2: { "1h": always(200), "24h": always(100), year: always(40) },
  o3: { "1h": always(200), "8h": always(120) },
  tsp: { "1h": always(300), "24h": always(200), year: always(100) },
  pm10: { "24h": always(100), year: always(50) },
  pm25: {
    "24h": [
      { from: null, value: 50 },
      { from: PM25_24H_STRICTER_FROM, value: 45 },
    ],
    year: always(25),
  },
};

/**
 * The limit in force at `at` (epoch ms; pass the start of the averaging period), or null when the
 * table sets none for this pollutant and period. Steps apply in order: the last one whose `from`
 * is at or before `at` wins.
 */
export function qcvn05LimitAt(
  pollutant: Qcvn05Pollutant,
  period: Qcvn05Period,
  at: number,
  limits: Qcvn05Limits = QCVN05_2023_LIMITS,
): number | null {
  if (!Number.isFinite(at)) throw new RangeError(`at must be epoch milliseconds, got ${String(at)}`);
  let inForce: number | null = null;
  for (const step of limits[pollutant]?.[period] ?? []) {
    if (step.from === null || step.from <= at) inForce = step.value;
  }
  return inForce;
}

export interface Qcvn05Average {
  readonly pollutant: Qcvn05Pollutant;
  readonly period: Qcvn05Period;
  /** µg/Nm³. */
  readonly value: number;
  /** Start of the averaging period, epoch ms: decides which limit is in force. */
  readonly at: number;
}

export interface Qcvn05Exceedance extends Qcvn05Average {
  readonly limit: number;
  /** value − limit, µg/Nm³. */
  readonly excess: number;
  /** value / limit (1.2 = 20 % over). */
  readonly ratio: number;
}

/**
 * The averages that exceed their limit (strictly above it: a mean equal to the limit complies),
 * in input order. Averages for which the table sets no limit are not exceedances. A RangeError
 * names a negative or non-finite value or time.
 */
export function qcvn05Exceedances(
  averages: readonly Qcvn05Average[],
  limits: Qcvn05Limits = QCVN05_2023_LIMITS,
): Qcvn05Exceedance[] {
  const exceedances: Qcvn05Exceedance[] = [];
  averages.forEach((average, i) => {
    const value = requireNonNegative(average.value, `averages[${i}].value`);
    if (typeof average.at !== "number" || !Number.isFinite(average.at)) {
      throw new RangeError(`averages[${i}].at must be epoch milliseconds, got ${String(average.at)}`);
    }
    const limit = qcvn05LimitAt(average.pollutant, average.period, average.at, limits);
    if (limit !== null && value > limit) {
      exceedances.push({ ...average, limit, excess: value - limit, ratio: value / limit });
    }
  });
  return exceedances;
}
