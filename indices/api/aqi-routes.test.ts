import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../devices/model/device.js";
import {
  aqiLatestResponseSchema,
  aqiSeriesResponseSchema,
  errorResponseSchema,
} from "../../kernel/api-contract.js";
import type { Clock } from "../../kernel/clock.js";
import type { SeriesPoint } from "../../kernel/series.js";
import { type ApiUnderTest, openApiUnderTest } from "../../test/support/api-under-test.js";
import { usAqiCategory } from "../calculators/us-aqi.js";
import { vnAqiAdvice, vnAqiCategory } from "../calculators/vn-aqi.js";
import { type AqiStandard, aqiSeriesKey, subIndexSeriesKey } from "../engine/index-series.js";
import { localDayStartOf } from "../engine/index-time.js";

const NOW = Date.UTC(2026, 10, 21, 8, 20);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const THIS_HOUR = Date.UTC(2026, 10, 21, 8);
const TODAY = localDayStartOf(NOW);
const iso = (ms: number) => new Date(ms).toISOString();
const clock: Clock = { now: () => NOW };

const station = (id: string, area: string, areaName: string): DeviceProfile => ({
  id,
  name: `Trạm không khí ${areaName}`,
  kind: "air",
  area,
  areaName,
  lat: 11.3,
  lon: 106.1,
  metrics: ["pm25", "pm10", "o3", "no2"],
});
const tanNinh = station("tn-air-001", "tan-ninh", "Phường Tân Ninh");
const tanAn = station("la-air-002", "tan-an", "Phường Tân An");
const quiet = station("tn-air-003", "tan-ninh", "Phường Tân Ninh");

/** An AQI with its sub-indices as the engine stores them. */
function aqiPoints(
  standard: AqiStandard,
  period: "hour" | "day",
  deviceId: string,
  ts: number,
  subIndices: Record<string, number>,
): SeriesPoint[] {
  const aqi = Math.max(...Object.values(subIndices));
  return [
    { deviceId, metric: aqiSeriesKey(standard, period), ts, value: aqi },
    ...Object.entries(subIndices).map(([key, value]) => ({
      deviceId,
      metric: subIndexSeriesKey(standard, period, key),
      ts,
      value,
    })),
  ];
}

// tn-air-001: 30 hours up to the last closed one; PM2.5 leads except where noted.
const hourly = (k: number): Record<string, number> => {
  if (k === 2) return { pm25: 80, pm10: 40, no2: 80 }; // a tie: particulates win
  if (k === 3) return { pm25: 45, pm10: 40, o3_1h: 120 }; // ozone leads
  return { pm25: 40 + k, pm10: 30, o3_1h: 20, no2: 35 };
};
const HOURS_BACK = 30;
const hourTs = (k: number) => THIS_HOUR - (k + 1) * HOUR; // k = 0 is the last closed hour

/** Residents' copies need no login; the others are read with a viewer's token. */
const isPublic = (url: string) => url.startsWith("/api/v1/public/");

