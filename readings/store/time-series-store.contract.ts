import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MetricKey } from "../../kernel/catalogue.js";
import type { Reading } from "../../kernel/reading.js";
import type {
  AggregatePoint,
  LatestValue,
  RangeQuery,
  RangeResult,
  TimeSeriesStore,
} from "./time-series-store.js";

/**
 * Behaviour every TimeSeriesStore must show, tested only through the interface so that each
 * implementation (SQLite today, InfluxDB later) runs the same suite.
 */
export interface OpenedTimeSeriesStore {
  readonly store: TimeSeriesStore;
  /** Closes the store and opens it again on the same data; absent when the backend cannot. */
  readonly reopen?: () => Promise<TimeSeriesStore>;
  /** Releases everything `open` created, including a reopened store. */
  readonly cleanup: () => Promise<void>;
}

// Midnight UTC, 21 November 2026: a multiple of every step used below.
const BASE = Date.UTC(2026, 10, 21);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const reading = (deviceId: string, metric: MetricKey, ts: number, value: number): Reading => ({
  deviceId,
  metric,
  ts,
  value,
});

const byDeviceAndMetric = (values: readonly LatestValue[]) =>
  [...values].sort((a, b) => a.deviceId.localeCompare(b.deviceId) || a.metric.localeCompare(b.metric));

function rawPoints(result: RangeResult) {
  expect(result.kind).toBe("raw");
  return result.kind === "raw" ? result.points : [];
}

function aggregatePoints(result: RangeResult): AggregatePoint[] {
  expect(result.kind).toBe("aggregate");
  return result.kind === "aggregate" ? result.points : [];
}

