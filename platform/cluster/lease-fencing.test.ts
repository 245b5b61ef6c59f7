/**
 * Leases in a real Redis and the fence in the metadata database (SQLite and PostgreSQL): a node
 * that held the lease, paused past its expiry while another node took over, and then woke up,
 * cannot store a second copy of the work.
 */
import type { Kysely } from "kysely";
import { createClient, type RedisClientType } from "redis";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import { describeEachMetadataBackend } from "../../test/support/metadata-backends.js";
import { type RedisServer, startRedisServer } from "../../test/support/redis-server.js";
import { waitUntil } from "../../test/support/wait-until.js";
import { type FenceTables, fenceMigrations, passFence, StaleLeaseError } from "./fence-store.js";
import { createLeaseKeeper } from "./lease-keeper.js";
import { createRedisLeaseStore, type LeaseStore } from "./redis-lease-store.js";

interface WorkTables extends FenceTables {
  deliveries: { id: string; node: string };
}

const quiet = { info: () => {}, warn: () => {} };
const timings = { ttlMs: 600, safetyMs: 100, renewEveryMs: 150 };

let redis: RedisServer;
let client: RedisClientType;
beforeAll(async () => {
  redis = await startRedisServer();
  client = createClient({ url: redis.url }) as RedisClientType;
  await client.connect();
});
afterAll(async () => {
  await client.quit();
  await redis.stop();
});

describeEachMetadataBackend("lease with fencing token", (backend) => {
  let db: Kysely<WorkTables>;
  let lease: string;
  let count = 0;
  beforeEach(async (context) => {
    const opened = await backend.openWith<WorkTables>({
      ...fenceMigrations,
      "work-table": {
        async up(k: Kysely<unknown>) {
          await k.schema
            .createTable("deliveries")
            .addColumn("id", "text", (c) => c.primaryKey())
            .addColumn("node", "text")
            .execute();
        },
      },
    });
    db = opened.db;
    lease = `webhooks-${backend.name}-${++count}`;
    context.onTestFinished(() => opened.close());
  });

  /** Delivers `id` under the lease, fenced: the write and the fence rise together or not at all. */
  const deliver = (id: string, node: string, token: number) =>
    db.transaction().execute(async (tx) => {
      await passFence(tx, lease, token);
      await tx.insertInto("deliveries").values({ id, node }).execute();
    });

  it("one holder at a time; a woken node is refused at the write and stores nothing", async (context) => {
    const store = createRedisLeaseStore(client);
    // Node A's process can be frozen: its calls to Redis never come back and its clock stands still.
    let frozen = false;
    const storeOfA: LeaseStore = {
      acquire: (...args) => (frozen ? new Promise<never>(() => {}) : store.acquire(...args)),
      release: (...args) => store.release(...args),
    };
    let pausedNow = Date.now();
    const clockOfA: Clock = { now: () => pausedNow };
    const a = createLeaseKeeper(
      { name: lease, nodeId: "node-a", timings },
      { store: storeOfA, clock: clockOfA, logger: quiet },
    );
    const b = createLeaseKeeper(
      { name: lease, nodeId: "node-b", timings },
      { store, clock: { now: () => Date.now() }, logger: quiet },
    );
    context.onTestFinished(async () => {
      await a.stop();
      await b.stop();
    });
    await a.start();
    const tokenA = a.token();
    expect(tokenA).toBeGreaterThan(0);
    await b.start();
    expect(b.token()).toBeUndefined();
    await deliver("transition-1", "node-a", tokenA as number);

    // Node A freezes; its grant runs out in Redis and node B takes the lease over.
    frozen = true;
    await waitUntil("node B to take the lease over", () => b.token(), { timeoutMs: 10_000 });
    const tokenB = b.token() as number;
    expect(tokenB).toBeGreaterThan(tokenA as number);
    await deliver("transition-2", "node-b", tokenB);

    // Node A wakes believing it still holds the lease (its clock has not moved yet), and tries to
    // deliver transition 2 again with the token it had.
    expect(a.token()).toBe(tokenA);
    await expect(deliver("transition-2-again", "node-a", tokenA as number)).rejects.toBeInstanceOf(
      StaleLeaseError,
    );
    // Its clock moves on as it wakes: it no longer counts itself the holder at all.
    pausedNow += 60_000;
    expect(a.token()).toBeUndefined();

    const rows = await db.selectFrom("deliveries").selectAll().orderBy("id").execute();
    expect(rows).toEqual([
      { id: "transition-1", node: "node-a" },
      { id: "transition-2", node: "node-b" },
    ]);
  });

  it("two writers with the same fresh token pass; an older one after a newer one does not", async () => {
    await deliver("x1", "n", 5);
    await deliver("x2", "n", 5);
    await deliver("x3", "n", 6);
    await expect(deliver("x4", "n", 5)).rejects.toThrow(/stale/);
    expect((await db.selectFrom("deliveries").select("id").orderBy("id").execute()).map((r) => r.id)).toEqual(
      ["x1", "x2", "x3"],
    );
  });
});
