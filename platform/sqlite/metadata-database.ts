import type Database from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  Kysely,
  SqliteAdapter,
  SqliteDriver,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import { type Migrations, migrateToLatest } from "./metadata-migrations.js";

/**
 * Transactions take the write lock when they begin. The time-series writer commits to the same
 * file from its own thread; a transaction that began as a reader and then writes would get
 * SQLITE_BUSY at once (WAL cannot upgrade a stale snapshot, and the busy timeout does not apply),
 * which lost alert transitions under load. BEGIN IMMEDIATE waits its turn instead.
 */
class ImmediateTransactionDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

function metadataDialect(database: Database.Database): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new ImmediateTransactionDriver({ database }),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}

/** Kysely over the embedded database, migrated to the latest schema of the features that pass their migrations. */
export async function openMetadataDatabase<DB>(
  sqlite: Database.Database,
  migrations: Migrations,
): Promise<Kysely<DB>> {
  const db = new Kysely<DB>({ dialect: metadataDialect(sqlite) });
  await migrateToLatest(db as Kysely<unknown>, migrations);
  return db;
}
