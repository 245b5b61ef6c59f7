import type Database from "better-sqlite3";
import type { Kysely } from "kysely";
import { openSqliteDatabase } from "../platform/sqlite/sqlite-database.js";
import { type MetadataDatabase, type MetadataLocation, openConfiguredMetadata } from "./metadata.js";

export interface Storage {
  /** The embedded database in DATA_DIR (the SQLite time series, and the metadata unless DATABASE_URL is set). */
  readonly sqlite: Database.Database;
  readonly metadata: Kysely<MetadataDatabase>;
  /** Checkpoints the write-ahead log and closes the databases. */
  close(): Promise<void>;
}

/**
 * The embedded database in DATA_DIR and the metadata database, migrated to every feature's latest
 * schema: in the embedded database, or in PostgreSQL when DATABASE_URL is set.
 */
export async function openStorage(dataDir: string, location: MetadataLocation): Promise<Storage> {
  const sqlite = openSqliteDatabase(dataDir);
  let metadata: Kysely<MetadataDatabase>;
  try {
    metadata = await openConfiguredMetadata(location, () => sqlite);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const metadataInSqlite = location.DATABASE_URL === undefined;
  return {
    sqlite,
    metadata,
    async close() {
      sqlite.pragma("wal_checkpoint(TRUNCATE)");
      // Destroying Kysely closes the SQLite connection when the metadata lives there.
      await metadata.destroy();
      if (!metadataInSqlite) sqlite.close();
    },
  };
}
