import type { MetricKey } from "./catalogue.js";

/**
 * Series the service derives from readings (hourly means, indices). The "idx:" prefix keeps them
 * apart from device metrics: catalogue keys never contain a colon, and devices cannot send them.
 */
export type DerivedSeriesKey = `idx:${string}`;
export type SeriesKey = MetricKey | DerivedSeriesKey;

export const isDerivedSeriesKey = (key: string): key is DerivedSeriesKey => key.startsWith("idx:");

/** One stored point: a device reading or a derived value of a station. */
export interface SeriesPoint {
  readonly deviceId: string;
  readonly metric: SeriesKey;
  readonly ts: number;
  readonly value: number;
}
