/**
 * Test support: readings whose hourly means are known exactly. Each hour gets 12 readings, one
 * every 5 minutes; within each quarter-hour the three readings are m − d, m, m + d, so every
 * quarter (and the hour) averages to m.
 */
import type { MetricKey } from "../../domain/catalogue.js";
import type { Reading } from "../../domain/reading.js";
import { MINUTE_MS, QUARTER_HOUR_MS } from "./index-time.js";

export type HourlyValues = Partial<Record<MetricKey, number>>;

export interface KnownHourOptions {
  /** Quarter-hours (0–3) that get readings; all four by default. */
  readonly quarters?: readonly number[];
}

export function readingsWithHourlyMeans(
  deviceId: string,
  hourStart: number,
  means: HourlyValues,
  options: KnownHourOptions = {},
): Reading[] {
  const quarters = options.quarters ?? [0, 1, 2, 3];
  const readings: Reading[] = [];
  for (const quarter of quarters) {
    for (let i = 0; i < 3; i++) {
      const ts = hourStart + quarter * QUARTER_HOUR_MS + i * 5 * MINUTE_MS;
      for (const [metric, mean] of Object.entries(means) as [MetricKey, number][]) {
        const spread = Math.min(1, mean / 2);
        readings.push({ deviceId, metric, ts, value: mean + (i - 1) * spread });
      }
    }
  }
  return readings;
}
