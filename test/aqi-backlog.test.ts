/**
 * End to end: a station that was offline uploads 12 hours of backlog over MQTT; the real service
 * computes the hourly means and the hourly VN_AQI of those hours on its next index pass, serves
 * them on /api/v1/aqi and pushes them live as `aqi` events.
 */
import { rmSync } from "node:fs";
import { connectAsync, type MqttClient } from "mqtt";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { vnAqiHourly } from "../indices/calculators/vn-aqi.js";
import { hourStartOf } from "../indices/engine/index-time.js";
import { readingsWithHourlyMeans, workedExampleHour } from "../indices/engine/known-hourly-readings.js";
import { aqiLatestResponseSchema, aqiSeriesResponseSchema, type LiveAqi } from "../kernel/api-contract.js";
import { HOUR_MS } from "../kernel/time.js";
import { getJson } from "./support/http-json.js";
import { pollUntil } from "./support/poll.js";
import {
  deviceMqttOptions,
  type ServiceProcess,
  startServiceProcess,
  TEST_AREA,
} from "./support/service-process.js";

const TEST_TIMEOUT_MS = 90_000;
const STATION = "e2e-aqi-backlog";
const HOURS = 13;

// Hour 0 only feeds hour 1's NowCast and has none itself (a NowCast needs 2 of its 3 latest hours).
const hourlyValues = workedExampleHour;

describe("hourly AQI from a backlog upload", () => {
  let service: ServiceProcess | undefined;
  let client: MqttClient | undefined;
  let socket: Socket | undefined;

  const running = (): ServiceProcess => {
    if (!service) throw new Error("service not started");
    return service;
  };

  beforeAll(async () => {
    service = await startServiceProcess({ env: { DEMO: "0", INDEX_TICK_MS: "500", INDEX_GRACE_MS: "0" } });
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    socket?.close();
    await client?.endAsync(true);
    if (service) {
      const code = await service.stop();
      rmSync(service.dataDir, { recursive: true, force: true });
      expect(code, service.output()).toBe(0);
    }
  }, TEST_TIMEOUT_MS);

  it(
    "stores, serves and pushes the hourly AQI the calculator gives for the uploaded hours",
    async () => {
      const { httpUrl, mqttUrl } = running();
      // A station is registered (with its commune) before the broker lets it in.
      const secret = await running().registerDevice({
        id: STATION,
        metrics: ["pm25", "pm10", "o3", "no2", "so2", "co"],
      });
      const headers = await running().authHeaders();
      socket = io(`${httpUrl}/ops`, {
        transports: ["websocket"],
        reconnection: false,
        auth: await running().socketAuth(),
      });
      const events: LiveAqi[] = [];
      socket.on("aqi", (event: LiveAqi) => events.push(event));
      expect(await socket.timeout(15_000).emitWithAck("subscribe", { devices: [STATION] })).toEqual({
        ok: true,
      });

      // The 13 hours before the current one, a reading every 5 minutes, uploaded in two messages.
      const currentHour = hourStartOf(Date.now());
      const hourAt = (k: number) => currentHour - (HOURS - k) * HOUR_MS;
      const entries = new Map<number, Record<string, number>>();
      for (let k = 0; k < HOURS; k++) {
        for (const r of readingsWithHourlyMeans(STATION, hourAt(k), hourlyValues(k))) {
          const values = entries.get(r.ts) ?? {};
          values[r.metric] = r.value;
          entries.set(r.ts, values);
        }
      }
      const backlog = [...entries].map(([ts, values]) => ({ ts, values }));
      expect(backlog).toHaveLength(HOURS * 12);
      client = await connectAsync(mqttUrl, { ...deviceMqttOptions(STATION, secret), protocolVersion: 4 });
      const half = Math.ceil(backlog.length / 2);
      for (const part of [backlog.slice(0, half), backlog.slice(half)]) {
        await client.publishAsync(`sensors/${STATION}/readings`, JSON.stringify(part), { qos: 1 });
      }

      // What the calculator gives for the known hourly means.
      const expected = new Map<string, number>();
      for (let k = 0; k < HOURS; k++) {
        const pm = (metric: "pm25" | "pm10") =>
          Array.from({ length: 12 }, (_, i) => (k - i >= 0 ? (hourlyValues(k - i)[metric] as number) : null));
        const gas = hourlyValues(k);
        const outcome = vnAqiHourly({
          pm25: pm("pm25"),
          pm10: pm("pm10"),
          o3: gas.o3 ?? null,
          no2: gas.no2 ?? null,
          so2: gas.so2 ?? null,
          co: gas.co ?? null,
        });
        if (outcome.status === "ok") expected.set(new Date(hourAt(k)).toISOString(), outcome.aqi);
      }
      expect(expected.size).toBe(12);
      // By hand: hour 1's PM2.5 NowCast of 26.9 and 30 is 28.37 µg/m³ → sub-index 56.7 → 57 (the
      // largest); hour 12 is the decision's example: NO2 118.7 → 59.35 → 59.
      expect(expected.get(new Date(hourAt(1)).toISOString())).toBe(57);
      expect(expected.get(new Date(hourAt(12)).toISOString())).toBe(59);

      const url = `${httpUrl}/api/v1/aqi?station=${STATION}&period=hour&from=${hourAt(0)}&to=${currentHour}`;
      const series = await pollUntil(
        "the 12 hourly AQIs of the backlog",
        async () => {
          const { status, body } = await getJson(url, headers);
          if (status !== 200) return undefined;
          const parsed = aqiSeriesResponseSchema.parse(body);
          return parsed.points.length >= expected.size ? parsed : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(new Map(series.points.map((p) => [p.ts, p.aqi]))).toEqual(expected);
      const last = series.points.at(-1);
      expect(last).toMatchObject({
        ts: new Date(hourAt(12)).toISOString(),
        aqi: 59,
        dominant: "no2",
        subIndices: { pm25: 41, o3_1h: 43, no2: 59 },
      });
      expect(last?.category).toEqual({
        key: "moderate",
        vi: "Trung bình",
        en: "Moderate",
        rgb: [255, 255, 0],
      });

      const latest = aqiLatestResponseSchema.parse(
        (await getJson(`${httpUrl}/api/v1/public/aqi/latest`)).body,
      );
      expect(latest.stations.find((s) => s.station === STATION)).toMatchObject({ aqi: 59, dominant: "no2" });

      // Pushed live: one `aqi` event per hour, as each was stored.
      await pollUntil("an aqi event per hour", () => (events.length >= expected.size ? true : undefined));
      // (Should the clock pass into the next hour meanwhile, the current hour gets its AQI too.)
      const hourly = events.filter((e) => e.period === "hour" && Date.parse(e.ts) < currentHour);
      expect(new Map(hourly.map((e) => [e.ts, e.aqi]))).toEqual(expected);
      expect(hourly.every((e) => e.station === STATION && e.area === TEST_AREA.code)).toBe(true);

      // And counted for the operators' monitoring.
      const metrics = await (
        await fetch(`${httpUrl}/metrics`, { headers: running().metricsHeaders() })
      ).text();
      const computed = Number(
        /envmon_index_values_computed_total\{kind="hourly_aqi"\} (\d+)/.exec(metrics)?.[1],
      );
      expect(computed).toBeGreaterThanOrEqual(expected.size);
    },
    TEST_TIMEOUT_MS,
  );
});
