import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { SeriesPoint } from "../../../kernel/series.js";
import { HOUR_MS } from "../../../kernel/time.js";
import { openSqliteDatabase } from "../../../platform/sqlite/sqlite-database.js";
import type { MetadataDatabase } from "../../../service/metadata.js";
import { openServiceMetadata } from "../../../service/metadata.js";
import {
  acquireInfluxServer,
  type InfluxServer,
  requireInfluxOrSkip,
} from "../../../test/support/influxdb-server.js";
import { createDeadLetterRepository, type DeadLetterRepository } from "../dead-letter-repository.js";
import { describeTimeSeriesStoreContract } from "../time-series-store.contract.js";
import type { TimeSeriesStore } from "../time-series-store.js";
import {
  checkInfluxConnection,
  type InfluxConnectionCheck,
  InfluxConnectionError,
} from "./connection-check.js";
import { createInfluxHttp } from "./influx-http.js";
import {
  createInfluxTimeSeriesStore,
  DEAD_LETTER_TOPIC,
  type InfluxStoreOptions,
  type InfluxTimeSeriesStore,
  STORAGE_REJECTED,
} from "./influx-time-series-store.js";
import { InvalidQueryError } from "./influxql.js";
import { createInfluxStoreMetrics } from "./metrics.js";
import { SpoolFullError } from "./spool.js";

const server = await acquireInfluxServer();
const available = requireInfluxOrSkip(server, "readings/store/influx/influx-time-series-store.test.ts");

const logger = pino({ level: "silent" });
const BASE = Date.UTC(2026, 10, 21);

function manualClock(start: number) {
  let now = start;
  return { now: () => now, set: (ms: number) => (now = ms) };
}

interface Opened {
  readonly store: InfluxTimeSeriesStore;
  readonly bucket: string;
  readonly options: InfluxStoreOptions;
  readonly deadLetters: DeadLetterRepository;
  readonly registry: Registry;
  reopen(): Promise<InfluxTimeSeriesStore>;
  close(): Promise<void>;
}

const toClose: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of toClose.splice(0).reverse()) await close().catch(() => undefined);
  await server?.stop();
});

let bucketCounter = 0;

/** A store on fresh buckets with its own spool and dead-letter database. */
async function openStore(
  live: InfluxServer,
  overrides: Partial<InfluxStoreOptions> & {
    clock?: { now(): number };
    bucketRetentionSeconds?: number;
  } = {},
): Promise<Opened> {
  const bucket = `t${++bucketCounter}_${randomUUID().slice(0, 8)}`;
  await live.createBucket(bucket, overrides.bucketRetentionSeconds);
  await live.createBucket(`${bucket}_hourly`);
  const dir = await mkdtemp(join(tmpdir(), "tn-influx-store-"));
  const metadata: Kysely<MetadataDatabase> = await openServiceMetadata(openSqliteDatabase(dir));
  const deadLetters = createDeadLetterRepository(metadata, { maxRows: 100_000 });
  const registry = new Registry();
  const metrics = createInfluxStoreMetrics(registry);
  const { clock = { now: () => Date.now() }, bucketRetentionSeconds: _, ...storeOverrides } = overrides;
  const options: InfluxStoreOptions = {
    url: live.url,
    token: live.token,
    org: live.org,
    bucket,
    rollupBucket: `${bucket}_hourly`,
    batchLines: 5000,
    spoolDir: join(dir, "influx-spool"),
    spoolMaxBytes: 64 * 1024 * 1024,
    requestTimeoutMs: 2000,
    retryBaseMs: 50,
    retryMaxMs: 500,
    rollups: { run: true, tickMs: 3_600_000 },
    ...storeOverrides,
  };
  const deps = {
    deadLetters,
    deviceTags: async (id: string) => ({ area: id.startsWith("tn-") ? "25747" : null, kind: null }),
    metrics,
    logger,
    clock,
  };
  let store = await createInfluxTimeSeriesStore(options, deps);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await store.close();
    await metadata.destroy();
    await rm(dir, { recursive: true, force: true });
  };
  toClose.push(close);
  return {
    get store() {
      return store;
    },
    bucket,
    options,
    deadLetters,
    registry,
    async reopen() {
      await store.close();
      store = await createInfluxTimeSeriesStore(options, deps);
      return store;
    },
    close,
  };
}

