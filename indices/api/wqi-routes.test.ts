import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../devices/model/device.js";
import { errorResponseSchema, wqiLatestResponseSchema } from "../../kernel/api-contract.js";
import type { Clock } from "../../kernel/clock.js";
import { type ApiUnderTest, openApiUnderTest } from "../../test/support/api-under-test.js";
import { vnWqiCategory } from "../calculators/vn-wqi.js";
import { WQI_SERIES_KEY } from "../engine/index-series.js";

const NOW = Date.UTC(2026, 10, 21, 8, 20);
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const clock: Clock = { now: () => NOW };

const waterStation = (id: string, area: string, areaName: string): DeviceProfile => ({
  id,
  name: `Trạm chất lượng nước ${areaName}`,
  kind: "water_quality",
  area,
  areaName,
  lat: 10.54,
  lon: 106.41,
  metrics: ["ph", "do", "cod", "bod5", "temperature"],
});
const vamCoDong = waterStation("la-wq-002", "tan-an", "Phường Tân An");
const dauTieng = waterStation("tn-wq-001", "tan-ninh", "Phường Tân Ninh");

/** Residents' copies need no login; the others are read with a viewer's token. */
const isPublic = (url: string) => url.startsWith("/api/v1/public/");

describe("WQI API (Fastify inject, real SQLite)", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let viewer: Record<string, string>;

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-wqi-api-");
    const { fixture } = api;
    await fixture.registry.register([vamCoDong, dauTieng]);
    await fixture.store.write([
      { deviceId: vamCoDong.id, metric: WQI_SERIES_KEY, ts: NOW - 3 * HOUR, value: 95 },
      { deviceId: vamCoDong.id, metric: WQI_SERIES_KEY, ts: NOW - 2 * HOUR, value: 48 },
      { deviceId: dauTieng.id, metric: WQI_SERIES_KEY, ts: NOW - HOUR, value: 91 },
      // An AQI of another station is not a WQI.
      { deviceId: "tn-air-001", metric: "idx:vn_aqi_1h", ts: NOW - HOUR, value: 40 },
    ]);
    app = await api.server();
    viewer = await api.headersFor("viewer");
  });

  afterAll(async () => {
    await api?.close();
  });

  const get = async (url: string) => {
    const response = await app.inject({ method: "GET", url, headers: isPublic(url) ? {} : viewer });
    return { status: response.statusCode, body: response.json() as unknown };
  };

  it("serves a station's hourly WQI series with categories, and refuses bad windows and unknown stations", async () => {
    const { status, body } = await get(`/api/v1/wqi?station=${vamCoDong.id}`);
    expect(status).toBe(200);
    const series = body as {
      station: string;
      points: Array<{ ts: string; wqi: number; category: { key: string } }>;
    };
    expect(series.station).toBe(vamCoDong.id);
    expect(series.points.map((p) => [p.ts, p.wqi])).toEqual([
      [new Date(NOW - 3 * HOUR).toISOString(), 95],
      [new Date(NOW - 2 * HOUR).toISOString(), 48],
    ]);
    expect(series.points.map((p) => p.category.key)).toEqual([vnWqiCategory(95).key, vnWqiCategory(48).key]);
    const narrow = await get(`/api/v1/wqi?station=${vamCoDong.id}&from=${NOW - 2 * HOUR}&to=${NOW}`);
    expect((narrow.body as { points: unknown[] }).points).toHaveLength(1);
    expect((await get(`/api/v1/wqi?station=${vamCoDong.id}&from=${NOW}&to=${NOW - HOUR}`)).status).toBe(400);
    expect((await get("/api/v1/wqi?station=a%20b")).status).toBe(400);
    expect((await get("/api/v1/wqi?station=nowhere-1")).status).toBe(404);
  });

  it("lists each water-quality station's newest hourly WQI with its category", async () => {
    const { status, body } = await get("/api/v1/wqi/latest");
    expect(status).toBe(200);
    expect(wqiLatestResponseSchema.parse(body).stations).toEqual([
      {
        station: vamCoDong.id,
        name: vamCoDong.name,
        area: "tan-an",
        areaName: "Phường Tân An",
        lat: 10.54,
        lon: 106.41,
        ts: iso(NOW - 2 * HOUR),
        wqi: 48,
        category: { key: "poor", vi: "Xấu", en: "Poor", rgb: [255, 126, 0] },
      },
      expect.objectContaining({
        station: dauTieng.id,
        wqi: 91,
        category: { key: "very_good", vi: "Rất tốt", en: "Very good", rgb: [51, 51, 255] },
      }),
    ]);
  });

  it("filters by area, and the public copy for residents answers the same", async () => {
    const inArea = wqiLatestResponseSchema.parse((await get("/api/v1/wqi/latest?area=tan-ninh")).body);
    expect(inArea.stations.map((s) => s.station)).toEqual([dauTieng.id]);
    for (const query of ["", "?area=tan-an", "?area=nowhere"]) {
      expect(await get(`/api/v1/public/wqi/latest${query}`)).toEqual(await get(`/api/v1/wqi/latest${query}`));
    }
  });

  it.each([
    ["/api/v1/wqi/latest?area="],
    [`/api/v1/wqi/latest?area=${"y".repeat(65)}`],
    [`/api/v1/public/wqi/latest?area=${"y".repeat(65)}`],
  ])("answers 400 for %s", async (url) => {
    const { status, body } = await get(url);
    expect(status).toBe(400);
    expect(errorResponseSchema.parse(body).error).toBe("bad_request");
  });
});
