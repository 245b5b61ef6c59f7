import type Database from "better-sqlite3";

/**
 * Time series in the embedded database: one row per (series, ts) with series ids interned, so a
 * value costs an integer key rather than two strings, and the newest value per series kept in
 * the same transaction.
 */
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

export function ensureSeriesSchema(db: Database.Database): void {
  db.exec(SCHEMA);
}

export const seriesKey = (deviceId: string, metric: string) => `${deviceId}\u0000${metric}`;
