import type { SeriesKey } from "../../../kernel/series.js";
import { HOUR_MS } from "../../../kernel/time.js";
import { isValidDeviceId } from "../../../kernel/topics.js";
import type {
  AggregatePoint,
  LatestValue,
  ObservationCountQuery,
  ObservationQuery,
  RangeQuery,
  RangeResult,
  RawPoint,
  ValueBound,
} from "../time-series-store.js";
import type { InfluxHttp, InfluxQLResult } from "./influx-http.js";
import {
  anyOf,
  durationLiteral,
  InvalidQueryError,
  identifier,
  limitClause,
  MAX_BOUND_MAGNITUDE,
  numberLiteral,
  offsetClause,
  stringLiteral,
  timeRange,
} from "./influxql.js";
import {
  isStorableField,
  MAX_TIME_MS,
  MIN_TIME_MS,
  RAW_MEASUREMENT,
  ROLLUP_MEASUREMENT,
} from "./line-protocol.js";
import { type RollupCoverage, rollupField } from "./rollups.js";

/**
 * Reads in InfluxQL. Device ids must match the device id pattern and metrics must be catalogue
 * metrics or derived series; anything else cannot have been stored, so it reads as empty. Times,
 * steps and limits must be numbers. Every value is then quoted by influxql.ts.
 */
export interface InfluxReaderOptions {
  readonly bucket: string;
  readonly rollupBucket: string;
}

export interface InfluxReaderDeps {
  readonly http: InfluxHttp;
  readonly coverage: () => Promise<RollupCoverage>;
}

export interface InfluxReader {
  latest(filter?: { readonly deviceIds?: readonly string[] }): Promise<LatestValue[]>;
  range(query: RangeQuery): Promise<RangeResult>;
  observations(query: ObservationQuery): Promise<RawPoint[]>;
  countObservations(query: ObservationCountQuery): Promise<number>;
}

/** More ids than this are filtered after the query rather than in it. */
const MAX_IDS_IN_QUERY = 40;
/** Statements per /query request (they travel in the URL). */
const STATEMENTS_PER_REQUEST = 20;
/** Dirty hours inside one range above which the whole range is read from raw data. */
const MAX_DIRTY_SPLITS = 16;

const DEVICE = identifier("device");

function finiteNumber(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidQueryError(`${name} must be a finite number`);
  }
  return value;
}

/** [from, to) in whole ms (ceil keeps both bounds' meaning), clamped to what InfluxDB stores. */
function checked(query: RangeQuery) {
  const clamp = (ms: number) => Math.min(MAX_TIME_MS + 1, Math.max(MIN_TIME_MS, Math.ceil(ms)));
  const from = clamp(finiteNumber(query.from, "from"));
  const to = clamp(finiteNumber(query.to, "to"));
  const limit = query.limit;
  if (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 0) {
    throw new InvalidQueryError("limit must be a non-negative integer");
  }
  let step: number | undefined;
  if (query.step !== undefined) {
    const raw = finiteNumber(query.step, "step");
    if (raw <= 0) throw new InvalidQueryError("step must be positive");
    step = Math.max(1, Math.floor(raw));
  }
  return { from, to, limit, step };
}

function limited<T>(points: T[], limit: number): { points: T[]; truncated: boolean } {
  return points.length > limit
    ? { points: points.slice(0, limit), truncated: true }
    : { points, truncated: false };
}

/**
 * The WHERE clause of an observation query, or undefined when nothing can match (a bound beyond
 * any storable value, an empty time range, a device or metric that cannot have been stored).
 */
