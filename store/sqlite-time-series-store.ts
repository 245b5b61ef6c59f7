import type Database from "better-sqlite3";
import type { MetricKey } from "../domain/catalogue.js";
import type { Reading } from "../domain/reading.js";
import type {
  AggregatePoint,
  RangeQuery,
  RangeResult,
  RawPoint,
  TimeSeriesStore,
} from "./time-series-store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ts_series (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  metric TEXT NOT NULL,
  UNIQUE (device_id, metric)
);
CREATE TABLE IF NOT EXISTS ts_readings (
  series_id INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (series_id, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ts_latest (
  series_id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  value REAL NOT NULL
);
`;

/**
 * Time series in the embedded SQLite database: one row per (series, ts) with series ids
 * interned, so a reading costs an integer key rather than two strings, and a table of the
 * newest value per series kept in the same transaction.
 */
export function createSqliteTimeSeriesStore(db: Database.Database): TimeSeriesStore {
  db.exec(SCHEMA);

  const selectSeries = db.prepare<[string, string], { id: number }>(
    "SELECT id FROM ts_series WHERE device_id = ? AND metric = ?",
  );
  const insertSeries = db.prepare<[string, string]>(
    "INSERT INTO ts_series (device_id, metric) VALUES (?, ?)",
  );
  const upsertReading = db.prepare<[number, number, number]>(
    `INSERT INTO ts_readings (series_id, ts, value) VALUES (?, ?, ?)
     ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value`,
  );
  const upsertLatest = db.prepare<[number, number, number]>(
    `INSERT INTO ts_latest (series_id, ts, value) VALUES (?, ?, ?)
     ON CONFLICT (series_id) DO UPDATE SET ts = excluded.ts, value = excluded.value
     WHERE excluded.ts >= ts_latest.ts`,
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

  // Series ids never change once assigned, so caching them is safe for the store's lifetime.
  const seriesIds = new Map<string, number>();
  const seriesKey = (deviceId: string, metric: string) => `${deviceId}\u0000${metric}`;

  function existingSeriesId(deviceId: string, metric: string): number | undefined {
    const key = seriesKey(deviceId, metric);
    let id = seriesIds.get(key);
    if (id === undefined) {
      id = selectSeries.get(deviceId, metric)?.id;
      if (id !== undefined) seriesIds.set(key, id);
    }
    return id;
  }

  // Ids created inside a transaction join the cache only once it commits: a rollback frees them.
  const writeTransaction = db.transaction((readings: readonly Reading[], created: Map<string, number>) => {
    const newest = new Map<number, Reading>();
    for (const r of readings) {
      const key = seriesKey(r.deviceId, r.metric);
      let id = created.get(key) ?? existingSeriesId(r.deviceId, r.metric);
      if (id === undefined) {
        id = Number(insertSeries.run(r.deviceId, r.metric).lastInsertRowid);
        created.set(key, id);
      }
      upsertReading.run(id, r.ts, r.value);
      const seen = newest.get(id);
      if (!seen || r.ts >= seen.ts) newest.set(id, r);
    }
    for (const [id, r] of newest) upsertLatest.run(id, r.ts, r.value);
  });

  let closed = false;

  return {
    kind: "sqlite",

    async write(readings) {
      if (readings.length === 0) return;
      const created = new Map<string, number>();
      writeTransaction(readings, created);
      for (const [key, id] of created) seriesIds.set(key, id);
    },

    async latest(filter) {
      const rows = selectAllLatest.all();
      const wanted = filter?.deviceIds ? new Set(filter.deviceIds) : null;
      return wanted ? rows.filter((row) => wanted.has(row.deviceId)) : rows;
    },

    async range(query: RangeQuery): Promise<RangeResult> {
      const id = existingSeriesId(query.deviceId, query.metric);
      const fetch = query.limit + 1;
      if (query.step === undefined) {
        const points = id === undefined ? [] : selectRaw.all(id, query.from, query.to, fetch);
        return { kind: "raw", ...limited(points, query.limit) };
      }
      const step = Math.max(1, Math.floor(query.step));
      const points = id === undefined ? [] : selectAggregate.all(step, id, query.from, query.to, fetch);
      return { kind: "aggregate", ...limited(points, query.limit) };
    },

    async ping() {
      if (closed) throw new Error("store is closed");
      db.prepare("SELECT 1").get();
    },

    async close() {
      closed = true;
    },
  };
}

interface LatestRow {
  deviceId: string;
  metric: MetricKey;
  ts: number;
  value: number;
}

function limited<T>(points: T[], limit: number): { points: T[]; truncated: boolean } {
  return points.length > limit
    ? { points: points.slice(0, limit), truncated: true }
    : { points, truncated: false };
}