const point = (deviceId: string, metric: SeriesPoint["metric"], ts: number, value: number): SeriesPoint => ({
  deviceId,
  metric,
  ts,
  value,
});

async function rawRows(live: InfluxServer, db: string, statement: string) {
  const http = createInfluxHttp({
    url: live.url,
    token: live.token,
    org: live.org,
    timeoutMs: 5000,
    maxLinesPerRequest: 1,
  });
  try {
    const [result] = await http.query(db, [statement]);
    return result?.series ?? [];
  } finally {
    http.close();
  }
}

async function writeRaw(live: InfluxServer, bucket: string, lines: string[]) {
  const http = createInfluxHttp({
    url: live.url,
    token: live.token,
    org: live.org,
    timeoutMs: 5000,
    maxLinesPerRequest: lines.length,
  });
  try {
    await http.writeLines(bucket, lines);
  } finally {
    http.close();
  }
}

async function allPoints(
  store: TimeSeriesStore,
  deviceId: string,
  metric: SeriesPoint["metric"],
  from: number,
  to: number,
) {
  const result = await store.range({ deviceId, metric, from, to, limit: 1_000_000 });
  expect(result.kind).toBe("raw");
  return result.kind === "raw" ? result.points : [];
}

describe.skipIf(!available)(
  `InfluxDB store against a real InfluxDB ${server?.version ?? "(none found)"}`,
  () => {
    // Only dereferenced inside hooks and tests, which do not run when the suite is skipped.
    const live = server as InfluxServer;

    describeTimeSeriesStoreContract(`influxdb ${server?.version ?? ""}`, async () => {
      const opened = await openStore(live);
      return { store: opened.store, reopen: () => opened.reopen(), cleanup: () => opened.close() };
    });

    describe("beyond the contract", () => {
      afterEach(async () => {
        // A test that paused the server must never leave it paused for the next one.
        await live.resume();
      });

      it("loses nothing while InfluxDB does not answer: every acknowledged reading is there exactly once", async () => {
        const opened = await openStore(live, { requestTimeoutMs: 500 });
        const { store } = opened;
        const devices = ["tn-air-001", "tn-air-002", "tn-wq-003"];
        const batch = (round: number) =>
          devices.flatMap((d, i) =>
            Array.from({ length: 100 }, (_, k) =>
              point(d, "pm25", BASE + (round * 100 + k) * 1000, round * 1000 + k + i),
            ),
          );
        await store.write(batch(0));
        expect(store.status().mode).toBe("direct");

        await live.pause();
        // Each write is acknowledged once it is in the spool (the first waits for the request timeout).
        for (let round = 1; round <= 5; round++) await store.write(batch(round));
        // A redelivered batch and a newer value for an old point, both while InfluxDB is away.
        await store.write(batch(3));
        await store.write([point("tn-air-001", "pm25", BASE + 150 * 1000, -1)]);
        const status = store.status();
        expect(status.mode).toBe("spooling");
        expect(status.spool.lines).toBeGreaterThan(0);
        expect(status.oldestSpooledAgeMs).not.toBeNull();
        expect(status.lastFailure?.kind).toBe("network");
        const spooledGauge = await opened.registry.getSingleMetric("envmon_influx_spool_lines")?.get();
        expect(spooledGauge?.values[0]?.value).toBe(status.spool.lines);

        await live.resume();
        await store.drained();
        expect(store.status()).toMatchObject({ mode: "direct", spool: { lines: 0, bytes: 0 } });

        for (const [i, d] of devices.entries()) {
          const points = await allPoints(store, d, "pm25", BASE, BASE + 3_600_000);
          expect(points, d).toHaveLength(600);
          for (const [n, p] of points.entries()) {
            const expected =
              d === "tn-air-001" && n === 150 ? -1 : Math.floor(n / 100) * 1000 + (n % 100) + i;
            expect(p, `${d} #${n}`).toEqual({ ts: BASE + n * 1000, value: expected });
          }
        }
        // Counted by InfluxDB itself: no point twice.
        const counts = await rawRows(
          live,
          opened.bucket,
          `SELECT count("pm25") FROM "readings" WHERE time >= ${BASE}ms AND time < ${BASE + 3_600_000}ms GROUP BY "device"`,
        );
        expect(counts.map((s) => [s.tags?.device, s.values[0]?.[1]]).sort()).toEqual(
          devices.map((d) => [d, 600]),
        );
        const written = await opened.registry.getSingleMetric("envmon_influx_lines_written_total")?.get();
        const replayed = written?.values.find((v) => v.labels.path === "replay")?.value ?? 0;
        expect(replayed).toBeGreaterThan(0);
      });

      it("loses nothing when InfluxDB stops and starts again under a steady stream of writes", async () => {
        const opened = await openStore(live, { requestTimeoutMs: 2000 });
        const { store } = opened;
        const devices = ["tn-air-011", "tn-air-012"];
        const batch = (round: number) =>
          devices.flatMap((d) =>
            Array.from({ length: 100 }, (_, k) =>
              point(d, "pm10", BASE + (round * 100 + k) * 1000, round + k / 1000),
            ),
          );
        const acknowledged: number[] = [];
        let running = true;
        const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
        const stream = (async () => {
          for (let round = 0; running; round++) {
            await store.write(batch(round));
            acknowledged.push(round);
            await sleep(10);
          }
        })();
        await sleep(300);
        await live.pause();
        await sleep(700);
        await live.resume();
        await sleep(300);
        running = false;
        await stream;
        await store.drained();
        expect(store.status().lastFailure).not.toBeNull();
        for (const d of devices) {
          const points = await allPoints(store, d, "pm10", BASE, BASE + 24 * HOUR_MS);
          expect(points, d).toHaveLength(acknowledged.length * 100);
          for (const [n, p] of points.entries()) {
            expect(p, `${d} #${n}`).toEqual({
              ts: BASE + n * 1000,
              value: Math.floor(n / 100) + (n % 100) / 1000,
            });
          }
        }
      });

      it("keeps the spool across close and reopen, and replays it on the next start", async () => {
        const opened = await openStore(live, { requestTimeoutMs: 500 });
        await live.pause();
        await opened.store.write([
          point("tn-air-001", "pm10", BASE, 1),
          point("tn-air-001", "pm10", BASE + 1000, 2),
        ]);
        await opened.store.write([point("tn-air-002", "pm10", BASE, 3)]);
        expect(opened.store.status().spool.lines).toBe(3);
        await opened.store.close();
        expect((await readdir(opened.options.spoolDir)).some((n) => n.endsWith(".spool"))).toBe(true);

        await live.resume();
        const again = await opened.reopen();
        await again.drained();
        expect(await allPoints(again, "tn-air-001", "pm10", BASE, BASE + HOUR_MS)).toEqual([
          { ts: BASE, value: 1 },
          { ts: BASE + 1000, value: 2 },
        ]);
        expect(await allPoints(again, "tn-air-002", "pm10", BASE, BASE + HOUR_MS)).toEqual([
          { ts: BASE, value: 3 },
        ]);
        expect((await readdir(opened.options.spoolDir)).some((n) => n.endsWith(".spool"))).toBe(false);
      });

      it("keeps retrying while InfluxDB hangs: timed-out connections are closed, not left to pile up", async () => {
        // A black hole: accepts connections, never answers (a hung server, a half-open network path).
        const sockets = new Set<Socket>();
        let connections = 0;
        const blackHole = createServer((socket) => {
          connections++;
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => undefined);
        });
        await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
        const port = (blackHole.address() as { port: number }).port;
        toClose.push(
          () =>
            new Promise<void>((resolve) => {
              for (const socket of sockets) socket.destroy();
              blackHole.close(() => resolve());
            }),
        );
        const opened = await openStore(live, {
          url: `http://127.0.0.1:${port}`,
          requestTimeoutMs: 200,
          retryBaseMs: 10,
          retryMaxMs: 20,
        });
        await opened.store.write([point("tn-air-004", "pm25", BASE, 4)]);
        expect(opened.store.status().mode).toBe("spooling");
        // More attempts than the agent has sockets (8): each timed-out socket must have been closed.
        const failures = async () =>
          (await opened.registry.getSingleMetric("envmon_influx_write_failures_total")?.get())?.values.find(
            (v) => v.labels.kind === "network",
          )?.value ?? 0;
        const deadline = Date.now() + 20_000;
        while ((await failures()) < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect(await failures()).toBeGreaterThanOrEqual(12);
        expect(connections).toBeGreaterThan(8);
        await opened.close();
      });

      it("refuses a write when the spool is full, so the sender keeps it; what was acknowledged arrives", async () => {
        const opened = await openStore(live, { requestTimeoutMs: 500, spoolMaxBytes: 20_000 });
        const { store } = opened;
        await live.pause();
        const acknowledged: number[] = [];
        let refusal: unknown;
        for (let round = 0; round < 100 && refusal === undefined; round++) {
          const batch = Array.from({ length: 20 }, (_, k) =>
            point("tn-air-009", "co", BASE + (round * 20 + k) * 1000, round),
          );
          try {
            await store.write(batch);
            acknowledged.push(round);
          } catch (error) {
            refusal = error;
          }
        }
        expect(refusal).toBeInstanceOf(SpoolFullError);
        expect(store.status().spool).toMatchObject({ full: true, alarm: true });
        const alarm = await opened.registry.getSingleMetric("envmon_influx_spool_alarm")?.get();
        expect(alarm?.values[0]?.value).toBe(1);

        await live.resume();
        await store.drained();
        const points = await allPoints(store, "tn-air-009", "co", BASE, BASE + HOUR_MS);
        expect(points).toHaveLength(acknowledged.length * 20);
        expect(new Set(points.map((p) => p.value))).toEqual(new Set(acknowledged));
        // Room again: writes go straight through.
        await store.write([point("tn-air-009", "co", BASE + HOUR_MS, 7)]);
        expect(store.status().spool).toMatchObject({ full: false, lines: 0 });
      });

      it("records lines InfluxDB refuses as dead letters with its reason, and stores the rest of the batch", async () => {
        const opened = await openStore(live);
        // An integer pm25 in the week of 2020-01-06 makes a float pm25 there a type conflict (HTTP 422).
        const week = Date.UTC(2020, 0, 8);
        await writeRaw(live, opened.bucket, [`readings,device=legacy pm25=1i ${week}`]);
        const batch = [
          ...Array.from({ length: 50 }, (_, i) => point("tn-air-001", "pm10", week + i * 1000, i)),
          point("tn-air-001", "pm25", week + 7000, 12.5),
          point("tn-air-002", "pm25", week + 9000, 13.5),
          point("tn-air-002", "no2", BASE, 4),
        ];
        await opened.store.write(batch);
        const letters = await opened.deadLetters.list({ limit: 100 });
        expect(letters).toHaveLength(2);
        for (const letter of letters) {
          expect(letter).toMatchObject({ reason: STORAGE_REJECTED, topic: DEAD_LETTER_TOPIC });
          expect(letter.message).toMatch(/field type conflict/);
        }
        expect(letters.map((l) => l.deviceId).sort()).toEqual(["tn-air-001", "tn-air-002"]);
        expect(letters.find((l) => l.deviceId === "tn-air-002")?.payload).toBe(
          `readings,area=25747,device=tn-air-002 pm25=13.5 ${week + 9000}`,
        );
        // tn-air-001's line at week+7000 carried pm10 too: the whole point was refused.
        expect(await allPoints(opened.store, "tn-air-001", "pm10", week, week + HOUR_MS)).toHaveLength(49);
        expect(await allPoints(opened.store, "tn-air-002", "no2", BASE, BASE + 1)).toEqual([
          { ts: BASE, value: 4 },
        ]);
        const lettered = await opened.registry
          .getSingleMetric("envmon_influx_lines_dead_lettered_total")
          ?.get();
        expect(lettered?.values[0]?.value).toBe(2);
      });

      it("dead-letters refused lines found while replaying the spool, and never retries them", async () => {
        const opened = await openStore(live, { requestTimeoutMs: 500, bucketRetentionSeconds: 3600 });
        const now = Date.now();
        await live.pause();
        await opened.store.write([
          point("tn-air-003", "so2", now - 3 * HOUR_MS, 1), // older than the bucket keeps: HTTP 422
          point("tn-air-003", "so2", now - 1000, 2),
        ]);
        expect(opened.store.status().mode).toBe("spooling");
        await live.resume();
        await opened.store.drained();
        const letters = await opened.deadLetters.list({ limit: 10 });
        expect(letters).toHaveLength(1);
        expect(letters[0]?.message).toMatch(/retention policy/);
        expect(letters[0]?.payload).toContain(` ${now - 3 * HOUR_MS}`);
        expect(await allPoints(opened.store, "tn-air-003", "so2", now - HOUR_MS, now + 1)).toEqual([
          { ts: now - 1000, value: 2 },
        ]);
        expect(opened.store.status().spool.lines).toBe(0);
      });

      it("turns away injection attempts through every query parameter without harm", async () => {
        const opened = await openStore(live);
        const { store } = opened;
        await store.write([
          point("tn-air-001", "pm25", BASE, 1),
          point("tn-air-002", "pm25", BASE, 2),
          point("secret-9", "pm25", BASE, 99),
        ]);
        const attacks = [
          "tn-air-001' OR device = 'secret-9",
          "tn-air-001' OR '1'='1",
          "x'; DROP MEASUREMENT readings; SELECT '",
          'pm25" FROM "readings"; DROP DATABASE "x"; SELECT "',
          "tn-air-001\\' OR 1=1 --",
          "tn-air-001/ OR device =~ /.*",
          "tn-air-001\nSELECT * FROM readings",
          "*",
          "",
        ];
        const harmless = async (query: () => Promise<unknown>) => {
          try {
            const result = (await query()) as { points?: unknown[] } | unknown[];
            const points = Array.isArray(result) ? result : (result.points ?? []);
            expect(points).toEqual([]);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidQueryError);
          }
        };
        const q = { deviceId: "tn-air-001", metric: "pm25" as const, from: BASE, to: BASE + 1000, limit: 10 };
        for (const attack of attacks) {
          await harmless(() => store.range({ ...q, deviceId: attack }));
          await harmless(() => store.range({ ...q, deviceId: attack, step: 60_000 }));
          await harmless(() => store.range({ ...q, deviceId: attack, step: HOUR_MS }));
          await harmless(() => store.range({ ...q, metric: attack as "pm25" }));
          await harmless(() => store.range({ ...q, metric: `idx:${attack}` as "pm25", step: 60_000 }));
          await harmless(() => store.range({ ...q, from: attack as unknown as number }));
          await harmless(() => store.range({ ...q, to: attack as unknown as number }));
          await harmless(() => store.range({ ...q, step: attack as unknown as number }));
          await harmless(() => store.range({ ...q, limit: attack as unknown as number }));
          await harmless(() => store.latest({ deviceIds: [attack] }));
          // Writing under a hostile name stores nothing and is recorded as a dead letter.
          await store.write([
            point(attack, "pm25", BASE + 5000, 5),
            point("tn-air-001", attack as "pm25", BASE + 5000, 5),
          ]);
        }
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1, 1.5, 2 ** 60]) {
          await harmless(() => store.range({ ...q, limit: bad }));
        }
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1, 0, -(2 ** 60)]) {
          await harmless(() => store.range({ ...q, step: bad }));
        }
        // Ranges outside what InfluxDB stores are clamped, not passed on.
        expect((await store.range({ ...q, from: -1e20, to: 1e20 })).points).toEqual([{ ts: BASE, value: 1 }]);

        // Everything is as it was: one measurement, the same three points, nothing leaked or dropped.
        const measurements = await rawRows(live, opened.bucket, "SHOW MEASUREMENTS");
        expect(measurements[0]?.values).toEqual([["readings"]]);
        expect(byDevice(await store.latest())).toEqual([
          ["secret-9", 99],
          ["tn-air-001", 1],
          ["tn-air-002", 2],
        ]);
        expect((await store.range(q)).points).toEqual([{ ts: BASE, value: 1 }]);
        const letters = await opened.deadLetters.list({ limit: 1000 });
        expect(letters.length).toBe(attacks.length * 2);
        expect(new Set(letters.map((l) => l.reason))).toEqual(
          new Set(["invalid_device_id", "unknown_metric"]),
        );
      });

      it("rolls closed hours up into the hourly bucket and reads steps of whole hours from there", async () => {
        const h0 = Date.UTC(2026, 10, 19, 0);
        const clock = manualClock(h0);
        const opened = await openStore(live, {
          clock,
          rollups: { run: true, tickMs: 3_600_000, graceMs: 60_000 },
        });
        const { store } = opened;
        const readings: SeriesPoint[] = [];
        for (let hour = 0; hour < 6; hour++) {
          for (let m = 0; m < 60; m += 10)
            readings.push(
              point("tn-wx-001", "temperature", h0 + hour * HOUR_MS + m * 60_000, hour * 10 + m / 10),
            );
        }
        await store.write(readings);
        clock.set(h0 + 6 * HOUR_MS + 60_000);
        await store.rollups.catchUp();

        const rolled = await rawRows(
          live,
          `${opened.bucket}_hourly`,
          `SELECT "temperature_mean", "temperature_min", "temperature_max", "temperature_count" FROM "readings_1h" WHERE "device" = 'tn-wx-001'`,
        );
        expect(rolled[0]?.values).toEqual(
          Array.from({ length: 6 }, (_, hour) => [
            h0 + hour * HOUR_MS,
            hour * 10 + 2.5,
            hour * 10,
            hour * 10 + 5,
            6,
          ]),
        );
        expect(rolled[0]?.columns).toEqual([
          "time",
          "temperature_mean",
          "temperature_min",
          "temperature_max",
          "temperature_count",
        ]);

        // Raw data of hours 0–2 gone (as after the raw retention): steps of whole hours still have them.
        await deleteRange(live, opened.bucket, h0, h0 + 3 * HOUR_MS);
        expect(await allPoints(store, "tn-wx-001", "temperature", h0, h0 + 3 * HOUR_MS)).toEqual([]);
        const hourly = await store.range({
          deviceId: "tn-wx-001",
          metric: "temperature",
          from: h0,
          to: h0 + 6 * HOUR_MS,
          step: HOUR_MS,
          limit: 100,
        });
        expect(hourly.points.map((p) => ("count" in p ? [p.ts, p.mean, p.min, p.max, p.count] : []))).toEqual(
          Array.from({ length: 6 }, (_, hour) => [
            h0 + hour * HOUR_MS,
            hour * 10 + 2.5,
            hour * 10,
            hour * 10 + 5,
            6,
          ]),
        );
        const twoHourly = await store.range({
          deviceId: "tn-wx-001",
          metric: "temperature",
          from: h0,
          to: h0 + 6 * HOUR_MS,
          step: 2 * HOUR_MS,
          limit: 2,
        });
        expect(twoHourly.truncated).toBe(true);
        expect(twoHourly.points).toEqual([
          { ts: h0, mean: 7.5, min: 0, max: 15, count: 12 },
          { ts: h0 + 2 * HOUR_MS, mean: 27.5, min: 20, max: 35, count: 12 },
        ]);
        // A range starting inside an hour reads that hour's part from raw data (hour 3, from 3:30).
        const partial = await store.range({
          deviceId: "tn-wx-001",
          metric: "temperature",
          from: h0 + 3.5 * HOUR_MS,
          to: h0 + 5 * HOUR_MS,
          step: HOUR_MS,
          limit: 10,
        });
        expect(partial.points).toEqual([
          { ts: h0 + 3 * HOUR_MS, mean: 34, min: 33, max: 35, count: 3 },
          { ts: h0 + 4 * HOUR_MS, mean: 42.5, min: 40, max: 45, count: 6 },
        ]);

        // A late reading for a rolled-up hour is seen at once, and the rollup follows on the next tick.
        await store.write([point("tn-wx-001", "temperature", h0 + 4 * HOUR_MS + 5 * 60_000, 100)]);
        const late = await store.range({
          deviceId: "tn-wx-001",
          metric: "temperature",
          from: h0 + 4 * HOUR_MS,
          to: h0 + 5 * HOUR_MS,
          step: HOUR_MS,
          limit: 10,
        });
        expect(late.points).toEqual([{ ts: h0 + 4 * HOUR_MS, mean: 355 / 7, min: 40, max: 100, count: 7 }]);
        await store.rollups.catchUp();
        const recomputed = await rawRows(
          live,
          `${opened.bucket}_hourly`,
          `SELECT "temperature_max", "temperature_count" FROM "readings_1h" WHERE time = ${h0 + 4 * HOUR_MS}ms`,
        );
        expect(recomputed[0]?.values).toEqual([[h0 + 4 * HOUR_MS, 100, 7]]);
      });

      it("remembers across a restart which rolled-up hours late readings changed", async () => {
        const h0 = Date.UTC(2026, 10, 18, 0);
        const clock = manualClock(h0);
        const opened = await openStore(live, {
          clock,
          rollups: { run: true, tickMs: 3_600_000, graceMs: 0 },
        });
        await opened.store.write([
          point("tn-wq-002", "ph", h0 + 60_000, 7),
          point("tn-wq-002", "ph", h0 + 120_000, 8),
        ]);
        clock.set(h0 + 2 * HOUR_MS);
        await opened.store.rollups.catchUp();
        // A backlog reading for the rolled-up hour, then a restart before the next tick.
        await opened.store.write([point("tn-wq-002", "ph", h0 + 180_000, 9)]);
        const again = await opened.reopen();
        const hourly = () =>
          again.range({
            deviceId: "tn-wq-002",
            metric: "ph",
            from: h0,
            to: h0 + HOUR_MS,
            step: HOUR_MS,
            limit: 5,
          });
        expect((await hourly()).points).toEqual([{ ts: h0, mean: 8, min: 7, max: 9, count: 3 }]);
        await again.rollups.catchUp();
        const rolled = await rawRows(
          live,
          `${opened.bucket}_hourly`,
          `SELECT "ph_count", "ph_max" FROM "readings_1h" WHERE "device" = 'tn-wq-002'`,
        );
        expect(rolled[0]?.values).toEqual([[h0, 3, 9]]);
        expect((await hourly()).points).toEqual([{ ts: h0, mean: 8, min: 7, max: 9, count: 3 }]);
      });

      it("checks the connection at start: reachable, token accepted, organization and buckets present", async () => {
        const opened = await openStore(live);
        const check: InfluxConnectionCheck = {
          url: live.url,
          token: live.token,
          org: live.org,
          buckets: [opened.bucket, `${opened.bucket}_hourly`],
        };
        await expect(checkInfluxConnection(check)).resolves.toBeUndefined();
        const problemOf = async (overrides: Partial<typeof check>) => {
          try {
            await checkInfluxConnection({ ...check, ...overrides });
            return "none";
          } catch (error) {
            expect(error).toBeInstanceOf(InfluxConnectionError);
            return (error as InfluxConnectionError).problem;
          }
        };
        expect(await problemOf({ token: "not-the-token" })).toBe("unauthorized");
        expect(await problemOf({ org: "no-such-org" })).toBe("org_missing");
        expect(await problemOf({ buckets: [opened.bucket, "no_such_bucket"] })).toBe("bucket_missing");
        expect(await problemOf({ url: "http://127.0.0.1:9", timeoutMs: 1000 })).toBe("unreachable");
        await expect(checkInfluxConnection({ ...check, buckets: ["missing_one"] })).rejects.toThrow(
          /missing_one/,
        );
      });
    });
  },
);

function byDevice(latest: ReadonlyArray<{ deviceId: string; value: number }>) {
  return latest.map((l) => [l.deviceId, l.value]);
}

async function deleteRange(live: InfluxServer, bucket: string, from: number, to: number): Promise<void> {
  const params = new URLSearchParams({ org: live.org, bucket });
  const response = await fetch(`${live.url}/api/v2/delete?${params.toString()}`, {
    method: "POST",
    headers: { authorization: `Token ${live.token}`, "content-type": "application/json" },
    body: JSON.stringify({ start: new Date(from).toISOString(), stop: new Date(to - 1).toISOString() }),
  });
  expect(response.status).toBe(204);
}
