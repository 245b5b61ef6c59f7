import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { createDeviceRegistry, type DeviceRegistry } from "../../devices/store/device-registry.js";
import type { Clock } from "../../kernel/clock.js";
import { openSqliteDatabase } from "../../platform/sqlite/sqlite-database.js";
import {
  createDeadLetterRepository,
  type DeadLetterRepository,
} from "../../readings/store/dead-letter-repository.js";
import { createInlineSeriesWriter } from "../../readings/store/sqlite/sqlite-series-writer.js";
import { createSqliteTimeSeriesStore } from "../../readings/store/sqlite/sqlite-time-series-store.js";
import type { TimeSeriesStore } from "../../readings/store/time-series-store.js";
import type { MetadataDatabase } from "../../service/metadata.js";
import { openServiceMetadata } from "../../service/metadata.js";

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
  const metadata = await openServiceMetadata(sqlite);
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
