import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../devices/model/device.js";
import type { LiveAqi } from "../../kernel/api-contract.js";
import type { MetricKey } from "../../kernel/catalogue.js";
import type { Clock } from "../../kernel/clock.js";
import type { Reading } from "../../kernel/reading.js";
import type { SeriesKey } from "../../kernel/series.js";
import { DAY_MS, HOUR_MS, MINUTE_MS } from "../../kernel/time.js";
import {
  createInProcessReadingsFeed,
  type StoredReadingsFeed,
} from "../../readings/feed/stored-readings-feed.js";
import { openSqliteFixture, type SqliteFixture } from "../../test/support/sqlite-fixture.js";
import { usAqiHourly } from "../calculators/us-aqi.js";
import { vnAqiDaily, vnAqiHourly } from "../calculators/vn-aqi.js";
import { vnWqi } from "../calculators/vn-wqi.js";
import { dailyAqiInput } from "./daily-inputs.js";
import { createIndexEngine, type IndexEngine } from "./index-engine.js";
import {
  type AqiStandard,
  aqiSeriesKey,
  meanSeriesKey,
  subIndexSeriesKey,
  WQI_SERIES_KEY,
} from "./index-series.js";
import { localDayStartOf } from "./index-time.js";
import {
  type HourlyValues,
  readingsWithHourlyMeans,
  WORKED_EXAMPLE_PM25,
  workedExampleHour,
} from "./known-hourly-readings.js";

const GRACE = 2 * MINUTE_MS;
// 08:00 … 20:00 in Tây Ninh on 21 November 2026 (UTC+7).
const FIRST_HOUR = Date.UTC(2026, 10, 21, 1);
const HOURS = 13;
const hourAt = (k: number) => FIRST_HOUR + k * HOUR_MS;
const STATION = "tn-air-001";
const profile: DeviceProfile = {
  id: STATION,
  name: "Trạm không khí Phường Tân Ninh",
  kind: "air",
  area: "p-tan-ninh",
  areaName: "Phường Tân Ninh",
  lat: 11.31,
  lon: 106.1,
  metrics: ["pm25", "pm10", "o3", "no2", "so2", "co"],
};

// PM2.5 from 09:00 to 20:00 are the decision's worked example; 08:00 lies outside its NowCast.
const PM25 = WORKED_EXAMPLE_PM25;
const hourlyValues = workedExampleHour;

let now = 0;
const clock: Clock = { now: () => now };
const logger = pino({ level: "silent" });

