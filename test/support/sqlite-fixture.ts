import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import type { Clock } from "../../domain/clock.js";
import { createDeadLetterRepository, type DeadLetterRepository } from "../../store/dead-letter-repository.js";
import { createDeviceRegistry, type DeviceRegistry } from "../../store/device-registry.js";
import { openMetadataDatabase } from "../../store/metadata-database.js";
import type { MetadataDatabase } from "../../store/metadata-schema.js";
import { openSqliteDatabase } from "../../store/sqlite-database.js";
import { createInlineSeriesWriter } from "../../store/sqlite-series-writer.js";
import { createSqliteTimeSeriesStore } from "../../store/sqlite-time-series-store.js";
import type { TimeSeriesStore } from "../../store/time-series-store.js";

export interface SqliteFixture {
  readonly dataDir: string;
  readonly store: TimeSeriesStore;
  readonly registry: DeviceRegistry;
  readonly deadLetters: DeadLetterRepository;
  /** The metadata database itself, for the repositories built on it. */
  readonly metadata: Kysely<MetadataDatabase>;
  /** Closes the databases and removes the temporary directory. */
  close(): Promise<void>;
}

/** The real embedded stores (time series, registry, dead letters) in a fresh temporary directory. */
export async function openSqliteFixture(clock: Clock, prefix = "envmon-fixture-"): Promise<SqliteFixture> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  const sqlite = openSqliteDatabase(dataDir);
  const metadata = await openMetadataDatabase(sqlite);
  const store = createSqliteTimeSeriesStore(sqlite, createInlineSeriesWriter(sqlite));
  return {
    dataDir,
    store,
    registry: createDeviceRegistry(metadata, clock),
    deadLetters: createDeadLetterRepository(metadata, { maxRows: 10_000 }),
    metadata,
    async close() {
      await store.close();
      // Destroying Kysely closes the SQLite connection that the store shares.
      await metadata.destroy();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
