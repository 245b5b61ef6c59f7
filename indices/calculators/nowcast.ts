import { requireNonNegative } from "./input-guard.js";

/** The NowCast looks back this many hours (c1 … c12). */
export const NOWCAST_HOURS = 12;
/** Floor of the weight factor w. */
const MIN_WEIGHT = 0.5;

/**
 * The NowCast of PM2.5 or PM10 (Decision 1459/QĐ-TCMT; the same scheme as US EPA's) from hourly
 * means, c1 = the current hour first, null or undefined for a missing hour; entries past the 12th
 * are ignored.
 *
 * w* = Cmin / Cmax over the available hours, w = max(w*, 0.5), NowCast = Σ w^(i−1)·c_i / Σ w^(i−1)
 * over the available hours (a missing hour weighs 0). Null unless at least 2 of c1, c2, c3 exist.
 * Unrounded. A RangeError names a negative or non-finite hour.
 */
export function nowCast(hours: readonly (number | null | undefined)[], field = "hours"): number | null {
  const available: { readonly age: number; readonly value: number }[] = [];
  hours.slice(0, NOWCAST_HOURS).forEach((value, age) => {
    if (value !== null && value !== undefined) {
      available.push({ age, value: requireNonNegative(value, `${field}[${age}]`) });
    }
  });
  if (available.filter(({ age }) => age < 3).length < 2) return null;

  const values = available.map(({ value }) => value);
  const min = Math.min(...values);
  const max = Math.max(...values);
  // Also covers an all-zero series, where Cmin / Cmax would be 0 / 0.
  if (min === max) return min;

  const weight = Math.max(min / max, MIN_WEIGHT);
  let weighted = 0;
  let weights = 0;
  for (const { age, value } of available) {
    const w = weight ** age;
    weighted += w * value;
    weights += w;
  }
  // A weighted mean lies between the extremes; clamp away the last-bit rounding of the sums.
  return Math.min(max, Math.max(min, weighted / weights));
}
