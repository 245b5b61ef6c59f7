import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import { type ApiUnderTest, openApiUnderTest } from "../../test/support/api-under-test.js";

const NOW = Date.UTC(2026, 10, 21, 8, 0, 0);
const clock: Clock = { now: () => NOW };

// PM2.5 hourly means 09:00 … 20:00 from Decision 1459's worked example, current hour (20:00) first.
const WORKED_PM25 = [20.6, 19.6, 22.4, 20.3, 16.5, 19.0, 16.5, 19.5, 23.5, 20.5, 24.7, 26.9];

describe("index calculator API (Fastify inject, the real API server)", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let viewer: Record<string, string>;

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-indices-api-");
    app = await api.server();
    viewer = await api.headersFor("viewer");
  });

  afterAll(async () => {
    await api?.close();
  });

  const postRaw = async (url: string, body: string, contentType = "application/json") => {
    const response = await app.inject({
      method: "POST",
      url,
      payload: body,
      headers: { ...viewer, "content-type": contentType },
    });
    return { status: response.statusCode, json: () => response.json() };
  };
  const post = (url: string, payload: unknown) => postRaw(url, JSON.stringify(payload));

  describe("POST /api/v1/indices/vn-aqi/hourly", () => {
    const url = "/api/v1/indices/vn-aqi/hourly";

    it("answers the decision's hourly example: AQI 59, Trung bình, NO2 dominant", async () => {
      const response = await post(url, { pm25: WORKED_PM25, o3: 136.1, no2: 118.7 });
      expect(response.status).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({
        aqi: 59,
        category: { key: "moderate", vi: "Trung bình", en: "Moderate", rgb: [255, 255, 0] },
        dominant: "no2",
        subIndices: { pm25: 41, o3_1h: 43, no2: 59 },
        nowcast: { pm25: 20.3, pm10: null },
      });
      expect(Object.keys(body).sort()).toEqual([
        "advice",
        "aqi",
        "category",
        "dominant",
        "nowcast",
        "subIndices",
      ]);
      expect(body.advice.general).toEqual({ vi: expect.any(String), en: expect.any(String) });
      expect(body.advice.sensitive).toEqual({ vi: expect.any(String), en: expect.any(String) });
    });

    it("accepts nulls for missing hours and omitted pollutants", async () => {
      const response = await post(url, { pm10: [100, null, 100, null], co: null });
      expect(response.status).toBe(200);
      expect(response.json()).toMatchObject({
        aqi: 75,
        dominant: "pm10",
        nowcast: { pm25: null, pm10: 100 },
      });
    });

    it("answers 422 insufficient_data without a PM NowCast", async () => {
      for (const payload of [{}, { o3: 100, no2: 40 }, { pm25: [10, null, null] }, { pm25: [] }]) {
        const response = await post(url, payload);
        expect(response.status, JSON.stringify(payload)).toBe(422);
        expect(response.json()).toEqual({
          error: "insufficient_data",
          message: expect.stringMatching(/PM2\.5 or PM10/),
        });
      }
    });

    it("answers 400 naming the field for negative, wrong-type, oversized or unknown input", async () => {
      const cases: [unknown, RegExp][] = [
        [{ pm25: [10, -1] }, /pm25\.1/],
        [{ pm25: [10, 10], o3: -0.5 }, /o3/],
        [{ pm25: [10, "12"] }, /pm25\.1/],
        [{ pm25: "10" }, /pm25/],
        [{ pm25: [10, 10], co: true }, /co/],
        [{ pm25: Array(13).fill(10) }, /pm25.*12/],
        [{ pm25: [10, 10], "pm2.5": [1] }, /pm2\.5/],
        [{ pm25: [10, 10], no2: { value: 3 } }, /no2/],
        [[10, 10], /object/],
        ["pm25", /object/],
      ];
      for (const [payload, field] of cases) {
        const response = await post(url, payload);
        expect(response.status, JSON.stringify(payload)).toBe(400);
        const body = response.json();
        expect(body.error).toBe("bad_request");
        expect(body.message, JSON.stringify(payload)).toMatch(field);
      }
    });

    it("answers 400 for non-finite numbers (JSON 1e400 parses to Infinity)", async () => {
      const response = await postRaw(url, '{"pm25": [10, 1e400]}');
      expect(response.status).toBe(400);
      expect(response.json()).toEqual({ error: "bad_request", message: expect.stringMatching(/pm25\.1/) });
      const negativeInfinity = await postRaw(url, '{"pm10": [10, 10], "so2": -1e999}');
      expect(negativeInfinity.status).toBe(400);
      expect(negativeInfinity.json().message).toMatch(/so2/);
    });

    it("answers 400 for bodies that are not JSON, 415 for other media types, 413 for huge bodies", async () => {
      expect((await postRaw(url, "{pm25: [1, 2]")).status).toBe(400);
      expect((await postRaw(url, "")).status).toBe(400);
      expect((await postRaw(url, "\u0000\u00ff garbage")).json().error).toBe("bad_request");
      const huge = await postRaw(url, JSON.stringify({ pm25: Array(40_000).fill(10) }));
      expect(huge.status).toBe(413);
      expect(huge.json().error).toBe("bad_request");
      // Fastify reads text/plain as a string, which is not the object the schema asks for.
      expect((await postRaw(url, "pm25=1", "text/plain")).status).toBe(400);
      expect((await postRaw(url, "<pm25>1</pm25>", "application/xml")).status).toBe(415);
    });

    it("never fails with a 5xx whatever JSON arrives (property)", async () => {
      const value = fc.oneof(
        fc.double(),
        fc.integer(),
        fc.constant(null),
        fc.string(),
        fc.boolean(),
        fc.array(fc.oneof(fc.double({ noNaN: true }), fc.constant(null), fc.string()), { maxLength: 14 }),
        fc.object({ maxDepth: 1 }),
      );
      const key = fc.constantFrom("pm25", "pm10", "o3", "no2", "so2", "co", "o3_8h", "x");
      await fc.assert(
        fc.asyncProperty(fc.dictionary(key, value, { maxKeys: 6 }), async (payload) => {
          // JSON.stringify turns NaN and ±Infinity into null, like any JSON client would.
          const response = await postRaw(url, JSON.stringify(payload));
          expect([200, 400, 422]).toContain(response.status);
        }),
        { seed: 1459, numRuns: 150 },
      );
    });
  });

  describe("POST /api/v1/indices/vn-aqi/daily", () => {
    const url = "/api/v1/indices/vn-aqi/daily";

    it("answers the decision's daily example: AQI 110, Kém, PM2.5 dominant", async () => {
      const response = await post(url, { pm25: 55.7, o3_1h: 114.6, o3_8h: 89.3, no2: 130.8 });
      expect(response.status).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({
        aqi: 110,
        category: { key: "poor", vi: "Kém", en: "Poor", rgb: [255, 126, 0] },
        dominant: "pm25",
        subIndices: { pm25: 110, o3_1h: 36, o3_8h: 45, no2: 65 },
      });
      expect(body.nowcast).toBeUndefined();
    });

    it("answers 422 without PM and 400 for a negative or misspelt field", async () => {
      expect((await post(url, { o3_1h: 80 })).status).toBe(422);
      const negative = await post(url, { pm25: 20, o3_8h: -1 });
      expect(negative.status).toBe(400);
      expect(negative.json().message).toMatch(/o3_8h/);
      const misspelt = await post(url, { pm25: 20, o3: 40 });
      expect(misspelt.status).toBe(400);
      expect(misspelt.json().message).toMatch(/o3/);
      const series = await post(url, { pm25: [20, 20] });
      expect(series.status).toBe(400);
    });
  });

  describe("POST /api/v1/indices/us-aqi", () => {
    const url = "/api/v1/indices/us-aqi";

    it("computes the EPA AQI from the NowCast of hourly series", async () => {
      const response = await post(url, { pm25: WORKED_PM25 });
      expect(response.status).toBe(200);
      expect(response.json()).toMatchObject({
        aqi: 72,
        category: { key: "moderate", en: "Moderate", rgb: [255, 255, 0] },
        dominant: "pm25",
        subIndices: { pm25: 72 },
        nowcast: { pm25: 20.2, pm10: null },
      });
    });

    it("answers 422 without PM and 400 for gases it does not cover", async () => {
      expect((await post(url, { pm10: [null, null, 40] })).status).toBe(422);
      const gas = await post(url, { pm25: [10, 10], o3: 50 });
      expect(gas.status).toBe(400);
      expect(gas.json().message).toMatch(/o3/);
    });
  });

  describe("POST /api/v1/indices/vn-wqi", () => {
    const url = "/api/v1/indices/vn-wqi";

    it("computes the WQI of a sample", async () => {
      const response = await post(url, {
        ph: 7,
        aldrin: 0.2,
        bhc: 0.01,
        bod5: 5,
        cod: 12.5,
        nh4: 0.45,
        coliform: 6250,
      });
      expect(response.status).toBe(200);
      expect(response.json()).toEqual({
        wqi: 22,
        category: { key: "bad", vi: "Kém", en: "Bad", rgb: [255, 0, 0] },
        groups: { I: 100, II: 32, III: null, IV: 79, V: 63 },
        subIndices: { ph: 100, aldrin: 10, bhc: 100, bod5: 88, cod: 88, nh4: 63, coliform: 63 },
        doSaturationPercent: null,
      });
    });

    it("converts DO with the water temperature", async () => {
      const response = await post(url, {
        ph: 7,
        do: 9.021808,
        temperature: 20,
        bod5: 2,
        cod: 5,
        toc: 2,
        coliform: 100,
      });
      expect(response.status).toBe(200);
      expect(response.json()).toMatchObject({ wqi: 100, doSaturationPercent: 100, subIndices: { do: 100 } });
    });

    it("scores heavy metals by Table 2 and takes the water body's options", async () => {
      // III: As 0.02 → 75. IV = 100, V: Coliform 10000 → 25.
      // Formula 4: 0.75 × √(100·25) = 37.5 → 38; formula 5: 0.75 × ∛(100²·25) = 47.2 → 47.
      const sample = { ph: 7, as: 0.02, bod5: 2, cod: 5, toc: 2, coliform: 10_000 };
      const plain = await post(url, sample);
      expect(plain.status).toBe(200);
      expect(plain.json()).toMatchObject({ wqi: 38, subIndices: { as: 75 }, groups: { III: 75, V: 25 } });
      expect((await post(url, { ...sample, options: { weighted: true } })).json()).toMatchObject({ wqi: 47 });
      const required = await post(url, { ...sample, options: { requiredGroups: ["II"] } });
      expect(required.status).toBe(422);
      expect(required.json().message).toMatch(/group II \(pesticides\)/);
      const bad = await post(url, { ...sample, options: { requiredGroups: ["IV"] } });
      expect(bad.status).toBe(400);
      expect(bad.json().message).toMatch(/requiredGroups/);
    });

    it("answers 422 when the data cannot support a WQI", async () => {
      const few = await post(url, { ph: 7, bod5: 3, cod: 5 });
      expect(few.status).toBe(422);
      expect(few.json()).toEqual({ error: "insufficient_data", message: expect.stringMatching(/group IV/) });
      const noTemperature = await post(url, { do: 7, bod5: 3, cod: 5, toc: 2 });
      expect(noTemperature.status).toBe(422);
      expect(noTemperature.json().message).toMatch(/temperature/);
    });

    it("answers 400 for impossible values", async () => {
      for (const [payload, field] of [
        [{ bod5: -2, cod: 5, toc: 2 }, /bod5/],
        [{ ph: 15, bod5: 2, cod: 5, toc: 2 }, /ph/],
        [{ do: 7, temperature: 80, bod5: 2, cod: 5, toc: 2 }, /temperature/],
        [{ coliform: "many", bod5: 2, cod: 5, toc: 2 }, /coliform/],
        [{ lead: 0.01, bod5: 2, cod: 5, toc: 2 }, /lead/],
      ] as const) {
        const response = await post(url, payload);
        expect(response.status, JSON.stringify(payload)).toBe(400);
        expect(response.json().message).toMatch(field);
      }
    });
  });

  describe("POST /api/v1/indices/qcvn05", () => {
    const url = "/api/v1/indices/qcvn05";

    it("lists exceedances with the limit in force on the day (PM2.5 24h 45 from 2026)", async () => {
      const response = await post(url, {
        averages: [
          { pollutant: "pm25", period: "24h", value: 47, at: "2025-12-31T00:00:00+07:00" },
          { pollutant: "pm25", period: "24h", value: 47, at: "2026-01-01T00:00:00+07:00" },
          { pollutant: "o3", period: "8h", value: 120, at: Date.parse("2026-01-01T08:00:00+07:00") },
        ],
      });
      expect(response.status).toBe(200);
      expect(response.json()).toEqual({
        exceedances: [
          {
            pollutant: "pm25",
            period: "24h",
            value: 47,
            at: "2025-12-31T17:00:00.000Z",
            limit: 45,
            excess: 2,
            ratio: 47 / 45,
          },
        ],
      });
    });

    it("answers 400 for unknown pollutants, bad times and negative values", async () => {
      for (const average of [
        { pollutant: "benzene", period: "1h", value: 1, at: 0 },
        { pollutant: "so2", period: "2h", value: 1, at: 0 },
        { pollutant: "so2", period: "1h", value: -1, at: 0 },
        { pollutant: "so2", period: "1h", value: 1, at: "yesterday" },
      ]) {
        const response = await post(url, { averages: [average] });
        expect(response.status, JSON.stringify(average)).toBe(400);
        expect(response.json().message).toMatch(/averages\.0/);
      }
    });
  });

  it("publishes the calculators with their request schemas in OpenAPI", async () => {
    const response = await app.inject({ method: "GET", url: "/docs/json" });
    expect(response.statusCode).toBe(200);
    const paths = response.json().paths;
    for (const path of [
      "/api/v1/indices/vn-aqi/hourly",
      "/api/v1/indices/vn-aqi/daily",
      "/api/v1/indices/us-aqi",
      "/api/v1/indices/vn-wqi",
      "/api/v1/indices/qcvn05",
    ]) {
      expect(paths[path]?.post, path).toBeDefined();
      expect(paths[path].post.requestBody).toBeDefined();
      expect(Object.keys(paths[path].post.responses)).toEqual(expect.arrayContaining(["200", "400"]));
    }
    const hourly = paths["/api/v1/indices/vn-aqi/hourly"].post;
    expect(JSON.stringify(hourly.requestBody)).toContain("pm25");
    expect(Object.keys(hourly.responses)).toContain("422");
  });
});
