/**
 * Why input was refused, shared by every path that refuses something (MQTT ingest, files,
 * the stores) and by the dead-letter table. Pure.
 */
/** Why input was refused. These are the label values of the rejection counter, so keep them stable. */
export const REJECTION_REASONS = [
  "invalid_device_id",
  "payload_too_large",
  "invalid_json",
  "invalid_shape",
  "too_many_entries",
  "invalid_timestamp",
  "future_timestamp",
  "unknown_metric",
  "invalid_value",
  "non_finite_value",
  "out_of_range",
  /** The device is registered, but not for this metric. */
  "metric_not_allowed",
  /** The time-series store (InfluxDB) refused the line: the server's reason is in the message. */
  "storage_rejected",
  /**
   * A reading delivered with the retain flag: the broker's retained copy, sent again with every new
   * subscription (the ingest's, on each reconnect). Devices must not retain readings.
   */
  "retained_reading",
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface Rejection {
  readonly reason: RejectionReason;
  /** Human-readable, names the offending field. */
  readonly message: string;
  /** Position in a backlog array; absent when the whole message was refused. */
  readonly entryIndex?: number;
  readonly metric?: string;
  /** What to keep in the dead-letter table: the offending entry, or the raw payload (first 16 Ki characters). */
  readonly payload: string;
  readonly truncated: boolean;
}
