import type { SeriesKey, SeriesPoint } from "../../kernel/series.js";

export interface LatestValue {
  readonly deviceId: string;
  readonly metric: SeriesKey;
  readonly ts: number;
  readonly value: number;
}

export interface RangeQuery {
  readonly deviceId: string;
  readonly metric: SeriesKey;
  /** Inclusive, epoch ms. */
  readonly from: number;
  /** Exclusive, epoch ms. */
  readonly to: number;
  /** Bucket width in ms; absent for raw points. Buckets start at multiples of the step since the epoch. */
  readonly step?: number;
  /** Most points returned; the result says when more exist. */
  readonly limit: number;
}

export interface RawPoint {
  readonly ts: number;
  readonly value: number;
}

export interface AggregatePoint {
  /** Start of the bucket. */
  readonly ts: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

export type RangeResult =
  | { readonly kind: "raw"; readonly points: RawPoint[]; readonly truncated: boolean }
  | { readonly kind: "aggregate"; readonly points: AggregatePoint[]; readonly truncated: boolean };

/** A bound on the values of an observation query. */
export interface ValueBound {
  readonly value: number;
  readonly inclusive: boolean;
}

/**
 * Raw points of one series for open data (SensorThings Observations, CSV): a time range, optional
 * bounds on the value, either order, and an offset for paging. Stores answer it from their
 * time index (SQLite's primary key, InfluxDB's time), never by scanning other series.
 */
export interface ObservationQuery {
  readonly deviceId: string;
  readonly metric: SeriesKey;
  /** Inclusive, epoch ms. */
  readonly from: number;
  /** Exclusive, epoch ms. */
  readonly to: number;
  readonly min?: ValueBound;
  readonly max?: ValueBound;
  readonly order: "asc" | "desc";
  readonly offset: number;
  /** At least 1. */
  readonly limit: number;
}

export type ObservationCountQuery = Omit<ObservationQuery, "order" | "offset" | "limit">;

/**
 * Where readings live. Implementations: SQLite (embedded default), InfluxDB (production).
 * Every implementation must pass readings/store/time-series-store.contract.ts.
 */
export interface TimeSeriesStore {
  readonly kind: string;
  /**
   * Stores a batch; resolves only once it is durable. Writing the same (device, metric, ts)
   * again replaces the value, so a redelivered message never duplicates a point.
   */
  write(points: readonly SeriesPoint[]): Promise<void>;
  /** The newest value of each series (device metrics and derived), per device; all devices when no ids are given. */
  latest(filter?: { readonly deviceIds?: readonly string[] }): Promise<LatestValue[]>;
  /** Points in ascending time. */
  range(query: RangeQuery): Promise<RangeResult>;
  /** Raw points of one series in the query's order, skipping `offset` of them. */
  observations(query: ObservationQuery): Promise<RawPoint[]>;
  /** How many raw points of one series an observation query would match without paging. */
  countObservations(query: ObservationCountQuery): Promise<number>;
  /** Throws when the store cannot serve requests. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