describe("index engine on a real SQLite store", () => {
  let fixture: SqliteFixture;
  let feed: StoredReadingsFeed;
  let events: LiveAqi[];
  const engines: IndexEngine[] = [];

  beforeEach(async () => {
    now = hourAt(HOURS) + GRACE;
    fixture = await openSqliteFixture(clock, "envmon-indices-");
    await fixture.registry.register([profile]);
    feed = createInProcessReadingsFeed((_channel, error) => {
      throw error;
    });
    events = [];
  });

  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.stop();
    await fixture.close();
  });

  async function startEngine(standard: AqiStandard = "vn"): Promise<IndexEngine> {
    const engine = createIndexEngine(
      { standard, graceMs: GRACE, tickMs: HOUR_MS },
      {
        store: fixture.store,
        areaOf: (station) => fixture.registry.areaOf(station),
        wqiSettingsOf: async (station) => (await fixture.registry.get(station))?.wqiSettings ?? null,
        clock,
        logger,
        onAqi: (event) => events.push(event),
      },
    );
    engines.push(engine);
    feed.subscribe((readings) => engine.acceptStored(readings));
    await engine.start();
    return engine;
  }

  /** Stores readings as the ingest does: durable first, then announced on the feed. */
  async function ingest(readings: readonly Reading[], announce = true): Promise<void> {
    await fixture.store.write(readings);
    if (announce) feed.publish(readings);
  }

  async function series(metric: SeriesKey, from: number, to: number, station = STATION) {
    const result = await fixture.store.range({ deviceId: station, metric, from, to, limit: 10_000 });
    return new Map(result.points.map((p) => [p.ts, "value" in p ? p.value : p.mean]));
  }

  /** The calculator's hourly input for hour k from the hourly means the test knows. */
  function expectedHourlyInput(means: Map<number, HourlyValues>, hour: number) {
    const pm = (metric: "pm25" | "pm10") =>
      Array.from({ length: 12 }, (_, i) => means.get(hour - i * HOUR_MS)?.[metric] ?? null);
    const gas = (metric: "o3" | "no2" | "so2" | "co") => means.get(hour)?.[metric] ?? null;
    return {
      pm25: pm("pm25"),
      pm10: pm("pm10"),
      o3: gas("o3"),
      no2: gas("no2"),
      so2: gas("so2"),
      co: gas("co"),
    };
  }

  it("stores the hourly means and the hourly AQI the calculator gives for them, and announces each", async () => {
    const engine = await startEngine();
    const means = new Map<number, HourlyValues>();
    for (let k = 0; k < HOURS; k++) {
      means.set(hourAt(k), hourlyValues(k));
      await ingest(readingsWithHourlyMeans(STATION, hourAt(k), hourlyValues(k)));
    }
    const summary = await engine.runOnce();
    expect(summary).toMatchObject({ stations: 1, hourlyMeans: HOURS * 6, failedStations: 0 });

    const pm25Means = await series(meanSeriesKey("pm25"), hourAt(0), hourAt(HOURS));
    expect([...pm25Means.keys()]).toEqual(Array.from({ length: HOURS }, (_, k) => hourAt(k)));
    for (let k = 0; k < HOURS; k++) expect(pm25Means.get(hourAt(k))).toBeCloseTo(PM25[k] as number, 9);

    const stored = await series(aqiSeriesKey("vn", "hour"), hourAt(0), hourAt(HOURS));
    const expected = new Map<number, number>();
    for (let k = 0; k < HOURS; k++) {
      const outcome = vnAqiHourly(expectedHourlyInput(means, hourAt(k)));
      if (outcome.status === "ok") expected.set(hourAt(k), outcome.aqi);
    }
    // The first hour has no NowCast (only c1), every later one has.
    expect([...expected.keys()]).toHaveLength(HOURS - 1);
    expect(stored).toEqual(expected);
    // The decision's worked example, by hand: NowCast ≈ 20.3 → 41, O3 136.1 → 43, NO2 118.7 → 59.35 → 59.
    expect(stored.get(hourAt(12))).toBe(59);
    const no2Sub = await series(subIndexSeriesKey("vn", "hour", "no2"), hourAt(12), hourAt(13));
    const pm25Sub = await series(subIndexSeriesKey("vn", "hour", "pm25"), hourAt(12), hourAt(13));
    const o3Sub = await series(subIndexSeriesKey("vn", "hour", "o3_1h"), hourAt(12), hourAt(13));
    expect([no2Sub.get(hourAt(12)), pm25Sub.get(hourAt(12)), o3Sub.get(hourAt(12))]).toEqual([59, 41, 43]);

    expect(events).toHaveLength(HOURS - 1);
    expect(events.at(-1)).toEqual({
      station: STATION,
      area: "p-tan-ninh",
      period: "hour",
      ts: new Date(hourAt(12)).toISOString(),
      aqi: 59,
      category: { key: "moderate", vi: "Trung bình", en: "Moderate", rgb: [255, 255, 0] },
      dominant: "no2",
    });
    // Nothing is due any more: a second pass does nothing and announces nothing.
    expect(await engine.runOnce()).toMatchObject({ stations: 0 });
    expect(events).toHaveLength(HOURS - 1);
  });

  it("leaves out an hour that fails the completeness rule", async () => {
    const engine = await startEngine();
    const means = new Map<number, HourlyValues>();
    for (let k = 0; k < HOURS; k++) {
      // At 12:00 (k = 4) NO2 reaches only two quarter-hours: no NO2 mean for that hour.
      const { no2, ...rest } = hourlyValues(k);
      await ingest(readingsWithHourlyMeans(STATION, hourAt(k), rest));
      await ingest(readingsWithHourlyMeans(STATION, hourAt(k), { no2 }, k === 4 ? { quarters: [0, 3] } : {}));
      means.set(hourAt(k), k === 4 ? rest : hourlyValues(k));
    }
    await engine.runOnce();
    const no2Means = await series(meanSeriesKey("no2"), hourAt(0), hourAt(HOURS));
    expect(no2Means.has(hourAt(4))).toBe(false);
    expect(no2Means.size).toBe(HOURS - 1);
    const no2Sub = await series(subIndexSeriesKey("vn", "hour", "no2"), hourAt(0), hourAt(HOURS));
    expect(no2Sub.has(hourAt(4))).toBe(false);
    const stored = await series(aqiSeriesKey("vn", "hour"), hourAt(0), hourAt(HOURS));
    const outcome = vnAqiHourly(expectedHourlyInput(means, hourAt(4)));
    expect(outcome.status === "ok" && stored.get(hourAt(4)) === outcome.aqi).toBe(true);
  });

  it("recomputes an hour, and the NowCast hours after it, when late readings arrive", async () => {
    const engine = await startEngine();
    const means = new Map<number, HourlyValues>();
    for (let k = 0; k < HOURS; k++) {
      means.set(hourAt(k), hourlyValues(k));
      await ingest(readingsWithHourlyMeans(STATION, hourAt(k), hourlyValues(k)));
    }
    await engine.runOnce();
    const before = await series(aqiSeriesKey("vn", "hour"), hourAt(0), hourAt(HOURS));
    events.length = 0;

    // A late upload replaces the PM2.5 readings of 15:00 (k = 7) with much higher ones
    // (before 21:00 closes, so no new hour is due besides the recomputed ones).
    now += 10 * MINUTE_MS;
    const late = { pm25: 180 };
    await ingest(readingsWithHourlyMeans(STATION, hourAt(7), late));
    means.set(hourAt(7), { ...hourlyValues(7), ...late });
    const summary = await engine.runOnce();
    expect(summary).toMatchObject({ hourlyMeans: 6, failedStations: 0 });
    expect((await series(meanSeriesKey("pm25"), hourAt(7), hourAt(8))).get(hourAt(7))).toBeCloseTo(180, 9);

    const after = await series(aqiSeriesKey("vn", "hour"), hourAt(0), hourAt(HOURS));
    for (let k = 1; k < HOURS; k++) {
      const outcome = vnAqiHourly(expectedHourlyInput(means, hourAt(k)));
      expect(outcome.status === "ok" ? outcome.aqi : undefined, `hour ${k}`).toBe(after.get(hourAt(k)));
    }
    // Hours before the late one are untouched; 15:00 and after changed and were announced again.
    for (let k = 1; k < 7; k++) expect(after.get(hourAt(k))).toBe(before.get(hourAt(k)));
    const changed = [...after].filter(([ts, aqi]) => before.get(ts) !== aqi).map(([ts]) => ts);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((ts) => ts >= hourAt(7))).toBe(true);
    expect(events.map((e) => Date.parse(e.ts))).toEqual(changed);
  });

  it("gives an hour without readings its AQI once it closes, when the hours before allow a NowCast", async () => {
    const engine = await startEngine();
    for (let k = 0; k < HOURS; k++)
      await ingest(readingsWithHourlyMeans(STATION, hourAt(k), hourlyValues(k)));
    await engine.runOnce();
    now = hourAt(HOURS + 1) + GRACE; // the hour after the last readings has closed
    await engine.runOnce();
    const stored = await series(aqiSeriesKey("vn", "hour"), hourAt(HOURS), hourAt(HOURS + 1));
    const means = new Map(Array.from({ length: HOURS }, (_, k) => [hourAt(k), hourlyValues(k)] as const));
    const outcome = vnAqiHourly(expectedHourlyInput(means, hourAt(HOURS)));
    expect(outcome.status).toBe("ok");
    expect(stored.get(hourAt(HOURS))).toBe(outcome.status === "ok" ? outcome.aqi : undefined);
  });

  it("after a restart, computes the hours a stopped engine left undone", async () => {
    const first = await startEngine();
    for (let k = 0; k < 6; k++) await ingest(readingsWithHourlyMeans(STATION, hourAt(k), hourlyValues(k)));
    now = hourAt(6) + GRACE;
    await first.runOnce();
    await first.stop();
    // Stored while no engine listened (a restart, or an API process that was down).
    for (let k = 6; k < HOURS; k++) {
      await ingest(readingsWithHourlyMeans(STATION, hourAt(k), hourlyValues(k)), false);
    }
    now = hourAt(HOURS) + GRACE;
    const second = await startEngine();
    await second.runOnce();
    const stored = await series(aqiSeriesKey("vn", "hour"), hourAt(0), hourAt(HOURS));
    const means = new Map(Array.from({ length: HOURS }, (_, k) => [hourAt(k), hourlyValues(k)] as const));
    for (let k = 1; k < HOURS; k++) {
      const outcome = vnAqiHourly(expectedHourlyInput(means, hourAt(k)));
      expect(stored.get(hourAt(k)), `hour ${k}`).toBe(outcome.status === "ok" ? outcome.aqi : undefined);
    }
  });

  it("on a database no engine has seen, catches up the hours up to the newest reading with their NowCast inputs", async () => {
    // 20 hours stored before any engine ran: 01:00 … 20:00 local.
    const start = FIRST_HOUR - 7 * HOUR_MS;
    const means = new Map<number, HourlyValues>();
    for (let k = 0; k < 20; k++) {
      const values = { pm25: 20 + k, pm10: 50 + 2 * k };
      means.set(start + k * HOUR_MS, values);
      await ingest(readingsWithHourlyMeans(STATION, start + k * HOUR_MS, values), false);
    }
    const engine = await startEngine();
    await engine.runOnce();
    // The last 3 hours and the 11 before them (whose means the NowCasts read) are computed.
    const stored = await series(aqiSeriesKey("vn", "hour"), start, start + 20 * HOUR_MS);
    const computed = Array.from({ length: 14 }, (_, i) => start + (6 + i) * HOUR_MS);
    // The first of them has no NowCast: the hour before it has no stored mean.
    expect([...stored.keys()]).toEqual(computed.slice(1));
    // The last 3 have their full NowCast; the earlier ones see only the means computed now.
    const computedMeans = new Map(computed.map((hour) => [hour, means.get(hour) as HourlyValues]));
    for (const [i, hour] of computed.entries()) {
      const outcome = vnAqiHourly(expectedHourlyInput(i >= 11 ? means : computedMeans, hour));
      expect(stored.get(hour), `hour ${i}`).toBe(outcome.status === "ok" ? outcome.aqi : undefined);
    }
  });

  it("computes the daily AQI of a closed local day from its hourly means", async () => {
    const engine = await startEngine();
    const day = localDayStartOf(FIRST_HOUR);
    const dayValues = (i: number): HourlyValues => ({
      pm25: 40 + (i % 7) * 3,
      pm10: 60 + i,
      o3: i >= 11 && i <= 16 ? 150 + i : 70,
      no2: i === 18 ? 130.8 : 50,
      so2: 30,
      co: 4000,
    });
    // 21 of 24 hours (enough for the 24 h mean); 03:00–05:00 local missing.
    const present = Array.from({ length: 24 }, (_, i) => i).filter((i) => i < 3 || i > 5);
    for (const i of present) await ingest(readingsWithHourlyMeans(STATION, day + i * HOUR_MS, dayValues(i)));
    now = day + DAY_MS + GRACE - 1;
    await engine.runOnce();
    expect((await series(aqiSeriesKey("vn", "day"), day, day + DAY_MS)).size).toBe(0);
    now = day + DAY_MS + GRACE;
    expect(await engine.runOnce()).toMatchObject({ dailyAqi: 1 });

    const hourly = (metric: MetricKey) =>
      Array.from({ length: 24 }, (_, i) => (present.includes(i) ? (dayValues(i)[metric] as number) : null));
    const outcome = vnAqiDaily(
      dailyAqiInput({
        pm25: hourly("pm25"),
        pm10: hourly("pm10"),
        o3: hourly("o3"),
        no2: hourly("no2"),
        so2: hourly("so2"),
        co: hourly("co"),
      }),
    );
    if (outcome.status !== "ok") throw new Error(outcome.reason);
    const stored = await series(aqiSeriesKey("vn", "day"), day, day + DAY_MS);
    expect([...stored]).toEqual([[day, outcome.aqi]]);
    const o3_8h = await series(subIndexSeriesKey("vn", "day", "o3_8h"), day, day + DAY_MS);
    expect(o3_8h.get(day)).toBe(outcome.subIndices.o3_8h);
    expect(events.filter((e) => e.period === "day")).toEqual([
      expect.objectContaining({ station: STATION, ts: new Date(day).toISOString(), aqi: outcome.aqi }),
    ]);
  });

  it("computes the hourly WQI of a water-quality station, with the water temperature for DO", async () => {
    const engine = await startEngine();
    const water = "la-wq-002";
    const values = {
      ph: 7.2,
      do: 6.1,
      temperature: 29.5,
      bod5: 5,
      cod: 14,
      nh4: 0.4,
      po4: 0.15,
      coliform: 3000,
    };
    await ingest(readingsWithHourlyMeans(water, hourAt(3), values));
    await engine.runOnce();
    const outcome = vnWqi(values);
    if (outcome.status !== "ok") throw new Error(outcome.reason);
    const stored = await series(WQI_SERIES_KEY, hourAt(0), hourAt(HOURS), water);
    expect([...stored]).toEqual([[hourAt(3), outcome.wqi]]);
    expect(
      (await series(meanSeriesKey("temperature"), hourAt(3), hourAt(4), water)).get(hourAt(3)),
    ).toBeCloseTo(29.5, 9);
  });

  it("uses a station's VN_WQI settings: heavy metals by Table 2, formula 5, required groups", async () => {
    const metalRiver = {
      ...profile,
      id: "tn-wq-metal-1",
      kind: "water_quality" as const,
      metrics: ["ph", "bod5", "cod", "nh4", "coliform", "as", "cd"] as DeviceProfile["metrics"],
      wqiSettings: { weighted: true, requiredGroups: ["III" as const] },
    };
    const pesticideLake = {
      ...metalRiver,
      id: "tn-wq-pest-1",
      wqiSettings: { weighted: false, requiredGroups: ["II" as const] },
    };
    await fixture.registry.register([metalRiver, pesticideLake]);
    const engine = await startEngine();
    const values = { ph: 7, as: 0.02, cd: 0.004, bod5: 5, cod: 12.5, nh4: 0.45, coliform: 6250 };
    await ingest(readingsWithHourlyMeans(metalRiver.id, hourAt(3), values));
    await ingest(readingsWithHourlyMeans(pesticideLake.id, hourAt(3), values));
    await engine.runOnce();
    // III: √(75·100) = 86.60; IV 79.17; V 62.5; formula 5: 0.8660 × ∛(79.17² × 62.5) = 63.36 → 63.
    const river = await series(WQI_SERIES_KEY, hourAt(0), hourAt(HOURS), metalRiver.id);
    expect([...river]).toEqual([[hourAt(3), 63]]);
    // The lake requires pesticides (group II), which were not measured: no WQI.
    expect((await series(WQI_SERIES_KEY, hourAt(0), hourAt(HOURS), pesticideLake.id)).size).toBe(0);
  });

  it("with AQI_STANDARD=us stores the US AQI of the same hours", async () => {
    const engine = await startEngine("us");
    const means = new Map<number, HourlyValues>();
    for (let k = 0; k < HOURS; k++) {
      means.set(hourAt(k), hourlyValues(k));
      await ingest(readingsWithHourlyMeans(STATION, hourAt(k), hourlyValues(k)));
    }
    await engine.runOnce();
    const stored = await series(aqiSeriesKey("us", "hour"), hourAt(0), hourAt(HOURS));
    expect(stored.size).toBe(HOURS - 1);
    for (const [ts, aqi] of stored) {
      const { pm25, pm10 } = expectedHourlyInput(means, ts);
      const outcome = usAqiHourly({ pm25, pm10 });
      expect(outcome.status === "ok" ? outcome.aqi : undefined).toBe(aqi);
    }
    expect((await series(aqiSeriesKey("vn", "hour"), hourAt(0), hourAt(HOURS))).size).toBe(0);
  });
});
