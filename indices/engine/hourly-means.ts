import { HOUR_MS } from "../../kernel/time.js";
import { hourStartOf } from "./index-time.js";

/**
 * Completeness rule of an hourly mean: at least 3 of the hour's 4 quarter-hours hold at least one
 * reading (75 % coverage of the hour). It does not depend on how often a device reports, so a
 * station sending every 10 s and one sending every 5 min are judged alike, and a device that
 * uploads a whole hour in its last minutes does not pass.
 */
export const MIN_QUARTERS_PER_HOUR = 3;

/** A quarter-hour bucket as the store aggregates it (step 15 min, aligned on the epoch). */
export interface QuarterBucket {
  readonly ts: number;
  readonly mean: number;
  readonly count: number;
}

/**
 * Hourly means from quarter-hour buckets: for each hour that meets the completeness rule, the mean
 * of all its readings (sum over count across the quarters, not a mean of quarter means, so a
 * quarter with more readings weighs more). Incomplete hours are absent from the result.
 */
export function hourlyMeansFromQuarters(buckets: readonly QuarterBucket[]): Map<number, number> {
  const hours = new Map<number, { quarters: number; sum: number; count: number }>();
  for (const bucket of buckets) {
    if (bucket.count <= 0) continue;
    const hour = hourStartOf(bucket.ts);
    const acc = hours.get(hour) ?? { quarters: 0, sum: 0, count: 0 };
    acc.quarters += 1;
    acc.sum += bucket.mean * bucket.count;
    acc.count += bucket.count;
    hours.set(hour, acc);
  }
  const means = new Map<number, number>();
  for (const [hour, acc] of hours) {
    if (acc.quarters >= MIN_QUARTERS_PER_HOUR) means.set(hour, acc.sum / acc.count);
  }
  return means;
}

/** Consecutive runs of hours (ascending input), so each run is read with one range query. */
export function hourRuns(hours: readonly number[]): { from: number; to: number; hours: number[] }[] {
  const runs: { from: number; to: number; hours: number[] }[] = [];
  for (const hour of hours) {
    const last = runs.at(-1);
    if (last && hour === last.to) {
      last.to = hour + HOUR_MS;
      last.hours.push(hour);
    } else {
      runs.push({ from: hour, to: hour + HOUR_MS, hours: [hour] });
    }
  }
  return runs;
}
