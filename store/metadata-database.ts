import type Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { migrateToLatest } from "./metadata-migrations.js";
import type { MetadataDatabase } from "./metadata-schema.js";

/** Kysely over the embedded database, migrated to the latest schema. */
export async function openMetadataDatabase(sqlite: Database.Database): Promise<Kysely<MetadataDatabase>> {
  const db = new Kysely<MetadataDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateToLatest(db as Kysely<unknown>);
  return db;
}
