import { HOUR_MS } from "../../kernel/time.js";
import { MIN_QUARTERS_PER_HOUR } from "./hourly-means.js";
import { hourStartOf, QUARTER_HOUR_MS } from "./index-time.js";

/** Hours of PM data the NowCast needs among the newest three before it gives a value. */
const NOWCAST_HOURS_NEEDED = 2;

export interface FirstAqiTiming {
  /** When the engine computes its pass after an hour closes: INDEX_GRACE_MS. */
  readonly graceMs: number;
  /** How often the engine looks: INDEX_TICK_MS (the estimate adds one whole tick, the latest it can be). */
  readonly tickMs: number;
}

/**
 * When a station that started reporting at `firstReadingAt` (epoch ms) and keeps reporting gets
 * its first hourly AQI: its first complete hour is the one whose last three quarter-hours it
 * covers, the NowCast needs two complete hours, and the engine computes an hour `graceMs` after it
 * closes, at its next tick. A fresh demo station starting at 16:20 gets its first AQI (for 17:00–18:00)
 * shortly after 18:00.
 */
export function firstAqiExpectedAt(firstReadingAt: number, timing: FirstAqiTiming): number {
  const hour = hourStartOf(firstReadingAt);
  const quartersLeft = Math.floor((hour + HOUR_MS - firstReadingAt - 1) / QUARTER_HOUR_MS) + 1;
  const firstCompleteHour = quartersLeft >= MIN_QUARTERS_PER_HOUR ? hour : hour + HOUR_MS;
  const aqiHourEnd = firstCompleteHour + NOWCAST_HOURS_NEEDED * HOUR_MS;
  return aqiHourEnd + timing.graceMs + timing.tickMs;
}