function observationWhere(query: ObservationCountQuery): string | undefined {
  const clamp = (ms: number) => Math.min(MAX_TIME_MS + 1, Math.max(MIN_TIME_MS, Math.ceil(ms)));
  const from = clamp(finiteNumber(query.from, "from"));
  const to = clamp(finiteNumber(query.to, "to"));
  if (!isValidDeviceId(query.deviceId) || !isStorableField(query.metric) || from >= to) return undefined;
  const field = identifier(query.metric);
  let where = `WHERE ${DEVICE} = ${stringLiteral(query.deviceId)} AND ${timeRange(from, to)}`;
  const bound = (b: ValueBound | undefined, side: "min" | "max"): string | null => {
    if (!b) return "";
    const value = finiteNumber(b.value, side);
    // A bound beyond any stored value either excludes everything or nothing.
    if (Math.abs(value) >= MAX_BOUND_MAGNITUDE) {
      const excludesAll = side === "min" ? value > 0 : value < 0;
      return excludesAll ? null : "";
    }
    const op = side === "min" ? (b.inclusive ? ">=" : ">") : b.inclusive ? "<=" : "<";
    return ` AND ${field} ${op} ${numberLiteral(value)}`;
  };
  const min = bound(query.min, "min");
  const max = bound(query.max, "max");
  if (min === null || max === null) return undefined;
  where += `${min}${max}`;
  return where;
}

const rowsOf = (result: InfluxQLResult | undefined) => result?.series?.[0]?.values ?? [];

const num = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined;

interface BucketSums {
  sum: number;
  count: number;
  min: number;
  max: number;
}

