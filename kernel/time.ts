/** Durations in milliseconds, and the province's local time. One place for each. */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/**
 * Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving since 1975), so local time is a fixed
 * offset: no time-zone database needed, a local day is a fixed 24 h span and every local hour
 * starts on a UTC hour.
 */
export const VIETNAM_UTC_OFFSET_MS = 7 * HOUR_MS;
