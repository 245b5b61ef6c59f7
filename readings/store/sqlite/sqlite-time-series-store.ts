import type Database from "better-sqlite3";
import type { SeriesKey } from "../../../kernel/series.js";
import type {
  AggregatePoint,
  ObservationCountQuery,
  ObservationQuery,
  RangeQuery,
  RangeResult,
  RawPoint,
  TimeSeriesStore,
} from "../time-series-store.js";
import { ensureSeriesSchema, seriesKey } from "./sqlite-series-schema.js";
import type { SeriesWriter } from "./sqlite-series-writer.js";

/**
 * The embedded time-series store: reads on `db` (the caller's thread), writes through `writer`
 * (inline in tests and tools, a worker thread in the service; see readings/store/sqlite/worker-series-writer.ts).
 */
export function createSqliteTimeSeriesStore(db: Database.Database, writer: SeriesWriter): TimeSeriesStore {
  ensureSeriesSchema(db);

  const selectSeries = db.prepare<[string, string], { id: number }>(
    "SELECT id FROM ts_series WHERE device_id = ? AND metric = ?",
  );
  const selectAllLatest = db.prepare<[], LatestRow>(
    `SELECT s.device_id AS deviceId, s.metric AS metric, l.ts AS ts, l.value AS value
     FROM ts_latest l JOIN ts_series s ON s.id = l.series_id ORDER BY s.device_id, s.metric`,
  );
  const selectRaw = db.prepare<[number, number, number, number], RawPoint>(
    "SELECT ts, value FROM ts_readings WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?",
  );
  // ts - ts % step rather than (ts / step) * step: SQLite gets a bound JS number as REAL, so / would not truncate.
  const selectAggregate = db.prepare<[number, number, number, number, number], AggregatePoint>(
    `SELECT ts - ts % ? AS ts, avg(value) AS mean, min(value) AS min, max(value) AS max, count(*) AS count
     FROM ts_readings WHERE series_id = ? AND ts >= ? AND ts < ?
     GROUP BY 1 ORDER BY 1 LIMIT ?`,
  );

  // Observation queries: the SQL is chosen among fixed fragments (bound or not, which order), so
  // every value travels as a parameter; statements are prepared once per shape.
  const observationStatements = new Map<string, Database.Statement<unknown[], RawPoint>>();
  const countStatements = new Map<string, Database.Statement<unknown[], { n: number }>>();
  const observationWhere = (query: ObservationCountQuery) => {
    let where = "series_id = ? AND ts >= ? AND ts < ?";
    const params: number[] = [query.from, query.to];
    if (query.min) {
      where += query.min.inclusive ? " AND value >= ?" : " AND value > ?";
      params.push(query.min.value);
    }
    if (query.max) {
      where += query.max.inclusive ? " AND value <= ?" : " AND value < ?";
      params.push(query.max.value);
    }
    return { where, params };
  };
  const prepared = <R>(cache: Map<string, Database.Statement<unknown[], R>>, sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare<unknown[], R>(sql);
      cache.set(sql, statement);
    }
    return statement;
  };

  // Only committed ids are ever seen here, and they never change.
  const seriesIds = new Map<string, number>();
  function seriesId(deviceId: string, metric: string): number | undefined {
    const key = seriesKey(deviceId, metric);
    let id = seriesIds.get(key);
    if (id === undefined) {
      id = selectSeries.get(deviceId, metric)?.id;
      if (id !== undefined) seriesIds.set(key, id);
    }
    return id;
  }

  let closed = false;

  return {
    kind: "sqlite",

    write: (readings) => writer.write(readings),

    async latest(filter) {
      const rows = selectAllLatest.all();
      const wanted = filter?.deviceIds ? new Set(filter.deviceIds) : null;
      return wanted ? rows.filter((row) => wanted.has(row.deviceId)) : rows;
    },

    async range(query: RangeQuery): Promise<RangeResult> {
      const id = seriesId(query.deviceId, query.metric);
      const fetch = query.limit + 1;
      if (query.step === undefined) {
        const points = id === undefined ? [] : selectRaw.all(id, query.from, query.to, fetch);
        return { kind: "raw", ...limited(points, query.limit) };
      }
      const step = Math.max(1, Math.floor(query.step));
      const points = id === undefined ? [] : selectAggregate.all(step, id, query.from, query.to, fetch);
      return { kind: "aggregate", ...limited(points, query.limit) };
    },

    async observations(query: ObservationQuery) {
      const id = seriesId(query.deviceId, query.metric);
      if (id === undefined || query.limit < 1) return [];
      const { where, params } = observationWhere(query);
      const order = query.order === "desc" ? "DESC" : "ASC";
      const sql = `SELECT ts, value FROM ts_readings WHERE ${where} ORDER BY ts ${order} LIMIT ? OFFSET ?`;
      return prepared(observationStatements, sql).all(id, ...params, query.limit, Math.max(0, query.offset));
    },

    async countObservations(query: ObservationCountQuery) {
      const id = seriesId(query.deviceId, query.metric);
      if (id === undefined) return 0;
      const { where, params } = observationWhere(query);
      const sql = `SELECT count(*) AS n FROM ts_readings WHERE ${where}`;
      return prepared(countStatements, sql).get(id, ...params)?.n ?? 0;
    },

    async ping() {
      if (closed) throw new Error("store is closed");
      db.prepare("SELECT 1").get();
    },

    async close() {
      closed = true;
      await writer.close();
    },
  };
}

interface LatestRow {
  deviceId: string;
  metric: SeriesKey;
  ts: number;
  value: number;
}

function limited<T>(points: T[], limit: number): { points: T[]; truncated: boolean } {
  return points.length > limit
    ? { points: points.slice(0, limit), truncated: true }
    : { points, truncated: false };
}
