/**
 * Hours and days of the indices. Hours are stamped with their start (epoch ms, UTC). Days are the
 * local days of Asia/Ho_Chi_Minh, which is UTC+7 all year (no daylight saving since 1975), so a
 * local day is a fixed 24 h span and every local hour starts on a UTC hour.
 */
export const MINUTE_MS = 60_000;
export const QUARTER_HOUR_MS = 15 * MINUTE_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const VIETNAM_OFFSET_MS = 7 * HOUR_MS;

const floorTo = (ts: number, step: number) => ts - (((ts % step) + step) % step);

/** Start of the UTC (and local) hour that contains `ts`. */
export const hourStartOf = (ts: number): number => floorTo(ts, HOUR_MS);

/** Start of the Asia/Ho_Chi_Minh day that contains `ts` (local midnight, as epoch ms). */
export const localDayStartOf = (ts: number): number =>
  floorTo(ts + VIETNAM_OFFSET_MS, DAY_MS) - VIETNAM_OFFSET_MS;
