import type Database from "better-sqlite3";
import type { Kysely } from "kysely";
import { openSqliteDatabase } from "../platform/sqlite/sqlite-database.js";
import { type MetadataDatabase, openServiceMetadata } from "./metadata.js";

export interface Storage {
  readonly sqlite: Database.Database;
  readonly metadata: Kysely<MetadataDatabase>;
  /** Checkpoints the write-ahead log and closes the database. */
  close(): Promise<void>;
}

/** The embedded database in DATA_DIR, migrated to every feature's latest schema. */
export async function openStorage(dataDir: string): Promise<Storage> {
  const sqlite = openSqliteDatabase(dataDir);
  let metadata: Kysely<MetadataDatabase>;
  try {
    metadata = await openServiceMetadata(sqlite);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  return {
    sqlite,
    metadata,
    async close() {
      sqlite.pragma("wal_checkpoint(TRUNCATE)");
      await metadata.destroy();
    },
  };
}