export function createInfluxReader(options: InfluxReaderOptions, deps: InfluxReaderDeps): InfluxReader {
  const { http } = deps;
  const raw = identifier(RAW_MEASUREMENT);

  const seriesWhere = (deviceId: string, from: number, to: number) =>
    `WHERE ${DEVICE} = ${stringLiteral(deviceId)} AND ${timeRange(from, to)}`;

  async function rawPoints(deviceId: string, field: string, from: number, to: number, limit: number) {
    const [result] = await http.query(options.bucket, [
      `SELECT ${identifier(field)} FROM ${raw} ${seriesWhere(deviceId, from, to)} ORDER BY time ASC ${limitClause(limit + 1)}`,
    ]);
    const points: RawPoint[] = [];
    for (const row of rowsOf(result)) {
      const ts = num(row[0]);
      const value = num(row[1]);
      if (ts === undefined || value === undefined) continue;
      // The same time twice means the device's tags changed between two writes: keep the last.
      if (points.length > 0 && (points[points.length - 1] as RawPoint).ts === ts) points.pop();
      points.push({ ts, value });
    }
    return points;
  }

  /** Buckets computed by InfluxDB (GROUP BY time aligns them to the epoch). */
  async function serverAggregate(
    deviceId: string,
    field: string,
    from: number,
    to: number,
    step: number,
    limit: number,
  ) {
    const f = identifier(field);
    const [result] = await http.query(options.bucket, [
      `SELECT mean(${f}), min(${f}), max(${f}), count(${f}) FROM ${raw} ${seriesWhere(deviceId, from, to)} ` +
        `GROUP BY time(${durationLiteral(step)}) fill(none) ${limitClause(limit + 1)}`,
    ]);
    const points: AggregatePoint[] = [];
    for (const row of rowsOf(result)) {
      const [ts, mean, min, max, count] = row.map(num);
      if (ts === undefined || mean === undefined || min === undefined || max === undefined || !count)
        continue;
      points.push({ ts, mean, min, max, count });
    }
    return points;
  }

  /**
   * Steps of whole hours: hours the rollups cover come from the rollup bucket, the rest (partial
   * hours at the edges, hours not rolled up yet, dirty hours) from raw data by the hour; the
   * hourly parts are then summed into the step's buckets.
   */
  async function hourlyAggregate(
    deviceId: string,
    field: string,
    from: number,
    to: number,
    step: number,
    limit: number,
  ) {
    const hoursPerBucket = step / HOUR_MS;
    const firstFull = Math.ceil(from / HOUR_MS) * HOUR_MS;
    const lastFullEnd = Math.floor(to / HOUR_MS) * HOUR_MS;
    const { watermark, dirty } = await deps.coverage();
    const rawIntervals: Array<[number, number]> = [];
    const rollupIntervals: Array<[number, number]> = [];
    const cleanEnd = watermark === null ? firstFull : Math.min(lastFullEnd, watermark);
    const dirtyInside = [...dirty].filter((h) => h >= firstFull && h < cleanEnd).sort((a, b) => a - b);
    if (cleanEnd > firstFull && dirtyInside.length <= MAX_DIRTY_SPLITS) {
      if (from < firstFull) rawIntervals.push([from, firstFull]);
      let start = firstFull;
      for (const hour of dirtyInside) {
        if (hour > start) rollupIntervals.push([start, hour]);
        rawIntervals.push([hour, hour + HOUR_MS]);
        start = hour + HOUR_MS;
      }
      if (cleanEnd > start) rollupIntervals.push([start, cleanEnd]);
      if (to > cleanEnd) rawIntervals.push([cleanEnd, to]);
    } else {
      rawIntervals.push([from, to]);
    }
    // Enough hourly rows for limit + 1 complete buckets from each source.
    const rowCap = Math.min((limit + 2) * hoursPerBucket, Math.ceil((to - from) / HOUR_MS) + 1);
    const f = identifier(field);
    const hourly = durationLiteral(HOUR_MS);
    const rawStatements = rawIntervals.map(
      ([a, b]) =>
        `SELECT sum(${f}), count(${f}), min(${f}), max(${f}) FROM ${raw} ${seriesWhere(deviceId, a, b)} ` +
        `GROUP BY time(${hourly}) fill(none) ${limitClause(rowCap)}`,
    );
    const rollupColumns = (["mean", "min", "max", "count"] as const)
      .map((a) => identifier(rollupField(field, a)))
      .join(", ");
    const rollupStatements = rollupIntervals.map(
      ([a, b]) =>
        `SELECT ${rollupColumns} FROM ${identifier(ROLLUP_MEASUREMENT)} ${seriesWhere(deviceId, a, b)} ` +
        `ORDER BY time ASC ${limitClause(rowCap)}`,
    );
    const [rawResults, rollupResults] = await Promise.all([
      rawStatements.length > 0 ? http.query(options.bucket, rawStatements) : [],
      rollupStatements.length > 0 ? http.query(options.rollupBucket, rollupStatements) : [],
    ]);

    const buckets = new Map<number, BucketSums>();
    const add = (ts: number, part: BucketSums) => {
      const key = Math.floor(ts / step) * step;
      const bucket = buckets.get(key);
      if (!bucket) {
        buckets.set(key, { ...part });
        return;
      }
      bucket.sum += part.sum;
      bucket.count += part.count;
      bucket.min = Math.min(bucket.min, part.min);
      bucket.max = Math.max(bucket.max, part.max);
    };
    for (const result of rawResults) {
      for (const row of rowsOf(result)) {
        const [ts, sum, count, min, max] = row.map(num);
        if (ts === undefined || sum === undefined || !count || min === undefined || max === undefined)
          continue;
        add(ts, { sum, count, min, max });
      }
    }
    for (const result of rollupResults) {
      for (const row of rowsOf(result)) {
        const [ts, mean, min, max, count] = row.map(num);
        if (ts === undefined || mean === undefined || !count || min === undefined || max === undefined)
          continue;
        add(ts, { sum: mean * count, count, min, max });
      }
    }
    return [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .slice(0, limit + 1)
      .map(
        ([ts, b]): AggregatePoint => ({ ts, mean: b.sum / b.count, min: b.min, max: b.max, count: b.count }),
      );
  }

  return {
    async observations(query) {
      const where = observationWhere(query);
      const limit = query.limit;
      if (where === undefined || !Number.isSafeInteger(limit) || limit < 1) return [];
      const order = query.order === "desc" ? "DESC" : "ASC";
      const [result] = await http.query(options.bucket, [
        `SELECT ${identifier(query.metric)} FROM ${raw} ${where} ORDER BY time ${order} ` +
          `${limitClause(limit)}${offsetClause(query.offset)}`,
      ]);
      const points: RawPoint[] = [];
      for (const row of rowsOf(result)) {
        const ts = num(row[0]);
        const value = num(row[1]);
        if (ts !== undefined && value !== undefined) points.push({ ts, value });
      }
      return points;
    },

    async countObservations(query) {
      const where = observationWhere(query);
      if (where === undefined) return 0;
      const [result] = await http.query(options.bucket, [
        `SELECT count(${identifier(query.metric)}) FROM ${raw} ${where}`,
      ]);
      return num(rowsOf(result)[0]?.[1]) ?? 0;
    },

    async range(query) {
      const { from, to, limit, step } = checked(query);
      const storable = isValidDeviceId(query.deviceId) && isStorableField(query.metric) && from < to;
      if (step === undefined) {
        if (!storable) return { kind: "raw", points: [], truncated: false };
        const points = await rawPoints(query.deviceId, query.metric, from, to, limit);
        return { kind: "raw", ...limited(points, limit) };
      }
      if (!storable) return { kind: "aggregate", points: [], truncated: false };
      const points =
        step % HOUR_MS === 0
          ? await hourlyAggregate(query.deviceId, query.metric, from, to, step, limit)
          : await serverAggregate(query.deviceId, query.metric, from, to, step, limit);
      return { kind: "aggregate", ...limited(points, limit) };
    },

    async latest(filter) {
      let ids: string[] | undefined;
      if (filter?.deviceIds) {
        ids = [...new Set(filter.deviceIds)].filter(isValidDeviceId);
        if (ids.length === 0) return [];
      }
      const [keys] = await http.query(options.bucket, [`SHOW FIELD KEYS FROM ${raw}`]);
      const fields = rowsOf(keys)
        .map((row) => row[0])
        .filter((f): f is string => typeof f === "string" && isStorableField(f));
      if (fields.length === 0) return [];
      const idClause = ids && ids.length <= MAX_IDS_IN_QUERY ? ` AND ${anyOf("device", ids)}` : "";
      const wanted = ids ? new Set(ids) : undefined;
      const latest: LatestValue[] = [];
      for (let start = 0; start < fields.length; start += STATEMENTS_PER_REQUEST) {
        const chunk = fields.slice(start, start + STATEMENTS_PER_REQUEST);
        const results = await http.query(
          options.bucket,
          chunk.map(
            (field) =>
              `SELECT last(${identifier(field)}) FROM ${raw} ` +
              `WHERE ${timeRange(MIN_TIME_MS, MAX_TIME_MS + 1)}${idClause} GROUP BY ${DEVICE}`,
          ),
        );
        chunk.forEach((field, i) => {
          const newest = new Map<string, { ts: number; value: number }>();
          for (const series of results[i]?.series ?? []) {
            const deviceId = series.tags?.device;
            const row = series.values[0];
            if (!deviceId || !row || (wanted && !wanted.has(deviceId))) continue;
            const ts = num(row[0]);
            const value = num(row[1]);
            if (ts === undefined || value === undefined) continue;
            // Two series of one device (its tags changed): the newer point wins.
            const seen = newest.get(deviceId);
            if (!seen || ts >= seen.ts) newest.set(deviceId, { ts, value });
          }
          for (const [deviceId, { ts, value }] of newest) {
            latest.push({ deviceId, metric: field as SeriesKey, ts, value });
          }
        });
      }
      return latest.sort((a, b) =>
        a.deviceId < b.deviceId
          ? -1
          : a.deviceId > b.deviceId
            ? 1
            : a.metric < b.metric
              ? -1
              : a.metric > b.metric
                ? 1
                : 0,
      );
    },
  };
}
