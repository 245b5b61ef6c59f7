import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteDatabase } from "../../../platform/sqlite/sqlite-database.js";
import { describeTimeSeriesStoreContract } from "../time-series-store.contract.js";
import { createInlineSeriesWriter } from "./sqlite-series-writer.js";
import { createSqliteTimeSeriesStore } from "./sqlite-time-series-store.js";
import { createWorkerSeriesWriter } from "./worker-series-writer.js";

type WriterKind = "inline" | "worker";

const writerFor = (kind: WriterKind, db: Database.Database, dir: string) =>
  kind === "inline" ? createInlineSeriesWriter(db) : createWorkerSeriesWriter(dir);

async function openTempStore(kind: WriterKind = "inline") {
  const dir = await mkdtemp(join(tmpdir(), "tn-sqlite-ts-"));
  let db: Database.Database = openSqliteDatabase(dir);
  let store = createSqliteTimeSeriesStore(db, writerFor(kind, db, dir));
  return {
    dir,
    get db() {
      return db;
    },
    store,
    async reopen() {
      await store.close();
      db.close();
      db = openSqliteDatabase(dir);
      store = createSqliteTimeSeriesStore(db, writerFor(kind, db, dir));
      return store;
    },
    async cleanup() {
      await store.close();
      if (db.open) db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeTimeSeriesStoreContract("sqlite, inline writer", () => openTempStore("inline"));
describeTimeSeriesStoreContract("sqlite, worker-thread writer", () => openTempStore("worker"));

describe.each(["inline", "worker"] as const)("SQLite time-series store, %s writer", (kind) => {
  let cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups) await cleanup();
    cleanups = [];
  });

  const BASE = Date.UTC(2026, 10, 21);

  it("leaves nothing behind from a batch the database refuses, and later series stay separate", async () => {
    const opened = await openTempStore(kind);
    cleanups.push(opened.cleanup);
    const { store } = opened;
    // NaN cannot be stored (SQLite turns it into NULL), so the whole batch is refused.
    await expect(
      store.write([
        { deviceId: "refused-1", metric: "pm25", ts: BASE, value: 1 },
        { deviceId: "refused-1", metric: "pm10", ts: BASE, value: Number.NaN },
      ]),
    ).rejects.toThrow();
    expect(await store.latest()).toEqual([]);

    await store.write([{ deviceId: "later-2", metric: "pm25", ts: BASE, value: 42 }]);
    const refused = await store.range({
      deviceId: "refused-1",
      metric: "pm25",
      from: BASE,
      to: BASE + 1,
      limit: 10,
    });
    expect(refused.points).toEqual([]);
    const later = await store.range({
      deviceId: "later-2",
      metric: "pm25",
      from: BASE,
      to: BASE + 1,
      limit: 10,
    });
    expect(later.points).toEqual([{ ts: BASE, value: 42 }]);
    expect(await store.latest()).toEqual([{ deviceId: "later-2", metric: "pm25", ts: BASE, value: 42 }]);
  });

  it("opens twice on the same database without losing data (schema creation is idempotent)", async () => {
    const opened = await openTempStore(kind);
    cleanups.push(opened.cleanup);
    await opened.store.write([{ deviceId: "tn-air-001", metric: "pm25", ts: BASE, value: 3 }]);
    const second = createSqliteTimeSeriesStore(opened.db, createInlineSeriesWriter(opened.db));
    const points = await second.range({
      deviceId: "tn-air-001",
      metric: "pm25",
      from: BASE,
      to: BASE + 1,
      limit: 1,
    });
    expect(points.points).toEqual([{ ts: BASE, value: 3 }]);
  });
});
