import { requireNonNegative } from "./input-guard.js";

/**
 * Decision 1459/QĐ-TCMT sets no completeness rule for the 24-hour PM mean of the daily AQI.
 * Ours: at least 18 of the day's 24 hourly means (75 %, the share commonly used for daily
 * means); below that the day has no mean and so no daily AQI.
 */
export const DAILY_MEAN_MIN_HOURS = 18;
const HOURS_PER_DAY = 24;

/**
 * Mean of a local day's hourly means (hours 01:00 … 24:00, null for a missing hour), or null when
 * fewer than `minHours` exist. A RangeError for more than 24 entries or an invalid value.
 */
export function dailyMeanOfHours(
  hourlyMeans: readonly (number | null | undefined)[],
  minHours: number = DAILY_MEAN_MIN_HOURS,
): number | null {
  if (hourlyMeans.length > HOURS_PER_DAY) {
    throw new RangeError(`a day has ${HOURS_PER_DAY} hourly means, got ${hourlyMeans.length}`);
  }
  const present: number[] = [];
  hourlyMeans.forEach((value, i) => {
    if (value !== null && value !== undefined) present.push(requireNonNegative(value, `hour[${i}]`));
  });
  if (present.length === 0 || present.length < minHours) return null;
  return present.reduce((sum, value) => sum + value, 0) / present.length;
}
