/**
 * Max, min and mean per period of a station's values, and a day's completeness and exceedances.
 * Only measuring values count: calibrating, faulty and maintenance values are kept and shown, but
 * they are not measurements of the discharge. Periods are hours or Vietnam days (UTC+7). Pure.
 */

import { DAY_MS, HOUR_MS, VIETNAM_UTC_OFFSET_MS } from "../../kernel/time.js";
import { type FileStation, limitsInForce } from "./facilities.js";
import type { QualityFlag } from "./station-file.js";

export type StatisticsPeriod = "hour" | "day";

export interface QualifiedValue {
  readonly metric: string;
  readonly ts: number;
  readonly value: number;
  readonly quality: QualityFlag;
}

export interface PeriodStatistics {
  readonly metric: string;
  /** Start of the hour, or Vietnam midnight, epoch ms. */
  readonly from: number;
  readonly max: number;
  readonly min: number;
  readonly mean: number;
  /** Measuring values counted; values with another status left out. */
  readonly count: number;
  readonly flagged: number;
}

export const vietnamDayOf = (ts: number): number =>
  Math.floor((ts + VIETNAM_UTC_OFFSET_MS) / DAY_MS) * DAY_MS - VIETNAM_UTC_OFFSET_MS;

export const periodStart = (ts: number, period: StatisticsPeriod): number =>
  period === "hour" ? Math.floor(ts / HOUR_MS) * HOUR_MS : vietnamDayOf(ts);

export function periodStatistics(
  values: readonly QualifiedValue[],
  period: StatisticsPeriod,
): PeriodStatistics[] {
  interface Acc {
    max: number;
    min: number;
    sum: number;
    count: number;
    flagged: number;
  }
  const groups = new Map<string, Acc & { metric: string; from: number }>();
  for (const v of values) {
    const from = periodStart(v.ts, period);
    const key = `${v.metric}\u0000${from}`;
    let acc = groups.get(key);
    if (!acc) {
      acc = {
        metric: v.metric,
        from,
        max: Number.NEGATIVE_INFINITY,
        min: Number.POSITIVE_INFINITY,
        sum: 0,
        count: 0,
        flagged: 0,
      };
      groups.set(key, acc);
    }
    if (v.quality !== "measuring") {
      acc.flagged += 1;
      continue;
    }
    acc.max = Math.max(acc.max, v.value);
    acc.min = Math.min(acc.min, v.value);
    acc.sum += v.value;
    acc.count += 1;
  }
  return [...groups.values()]
    .filter((g) => g.count > 0 || g.flagged > 0)
    .sort((a, b) => a.from - b.from || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0))
    .map((g) =>
      g.count === 0
        ? {
            metric: g.metric,
            from: g.from,
            max: Number.NaN,
            min: Number.NaN,
            mean: Number.NaN,
            count: 0,
            flagged: g.flagged,
          }
        : {
            metric: g.metric,
            from: g.from,
            max: g.max,
            min: g.min,
            mean: g.sum / g.count,
            count: g.count,
            flagged: g.flagged,
          },
    );
}

export interface DaySummary {
  readonly filesReceived: number;
  /** Files the interval asks for in the day (so far, for today). */
  readonly filesExpected: number;
  /** Received / expected in %, one decimal; null before the first expected file. */
  readonly completenessPercent: number | null;
  /** Measuring values beyond a permitted limit in force. */
  readonly exceedances: number;
}

export function daySummary(
  station: FileStation,
  day: number,
  now: number,
  filesReceived: number,
  values: readonly QualifiedValue[],
): DaySummary {
  const intervalMs = station.intervalMinutes * 60_000;
  const span = Math.min(DAY_MS, Math.max(0, now - day));
  const filesExpected = Math.floor(span / intervalMs);
  let exceedances = 0;
  for (const v of values) {
    if (v.quality !== "measuring") continue;
    const limit = limitsInForce(station, v.ts).find((l) => l.metric === v.metric);
    if (!limit) continue;
    if (
      (limit.max !== undefined && v.value > limit.max) ||
      (limit.min !== undefined && v.value < limit.min)
    ) {
      exceedances += 1;
    }
  }
  const received = Math.min(filesReceived, filesExpected);
  return {
    filesReceived,
    filesExpected,
    completenessPercent: filesExpected === 0 ? null : Math.round((received / filesExpected) * 1000) / 10,
    exceedances,
  };
}
