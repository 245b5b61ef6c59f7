import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { afterAll, describe } from "vitest";
import { createDeviceRegistry, type DeviceRegistry } from "../../devices/store/device-registry.js";
import type { Clock } from "../../kernel/clock.js";
import { openPostgresMetadataDatabase } from "../../platform/postgres/postgres-metadata-database.js";
import { openMetadataDatabase } from "../../platform/sqlite/metadata-database.js";
import type { Migrations } from "../../platform/sqlite/metadata-migrations.js";
import { openSqliteDatabase } from "../../platform/sqlite/sqlite-database.js";
import { METADATA_MIGRATIONS, type MetadataDatabase, openServiceMetadata } from "../../service/metadata.js";
import { type PostgresServer, startPostgresServer } from "./postgres-server.js";

/** The metadata database of one test, on one backend. */
export interface MetadataFixture {
  readonly metadata: Kysely<MetadataDatabase>;
  readonly registry: DeviceRegistry;
  /** Closes the database and removes what it made. */
  close(): Promise<void>;
}

export interface ReopenableDatabase {
  open(): Promise<Kysely<MetadataDatabase>>;
  close(): Promise<void>;
}

/** Keeps every opening of one database so that close() ends them all. */
function reopenable(
  openOnce: () => Promise<Kysely<MetadataDatabase>>,
  remove: () => Promise<void>,
): ReopenableDatabase {
  const opened: Kysely<MetadataDatabase>[] = [];
  return {
    async open() {
      const db = await openOnce();
      opened.push(db);
      return db;
    },
    async close() {
      // A test may have closed one opening itself (a restart); closing it again is harmless.
      for (const db of opened.splice(0)) await db.destroy().catch(() => {});
      await remove();
    },
  };
}

export interface MetadataBackend {
  readonly name: "SQLite" | "PostgreSQL";
  /** A fresh metadata database migrated with every feature's migrations. */
  openFixture(clock: Clock): Promise<MetadataFixture>;
  /** A fresh database the test may open several times, as a restarted service would; close() closes every opening. */
  createDatabase(): Promise<ReopenableDatabase>;
  /** A fresh, empty database migrated with only these migrations (a feature's own, say). */
  openWith<DB>(migrations: Migrations): Promise<{ db: Kysely<DB>; close(): Promise<void> }>;
}

const sqliteBackend: MetadataBackend = {
  name: "SQLite",
  async openFixture(clock) {
    const dir = await mkdtemp(join(tmpdir(), "envmon-metadata-"));
    const metadata = await openServiceMetadata(openSqliteDatabase(dir));
    return {
      metadata,
      registry: createDeviceRegistry(metadata, clock),
      async close() {
        await metadata.destroy();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  async createDatabase() {
    const dir = await mkdtemp(join(tmpdir(), "envmon-metadata-"));
    return reopenable(
      () => openServiceMetadata(openSqliteDatabase(dir)),
      () => rm(dir, { recursive: true, force: true }),
    );
  },
  async openWith<DB>(migrations: Migrations) {
    const dir = await mkdtemp(join(tmpdir(), "envmon-metadata-"));
    const db = await openMetadataDatabase<DB>(openSqliteDatabase(dir), migrations);
    return {
      db,
      async close() {
        await db.destroy();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

/** PostgreSQL: one server per test file, started on first use; one database per test. */
function postgresBackend(): MetadataBackend & { stop(): Promise<void> } {
  let server: Promise<PostgresServer> | undefined;
  const serverOf = () => {
    server ??= startPostgresServer();
    return server;
  };
  return {
    name: "PostgreSQL",
    async openFixture(clock) {
      const url = await (await serverOf()).createDatabase();
      const metadata = await openPostgresMetadataDatabase<MetadataDatabase>(url, METADATA_MIGRATIONS, {
        maxConnections: 4,
      });
      return {
        metadata,
        registry: createDeviceRegistry(metadata, clock),
        close: () => metadata.destroy(),
      };
    },
    async createDatabase() {
      const url = await (await serverOf()).createDatabase();
      return reopenable(
        () => openPostgresMetadataDatabase<MetadataDatabase>(url, METADATA_MIGRATIONS, { maxConnections: 4 }),
        async () => {},
      );
    },
    async openWith<DB>(migrations: Migrations) {
      const url = await (await serverOf()).createDatabase();
      const db = await openPostgresMetadataDatabase<DB>(url, migrations, { maxConnections: 4 });
      return { db, close: () => db.destroy() };
    },
    async stop() {
      if (server) await (await server).stop();
    },
  };
}

/**
 * The metadata contract: runs `body` once on SQLite and once on a real PostgreSQL, so every
 * repository test holds for both databases the service can keep its metadata in.
 */
export function describeEachMetadataBackend(title: string, body: (backend: MetadataBackend) => void): void {
  const postgres = postgresBackend();
  afterAll(() => postgres.stop());
  for (const backend of [sqliteBackend, postgres]) {
    describe(`${title} (${backend.name})`, () => body(backend));
  }
}
