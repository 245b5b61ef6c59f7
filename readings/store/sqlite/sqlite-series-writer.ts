import type Database from "better-sqlite3";
import type { SeriesPoint } from "../../../kernel/series.js";
import { ensureSeriesSchema, seriesKey } from "./sqlite-series-schema.js";

/** Writes batches of readings; resolves once they are committed. */
export interface SeriesWriter {
  write(readings: readonly SeriesPoint[]): Promise<void>;
  close(): Promise<void>;
}

/** The synchronous core: one transaction per batch. Runs in whichever thread owns `db`. */
export function createSeriesBatchWriter(db: Database.Database): (readings: readonly SeriesPoint[]) => void {
  ensureSeriesSchema(db);
  const selectSeries = db.prepare<[string, string], { id: number }>(
    "SELECT id FROM ts_series WHERE device_id = ? AND metric = ?",
  );
  const insertSeries = db.prepare<[string, string]>(
    "INSERT INTO ts_series (device_id, metric) VALUES (?, ?)",
  );
  const upsertSeriesPoint = db.prepare<[number, number, number]>(
    `INSERT INTO ts_readings (series_id, ts, value) VALUES (?, ?, ?)
     ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value`,
  );
  const upsertLatest = db.prepare<[number, number, number]>(
    `INSERT INTO ts_latest (series_id, ts, value) VALUES (?, ?, ?)
     ON CONFLICT (series_id) DO UPDATE SET ts = excluded.ts, value = excluded.value
     WHERE excluded.ts >= ts_latest.ts`,
  );

  // Series ids never change once committed; ids created by a transaction join the cache only
  // after it commits, because a rollback frees them.
  const seriesIds = new Map<string, number>();

  const transaction = db.transaction((readings: readonly SeriesPoint[], created: Map<string, number>) => {
    const newest = new Map<number, SeriesPoint>();
    for (const r of readings) {
      const key = seriesKey(r.deviceId, r.metric);
      let id = seriesIds.get(key) ?? created.get(key);
      if (id === undefined) {
        id = selectSeries.get(r.deviceId, r.metric)?.id;
        if (id !== undefined) seriesIds.set(key, id);
      }
      if (id === undefined) {
        id = Number(insertSeries.run(r.deviceId, r.metric).lastInsertRowid);
        created.set(key, id);
      }
      upsertSeriesPoint.run(id, r.ts, r.value);
      const seen = newest.get(id);
      if (!seen || r.ts >= seen.ts) newest.set(id, r);
    }
    for (const [id, r] of newest) upsertLatest.run(id, r.ts, r.value);
  });

  return (readings) => {
    if (readings.length === 0) return;
    const created = new Map<string, number>();
    transaction(readings, created);
    for (const [key, id] of created) seriesIds.set(key, id);
  };
}

/** Writes on the calling thread: simplest, but each commit's fsync blocks the event loop. */
export function createInlineSeriesWriter(db: Database.Database): SeriesWriter {
  const writeBatch = createSeriesBatchWriter(db);
  return {
    async write(readings) {
      writeBatch(readings);
    },
    async close() {},
  };
}
