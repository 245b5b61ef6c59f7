import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

export const DATABASE_FILE = "monitoring.sqlite";

/**
 * Opens the embedded database in DATA_DIR. WAL lets the API read while ingest writes;
 * synchronous=FULL makes a committed batch survive power loss, which is what the ingest's
 * acknowledgement promises.
 */
export function openSqliteDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, DATABASE_FILE));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  return db;
}
