/**
 * Test support: readings whose hourly means are known exactly. Each hour gets 12 readings, one
 * every 5 minutes; within each quarter-hour the three readings are m − d, m, m + d, so every
 * quarter (and the hour) averages to m.
 */
import type { MetricKey } from "../../kernel/catalogue.js";
import type { Reading } from "../../kernel/reading.js";
import { MINUTE_MS } from "../../kernel/time.js";
import { QUARTER_HOUR_MS } from "./index-time.js";

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

/**
 * PM2.5 hourly means of 13 hours: hours 1 … 12 are Decision 1459's worked example (09:00 … 20:00,
 * AQI 59 at the last hour); hour 0 only feeds hour 1's NowCast.
 */
export const WORKED_EXAMPLE_PM25 = [
  30, 26.9, 24.7, 20.5, 23.5, 19.5, 16.5, 19.0, 16.5, 20.3, 22.4, 19.6, 20.6,
];

/** Hour k's means of all six AQI pollutants; hour 12 carries the example's O3 and NO2. */
export const workedExampleHour = (k: number): HourlyValues => ({
  pm25: WORKED_EXAMPLE_PM25[k] as number,
  pm10: 40 + k,
  o3: k === 12 ? 136.1 : 90 + k,
  no2: k === 12 ? 118.7 : 60 + 2 * k,
  so2: 20 + k,
  co: 3000 + 100 * k,
});