describe("AQI API (Fastify inject, real SQLite)", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let viewer: Record<string, string>;
  let usApp: FastifyInstance;

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-aqi-api-");
    const { fixture } = api;
    await fixture.registry.register([tanNinh, tanAn, quiet]);
    const points: SeriesPoint[] = [];
    for (let k = 0; k < HOURS_BACK; k++)
      points.push(...aqiPoints("vn", "hour", tanNinh.id, hourTs(k), hourly(k)));
    points.push(...aqiPoints("vn", "hour", tanAn.id, hourTs(4), { pm25: 120, pm10: 160 }));
    // Sub-index series of an older hour must not leak into the newest one.
    points.push(...aqiPoints("vn", "hour", tanAn.id, hourTs(9), { pm25: 50, o3_1h: 70 }));
    for (const daysBack of [1, 2, 40]) {
      points.push(
        ...aqiPoints("vn", "day", tanNinh.id, TODAY - daysBack * DAY, { pm25: 60 + daysBack, o3_8h: 30 }),
      );
    }
    points.push(...aqiPoints("us", "hour", tanNinh.id, hourTs(0), { pm25: 120, pm10: 55 }));
    await fixture.store.write(points);
    app = await api.server();
    usApp = await api.server({ aqiStandard: "us" });
    viewer = await api.headersFor("viewer");
  });

  afterAll(async () => {
    await api?.close();
  });

  const get = async (url: string, on = app) => {
    const response = await on.inject({ method: "GET", url, headers: isPublic(url) ? {} : viewer });
    return { status: response.statusCode, body: response.json() as unknown };
  };

  it("serves the last 24 hours of hourly AQI by default, rebuilding category and dominant pollutant", async () => {
    const { status, body } = await get(`/api/v1/aqi?station=${tanNinh.id}`);
    expect(status).toBe(200);
    const parsed = aqiSeriesResponseSchema.parse(body);
    expect(parsed).toMatchObject({
      station: tanNinh.id,
      period: "hour",
      standard: "vn_aqi",
      from: iso(NOW - DAY),
      to: iso(NOW),
    });
    // Hours starting at or after NOW − 24 h: the 23 most recent closed hours.
    expect(parsed.points.map((p) => p.ts)).toEqual(Array.from({ length: 23 }, (_, i) => iso(hourTs(22 - i))));
    const last = parsed.points.at(-1);
    expect(last).toEqual({
      ts: iso(hourTs(0)),
      aqi: 40,
      category: { ...vnAqiCategory(40), rgb: [...vnAqiCategory(40).rgb] },
      dominant: "pm25",
      subIndices: { pm25: 40, pm10: 30, o3_1h: 20, no2: 35 },
    });
    const byTs = new Map(parsed.points.map((p) => [p.ts, p]));
    expect(byTs.get(iso(hourTs(2)))).toMatchObject({ aqi: 80, dominant: "pm25" });
    expect(byTs.get(iso(hourTs(2)))?.category.key).toBe("moderate");
    expect(byTs.get(iso(hourTs(3)))).toMatchObject({ aqi: 120, dominant: "o3" });
    expect(byTs.get(iso(hourTs(3)))?.category).toMatchObject({ key: "poor", vi: "Kém", rgb: [255, 126, 0] });
  });

  it("serves a chosen span, and daily AQI stamped at the local day's start (last 30 days by default)", async () => {
    const span = await get(
      `/api/v1/aqi?station=${tanNinh.id}&period=hour&from=${hourTs(29)}&to=${iso(hourTs(26))}`,
    );
    expect(span.status).toBe(200);
    expect(aqiSeriesResponseSchema.parse(span.body).points.map((p) => p.ts)).toEqual(
      [29, 28, 27].map((k) => iso(hourTs(k))),
    );

    const daily = await get(`/api/v1/aqi?station=${tanNinh.id}&period=day`);
    expect(daily.status).toBe(200);
    const parsed = aqiSeriesResponseSchema.parse(daily.body);
    expect(parsed.period).toBe("day");
    expect(parsed.from).toBe(iso(NOW - 30 * DAY));
    // 17:00 UTC is midnight in Tây Ninh; the day 40 days back is outside the default window.
    expect(parsed.points.map((p) => [p.ts, p.aqi, p.dominant])).toEqual([
      [iso(TODAY - 2 * DAY), 62, "pm25"],
      [iso(TODAY - DAY), 61, "pm25"],
    ]);
    expect(parsed.points[0]?.ts.endsWith("T17:00:00.000Z")).toBe(true);
    expect(parsed.points[0]?.subIndices).toEqual({ pm25: 62, o3_8h: 30 });
  });

  it("answers an empty series for a known station without AQI, 404 for an unknown one", async () => {
    const empty = await get(`/api/v1/aqi?station=${quiet.id}`);
    expect(empty.status).toBe(200);
    expect(aqiSeriesResponseSchema.parse(empty.body).points).toEqual([]);
    const unknown = await get("/api/v1/aqi?station=nobody-here");
    expect(unknown.status).toBe(404);
    expect(errorResponseSchema.parse(unknown.body).message).toContain("nobody-here");
  });

  it("lists each station's newest hourly AQI with place, category, dominant pollutant and advice", async () => {
    const { status, body } = await get("/api/v1/aqi/latest");
    expect(status).toBe(200);
    const parsed = aqiLatestResponseSchema.parse(body);
    expect(parsed.standard).toBe("vn_aqi");
    expect(parsed.stations.map((s) => s.station)).toEqual([tanAn.id, tanNinh.id]);
    const [first, second] = parsed.stations;
    expect(first).toEqual({
      station: tanAn.id,
      name: tanAn.name,
      area: "tan-an",
      areaName: "Phường Tân An",
      lat: 11.3,
      lon: 106.1,
      ts: iso(hourTs(4)),
      aqi: 160,
      category: { ...vnAqiCategory(160), rgb: [...vnAqiCategory(160).rgb] },
      dominant: "pm10",
      subIndices: { pm25: 120, pm10: 160 },
      advice: vnAqiAdvice(160),
    });
    expect(first?.category.vi).toBe("Xấu");
    expect(second).toMatchObject({ station: tanNinh.id, ts: iso(hourTs(0)), aqi: 40, dominant: "pm25" });
    expect(second?.advice.general.vi.length).toBeGreaterThan(0);
  });

  it("names the air stations still waiting for their first AQI and about when it comes", async () => {
    const timed = await api.server({ indexTiming: { graceMs: 120_000, tickMs: 30_000 } });
    // tn-air-003 started at 08:05 UTC: 08:00–09:00 is complete, 09:00–10:00 gives the NowCast its
    // second hour, computed at 10:02 and picked up by the next tick.
    const started = THIS_HOUR + 5 * 60_000;
    await api.fixture.store.write(
      [0, 5, 10, 15].map((m) => ({
        deviceId: quiet.id,
        metric: "pm25",
        ts: started + m * 60_000,
        value: 30,
      })),
    );
    const response = await timed.inject({ method: "GET", url: "/api/v1/public/aqi/latest?area=tan-ninh" });
    const parsed = aqiLatestResponseSchema.parse(response.json());
    expect(parsed.stations.map((s) => s.station)).toEqual([tanNinh.id]);
    expect(parsed.pending).toEqual([
      {
        station: quiet.id,
        name: quiet.name,
        area: "tan-ninh",
        areaName: "Phường Tân Ninh",
        lat: 11.3,
        lon: 106.1,
        since: iso(started),
        expectedAt: iso(THIS_HOUR + 2 * HOUR + 150_000),
      },
    ]);
    // A station that has never reported has no time to promise.
    await api.fixture.registry.register([station("tn-air-004", "tan-an", "Phường Tân An")]);
    const tanAnPending = aqiLatestResponseSchema.parse(
      (await timed.inject({ method: "GET", url: "/api/v1/public/aqi/latest?area=tan-an" })).json(),
    ).pending;
    expect(tanAnPending).toMatchObject([{ station: "tn-air-004", since: null, expectedAt: null }]);
  });

  it("filters the latest AQI by area, and the public copy for residents answers the same", async () => {
    const inArea = aqiLatestResponseSchema.parse((await get("/api/v1/aqi/latest?area=tan-ninh")).body);
    expect(inArea.stations.map((s) => s.station)).toEqual([tanNinh.id]);
    const none = aqiLatestResponseSchema.parse((await get("/api/v1/aqi/latest?area=nowhere")).body);
    expect(none.stations).toEqual([]);
    for (const query of ["", "?area=tan-an"]) {
      const operators = await get(`/api/v1/aqi/latest${query}`);
      const residents = await get(`/api/v1/public/aqi/latest${query}`);
      expect(residents).toEqual(operators);
    }
  });

  it("serves the US AQI with EPA categories when AQI_STANDARD=us", async () => {
    const latest = aqiLatestResponseSchema.parse((await get("/api/v1/aqi/latest", usApp)).body);
    expect(latest.standard).toBe("us_aqi");
    expect(latest.stations).toHaveLength(1);
    expect(latest.stations[0]).toMatchObject({ station: tanNinh.id, aqi: 120, dominant: "pm25" });
    expect(latest.stations[0]?.category.key).toBe(usAqiCategory(120).key);
    expect(latest.stations[0]?.category.en).toBe("Unhealthy for Sensitive Groups");
    const series = aqiSeriesResponseSchema.parse(
      (await get(`/api/v1/aqi?station=${tanNinh.id}`, usApp)).body,
    );
    expect(series.standard).toBe("us_aqi");
    expect(series.points.map((p) => p.aqi)).toEqual([120]);
  });

  it.each([
    ["no station", "/api/v1/aqi"],
    ["an invalid station id", "/api/v1/aqi?station=bad%20id!"],
    ["an unknown period", `/api/v1/aqi?station=${tanNinh.id}&period=week`],
    ["a time that is not a time", `/api/v1/aqi?station=${tanNinh.id}&from=yesterday`],
    ["an ISO time without offset", `/api/v1/aqi?station=${tanNinh.id}&from=2026-11-20T08:00:00`],
    ["from after to", `/api/v1/aqi?station=${tanNinh.id}&from=${NOW}&to=${NOW - HOUR}`],
    ["a span over 366 days", `/api/v1/aqi?station=${tanNinh.id}&period=day&from=${NOW - 400 * DAY}`],
    ["an area code too long", `/api/v1/aqi/latest?area=${"x".repeat(65)}`],
    ["an empty area on the public route", "/api/v1/public/aqi/latest?area="],
  ])("answers 400 with a message for %s", async (_what, url) => {
    const { status, body } = await get(url);
    expect(status).toBe(400);
    const error = errorResponseSchema.parse(body);
    expect(error.error).toBe("bad_request");
    expect(error.message.length).toBeGreaterThan(0);
  });
});