export function describeTimeSeriesStoreContract(
  name: string,
  open: () => Promise<OpenedTimeSeriesStore>,
): void {
  describe(`TimeSeriesStore contract: ${name}`, () => {
    let opened: OpenedTimeSeriesStore;
    let store: TimeSeriesStore;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });

    afterEach(async () => {
      await opened.cleanup();
    });

    const range = (query: Partial<RangeQuery> & Pick<RangeQuery, "deviceId" | "metric">, on = store) =>
      on.range({ from: BASE - 24 * HOUR, to: BASE + 24 * HOUR, limit: 10_000, ...query });

    it("names its kind and answers ping", async () => {
      expect(typeof store.kind).toBe("string");
      expect(store.kind.length).toBeGreaterThan(0);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("returns raw points in ascending time whatever the write order", async () => {
      await store.write([
        reading("tn-air-001", "pm25", BASE + 3 * MINUTE, 30.5),
        reading("tn-air-001", "pm25", BASE + 1 * MINUTE, 10.25),
        reading("tn-air-001", "pm25", BASE + 2 * MINUTE, 20),
      ]);
      await store.write([reading("tn-air-001", "pm25", BASE, 5)]);
      const result = await range({ deviceId: "tn-air-001", metric: "pm25" });
      expect(result.truncated).toBe(false);
      expect(rawPoints(result)).toEqual([
        { ts: BASE, value: 5 },
        { ts: BASE + 1 * MINUTE, value: 10.25 },
        { ts: BASE + 2 * MINUTE, value: 20 },
        { ts: BASE + 3 * MINUTE, value: 30.5 },
      ]);
    });

    it("keeps values exactly, including negatives, zero and large numbers", async () => {
      const values = [-19.75, 0, 0.1, 1e8, 1013.25, 99_999.5];
      await store.write(values.map((v, i) => reading("tn-mix-01", "temperature", BASE + i * SECOND, v)));
      const points = rawPoints(await range({ deviceId: "tn-mix-01", metric: "temperature" }));
      expect(points.map((p) => p.value)).toEqual(values);
    });

    it("treats from as inclusive and to as exclusive", async () => {
      await store.write([0, 1, 2, 3].map((i) => reading("tn-air-001", "pm10", BASE + i * SECOND, i)));
      const points = rawPoints(
        await range({ deviceId: "tn-air-001", metric: "pm10", from: BASE + SECOND, to: BASE + 3 * SECOND }),
      );
      expect(points).toEqual([
        { ts: BASE + SECOND, value: 1 },
        { ts: BASE + 2 * SECOND, value: 2 },
      ]);
      const empty = await range({
        deviceId: "tn-air-001",
        metric: "pm10",
        from: BASE + SECOND,
        to: BASE + SECOND,
      });
      expect(rawPoints(empty)).toEqual([]);
    });

    it("aggregates by step into buckets aligned to the epoch, leaving empty buckets out", async () => {
      await store.write([
        reading("tn-air-001", "no2", BASE + 10 * SECOND, 1000), // before `from`
        reading("tn-air-001", "no2", BASE + 20 * SECOND, 10),
        reading("tn-air-001", "no2", BASE + 40 * SECOND, 20),
        reading("tn-air-001", "no2", BASE + 59_999, 60),
        // nothing in the minute starting at BASE + 1 min
        reading("tn-air-001", "no2", BASE + 2 * MINUTE, 5),
        reading("tn-air-001", "no2", BASE + 2 * MINUTE + 30 * SECOND, 7),
        reading("tn-air-001", "no2", BASE + 3 * MINUTE, 2000), // at `to`
      ]);
      const points = aggregatePoints(
        await range({
          deviceId: "tn-air-001",
          metric: "no2",
          from: BASE + 15 * SECOND,
          to: BASE + 3 * MINUTE,
          step: MINUTE,
        }),
      );
      expect(points.map(({ ts, min, max, count }) => ({ ts, min, max, count }))).toEqual([
        { ts: BASE, min: 10, max: 60, count: 3 },
        { ts: BASE + 2 * MINUTE, min: 5, max: 7, count: 2 },
      ]);
      expect(points[0]?.mean).toBeCloseTo(30, 9);
      expect(points[1]?.mean).toBeCloseTo(6, 9);
    });

    it("starts buckets at multiples of a step that does not divide the day", async () => {
      const step = 7 * MINUTE;
      const times = Array.from({ length: 90 }, (_, i) => BASE + 13 * SECOND + i * 41 * SECOND);
      await store.write(times.map((ts, i) => reading("tn-wx-002", "humidity", ts, i % 100)));
      const points = aggregatePoints(await range({ deviceId: "tn-wx-002", metric: "humidity", step }));
      expect(points.length).toBeGreaterThan(3);
      const expectedBuckets = new Map<number, number>();
      for (const ts of times) {
        const bucket = Math.floor(ts / step) * step;
        expectedBuckets.set(bucket, (expectedBuckets.get(bucket) ?? 0) + 1);
      }
      expect(points.map((p) => [p.ts, p.count])).toEqual([...expectedBuckets.entries()]);
      for (const p of points) {
        expect(p.ts % step).toBe(0);
        expect(p.min).toBeLessThanOrEqual(p.mean);
        expect(p.mean).toBeLessThanOrEqual(p.max);
      }
    });

    it("replaces the value when the same device, metric and time is written again", async () => {
      const ts = BASE + 5 * MINUTE;
      await store.write([reading("tn-air-001", "o3", ts, 50)]);
      await store.write([reading("tn-air-001", "o3", ts, 55)]);
      // A redelivered message can repeat a point inside one batch too; the last one wins.
      await store.write([reading("tn-air-001", "o3", ts, 56), reading("tn-air-001", "o3", ts, 57)]);
      expect(rawPoints(await range({ deviceId: "tn-air-001", metric: "o3" }))).toEqual([{ ts, value: 57 }]);
      const buckets = aggregatePoints(await range({ deviceId: "tn-air-001", metric: "o3", step: HOUR }));
      expect(buckets.map((b) => b.count)).toEqual([1]);
      expect(await store.latest()).toEqual([{ deviceId: "tn-air-001", metric: "o3", ts, value: 57 }]);
    });

    it("keeps the newest value per device and metric, even when older readings arrive later", async () => {
      await store.write([
        reading("tn-air-001", "pm25", BASE + 1 * MINUTE, 11),
        reading("tn-air-001", "pm25", BASE + 2 * MINUTE, 12),
        reading("tn-air-001", "humidity", BASE + 1 * MINUTE, 70),
        reading("tn-wl-003", "water_level", BASE + 3 * MINUTE, 1.25),
      ]);
      // A backlog upload of older readings, and an older one after a newer one in the same batch.
      await store.write([
        reading("tn-air-001", "pm25", BASE - 1 * HOUR, 99),
        reading("tn-wl-003", "water_level", BASE + 4 * MINUTE, 1.5),
        reading("tn-wl-003", "water_level", BASE + 2 * MINUTE, 0.5),
      ]);
      expect(byDeviceAndMetric(await store.latest())).toEqual([
        { deviceId: "tn-air-001", metric: "humidity", ts: BASE + 1 * MINUTE, value: 70 },
        { deviceId: "tn-air-001", metric: "pm25", ts: BASE + 2 * MINUTE, value: 12 },
        { deviceId: "tn-wl-003", metric: "water_level", ts: BASE + 4 * MINUTE, value: 1.5 },
      ]);
      // The older readings are still stored as history.
      expect(rawPoints(await range({ deviceId: "tn-air-001", metric: "pm25" })).map((p) => p.value)).toEqual([
        99, 11, 12,
      ]);
    });

    it("filters latest by device ids", async () => {
      await store.write([
        reading("tn-air-001", "pm25", BASE, 1),
        reading("tn-air-002", "pm25", BASE, 2),
        reading("tn-air-003", "pm25", BASE, 3),
        reading("tn-air-003", "pm10", BASE, 4),
      ]);
      const some = byDeviceAndMetric(
        await store.latest({ deviceIds: ["tn-air-003", "tn-air-001", "unknown-9"] }),
      );
      expect(some).toEqual([
        { deviceId: "tn-air-001", metric: "pm25", ts: BASE, value: 1 },
        { deviceId: "tn-air-003", metric: "pm10", ts: BASE, value: 4 },
        { deviceId: "tn-air-003", metric: "pm25", ts: BASE, value: 3 },
      ]);
      expect(await store.latest({ deviceIds: ["unknown-9"] })).toEqual([]);
      expect(await store.latest({})).toHaveLength(4);
    });

    it("answers empty results for unknown devices and metrics", async () => {
      expect(await store.latest()).toEqual([]);
      await store.write([reading("tn-air-001", "pm25", BASE, 1)]);
      for (const query of [
        { deviceId: "nobody", metric: "pm25" as const },
        { deviceId: "tn-air-001", metric: "pm10" as const },
      ]) {
        const raw = await range(query);
        expect(rawPoints(raw)).toEqual([]);
        expect(raw.truncated).toBe(false);
        const aggregated = await range({ ...query, step: MINUTE });
        expect(aggregatePoints(aggregated)).toEqual([]);
        expect(aggregated.truncated).toBe(false);
      }
    });

    it("returns at most limit points and says when more exist", async () => {
      await store.write(
        Array.from({ length: 10 }, (_, i) => reading("tn-air-001", "co", BASE + i * MINUTE, i)),
      );
      const all = await range({ deviceId: "tn-air-001", metric: "co", limit: 10 });
      expect(rawPoints(all)).toHaveLength(10);
      expect(all.truncated).toBe(false);

      const first = await range({ deviceId: "tn-air-001", metric: "co", limit: 4 });
      expect(rawPoints(first).map((p) => p.value)).toEqual([0, 1, 2, 3]);
      expect(first.truncated).toBe(true);

      const buckets = await range({ deviceId: "tn-air-001", metric: "co", step: 2 * MINUTE, limit: 3 });
      expect(aggregatePoints(buckets).map((b) => b.ts)).toEqual([BASE, BASE + 2 * MINUTE, BASE + 4 * MINUTE]);
      expect(buckets.truncated).toBe(true);

      const allBuckets = await range({ deviceId: "tn-air-001", metric: "co", step: 2 * MINUTE, limit: 5 });
      expect(aggregatePoints(allBuckets)).toHaveLength(5);
      expect(allBuckets.truncated).toBe(false);
    });

    it("stores a batch of 10,000 readings across 50 devices, all readable", async () => {
      const devices = Array.from({ length: 50 }, (_, d) => `tn-fleet-${String(d).padStart(2, "0")}`);
      const batch = devices.flatMap((deviceId, d) =>
        Array.from({ length: 200 }, (_, i) =>
          reading(deviceId, "pm25", BASE + i * 30 * SECOND, (d * 7 + i) % 1000),
        ),
      );
      expect(batch).toHaveLength(10_000);
      await store.write(batch);
      for (const [d, deviceId] of devices.entries()) {
        const points = rawPoints(await range({ deviceId, metric: "pm25" }));
        expect(points, deviceId).toHaveLength(200);
        expect(points[0], deviceId).toEqual({ ts: BASE, value: (d * 7) % 1000 });
        expect(points[199], deviceId).toEqual({ ts: BASE + 199 * 30 * SECOND, value: (d * 7 + 199) % 1000 });
      }
      const latest = await store.latest();
      expect(latest).toHaveLength(50);
      for (const l of latest) expect(l.ts).toBe(BASE + 199 * 30 * SECOND);
    });

    it("never lets readings of one device or metric leak into another", async () => {
      const ids = ["st-1", "st-10", "st-1-0", "ST-1", "st_1"];
      await store.write(ids.map((id, i) => reading(id, "noise", BASE, 40 + i)));
      await store.write([reading("st-1", "rainfall", BASE, 3)]);
      for (const [i, id] of ids.entries()) {
        expect(rawPoints(await range({ deviceId: id, metric: "noise" })), id).toEqual([
          { ts: BASE, value: 40 + i },
        ]);
      }
      expect(rawPoints(await range({ deviceId: "st-1", metric: "rainfall" }))).toEqual([
        { ts: BASE, value: 3 },
      ]);
      expect(rawPoints(await range({ deviceId: "st-10", metric: "rainfall" }))).toEqual([]);
      expect(byDeviceAndMetric(await store.latest({ deviceIds: ["st-1"] }))).toEqual([
        { deviceId: "st-1", metric: "noise", ts: BASE, value: 40 },
        { deviceId: "st-1", metric: "rainfall", ts: BASE, value: 3 },
      ]);
    });

    it("accepts an empty batch", async () => {
      await store.write([]);
      expect(await store.latest()).toEqual([]);
    });

    it("keeps writes across reopening (or on the same store when it cannot reopen)", async () => {
      await store.write([
        reading("tn-air-001", "pm25", BASE, 1),
        reading("tn-air-001", "pm25", BASE + MINUTE, 2),
        reading("tn-wq-004", "ph", BASE, 7.25),
      ]);
      const again = opened.reopen ? await opened.reopen() : store;
      expect(rawPoints(await range({ deviceId: "tn-air-001", metric: "pm25" }, again))).toEqual([
        { ts: BASE, value: 1 },
        { ts: BASE + MINUTE, value: 2 },
      ]);
      expect(byDeviceAndMetric(await again.latest())).toEqual([
        { deviceId: "tn-air-001", metric: "pm25", ts: BASE + MINUTE, value: 2 },
        { deviceId: "tn-wq-004", metric: "ph", ts: BASE, value: 7.25 },
      ]);
      // Series that existed before the reopen keep working: replacement, history and latest.
      await again.write([
        reading("tn-air-001", "pm25", BASE, 10),
        reading("tn-air-001", "pm25", BASE - MINUTE, 0.5),
        reading("tn-wq-005", "ph", BASE, 6.5),
      ]);
      expect(rawPoints(await range({ deviceId: "tn-air-001", metric: "pm25" }, again))).toEqual([
        { ts: BASE - MINUTE, value: 0.5 },
        { ts: BASE, value: 10 },
        { ts: BASE + MINUTE, value: 2 },
      ]);
      expect(byDeviceAndMetric(await again.latest())).toEqual([
        { deviceId: "tn-air-001", metric: "pm25", ts: BASE + MINUTE, value: 2 },
        { deviceId: "tn-wq-004", metric: "ph", ts: BASE, value: 7.25 },
        { deviceId: "tn-wq-005", metric: "ph", ts: BASE, value: 6.5 },
      ]);
      await expect(again.ping()).resolves.toBeUndefined();
    });

    describe("observations (open data)", () => {
      const series = { deviceId: "tn-air-001", metric: "pm25" as const };
      const whole = { ...series, from: BASE - HOUR, to: BASE + HOUR };
      beforeEach(async () => {
        // Ten points a minute apart, values 0, 1.5, 3, …; a neighbour series that must not leak in.
        await store.write([
          ...Array.from({ length: 10 }, (_, i) => reading("tn-air-001", "pm25", BASE + i * MINUTE, i * 1.5)),
          reading("tn-air-001", "pm10", BASE + MINUTE, 99),
          reading("tn-air-002", "pm25", BASE + MINUTE, 98),
        ]);
      });

      it("pages through one series in either order with offset and limit", async () => {
        const asc = await store.observations({ ...whole, order: "asc", offset: 2, limit: 3 });
        expect(asc).toEqual([
          { ts: BASE + 2 * MINUTE, value: 3 },
          { ts: BASE + 3 * MINUTE, value: 4.5 },
          { ts: BASE + 4 * MINUTE, value: 6 },
        ]);
        const desc = await store.observations({ ...whole, order: "desc", offset: 0, limit: 2 });
        expect(desc).toEqual([
          { ts: BASE + 9 * MINUTE, value: 13.5 },
          { ts: BASE + 8 * MINUTE, value: 12 },
        ]);
        expect(await store.observations({ ...whole, order: "asc", offset: 10, limit: 5 })).toEqual([]);
      });

      it("keeps to the time range (from inclusive, to exclusive) and the value bounds", async () => {
        const timed = await store.observations({
          ...series,
          from: BASE + 3 * MINUTE,
          to: BASE + 5 * MINUTE,
          order: "asc",
          offset: 0,
          limit: 100,
        });
        expect(timed.map((p) => p.ts)).toEqual([BASE + 3 * MINUTE, BASE + 4 * MINUTE]);
        const inclusive = await store.observations({
          ...whole,
          min: { value: 3, inclusive: true },
          max: { value: 6, inclusive: true },
          order: "asc",
          offset: 0,
          limit: 100,
        });
        expect(inclusive.map((p) => p.value)).toEqual([3, 4.5, 6]);
        const exclusive = await store.observations({
          ...whole,
          min: { value: 3, inclusive: false },
          max: { value: 6, inclusive: false },
          order: "asc",
          offset: 0,
          limit: 100,
        });
        expect(exclusive.map((p) => p.value)).toEqual([4.5]);
        const fractional = await store.observations({
          ...whole,
          min: { value: 12.25, inclusive: true },
          order: "desc",
          offset: 0,
          limit: 100,
        });
        expect(fractional.map((p) => p.value)).toEqual([13.5]);
      });

      it("counts what a query matches, without paging", async () => {
        expect(await store.countObservations(whole)).toBe(10);
        expect(await store.countObservations({ ...whole, min: { value: 4.5, inclusive: true } })).toBe(7);
        expect(
          await store.countObservations({
            ...series,
            from: BASE,
            to: BASE + 2 * MINUTE,
            max: { value: 0, inclusive: false },
          }),
        ).toBe(0);
        expect(await store.countObservations({ ...whole, deviceId: "tn-none-001" })).toBe(0);
        expect(
          await store.observations({ ...whole, metric: "no2", order: "asc", offset: 0, limit: 5 }),
        ).toEqual([]);
      });

      it("reads device ids and metrics that cannot have been stored as empty, whatever they hold", async () => {
        for (const deviceId of ["tn-air-001' OR '1'='1", 'tn-air-001" OR 1=1 --', "tn-air-001\\", ""]) {
          const hostile = { ...whole, deviceId };
          expect(await store.countObservations(hostile)).toBe(0);
          expect(await store.observations({ ...hostile, order: "asc", offset: 0, limit: 5 })).toEqual([]);
        }
        const metric = 'pm25" FROM readings; DROP' as "pm25";
        expect(await store.countObservations({ ...whole, metric })).toBe(0);
        expect(await store.countObservations(whole)).toBe(10);
      });

      it("decides bounds far beyond any stored value without failing", async () => {
        const huge = { ...whole, min: { value: 1e300, inclusive: false } };
        expect(await store.countObservations(huge)).toBe(0);
        const below = {
          ...whole,
          min: { value: -1e300, inclusive: true },
          max: { value: 1e300, inclusive: true },
        };
        expect(await store.countObservations(below)).toBe(10);
      });
    });

    it("fails ping once closed", async () => {
      await store.close();
      await expect(store.ping()).rejects.toThrow();
    });
  });
}
