/** Protocol v1 limits: one place for each. */
import { MINUTE_MS } from "./time.js";

/** Entries in one backlog upload. */
export const MAX_ENTRIES_PER_MESSAGE = 1000;

/** A reading stamped further ahead than this is rejected: the device clock is wrong. */
export const MAX_FUTURE_SKEW_MS = 5 * MINUTE_MS;

/** Readings before this are certainly a device clock that was never set. */
export const EARLIEST_TIMESTAMP_MS = Date.UTC(2000, 0, 1);

/** Default size limit of one readings message (1000 entries of ~20 metrics fit comfortably). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** How much of a rejected payload the dead-letter table keeps. */
export const DEAD_LETTER_PAYLOAD_BYTES = 16 * 1024;

/** Per-message detail sent back to a device on sensors/<id>/errors. */
export const MAX_ERRORS_REPORTED_TO_DEVICE = 20;
