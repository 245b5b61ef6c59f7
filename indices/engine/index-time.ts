/**
 * Hours and days of the indices. Hours are stamped with their start (epoch ms, UTC). Days are the
 * local days of Asia/Ho_Chi_Minh, a fixed offset from UTC (kernel/time.ts), so a local day is a
 * fixed 24 h span and every local hour starts on a UTC hour.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS, VIETNAM_UTC_OFFSET_MS } from "../../kernel/time.js";

/** Hourly means are built from quarter-hour buckets. */
export const QUARTER_HOUR_MS = 15 * MINUTE_MS;

const floorTo = (ts: number, step: number) => ts - (((ts % step) + step) % step);

/** Start of the UTC (and local) hour that contains `ts`. */
export const hourStartOf = (ts: number): number => floorTo(ts, HOUR_MS);

/** Start of the Asia/Ho_Chi_Minh day that contains `ts` (local midnight, as epoch ms). */
export const localDayStartOf = (ts: number): number =>
  floorTo(ts + VIETNAM_UTC_OFFSET_MS, DAY_MS) - VIETNAM_UTC_OFFSET_MS;
