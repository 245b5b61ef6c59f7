import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiUnderTest, openApiUnderTest } from "../../test/support/api-under-test.js";
import { DEMO_FACILITIES } from "../demo-facility.js";
import { facilitiesFileSchema } from "../model/facilities.js";
import { createStationFileRepository } from "../store/station-file-repository.js";

const DAY = Date.parse("2026-03-02T00:00:00+07:00");
const MIN = 60_000;
const NOW = DAY + 12 * 60 * MIN;

describe("industrial API (Fastify inject, real SQLite)", () => {
  let api: ApiUnderTest;
  let server: Awaited<ReturnType<ApiUnderTest["server"]>>;
  let headers: Record<string, string>;

  beforeAll(async () => {
    api = await openApiUnderTest({ now: () => NOW }, "envmon-industrial-api-");
    const repository = createStationFileRepository(api.fixture.metadata);
    const values = [
      { metric: "cod", ts: DAY + 5 * MIN, value: 80, quality: "measuring" as const },
      { metric: "cod", ts: DAY + 10 * MIN, value: 60, quality: "measuring" as const },
      { metric: "cod", ts: DAY + 15 * MIN, value: 999, quality: "calibrating" as const },
    ];
    for (const [i, v] of values.entries()) {
      await repository.record(
        {
          name: `TNI_DETMP_NT01_file${i}.txt`,
          folder: "NT01",
          sha256: `sha-${i}`,
          deviceId: "tn-ww-001",
          fileAt: v.ts,
          receivedAt: v.ts + MIN,
          outcome: i === 1 ? "partial" : "accepted",
          acceptedLines: 1,
          problems: {
            lines: i === 1 ? [{ line: 2, reason: "invalid_value", message: "giá trị…", text: "x" }] : [],
          },
        },
        [{ deviceId: "tn-ww-001", symbol: "COD", ...v }],
      );
    }
    server = await api.server({
      industrial: { facilities: facilitiesFileSchema.parse(DEMO_FACILITIES), repository },
    });
    headers = await api.headersFor("viewer");
  });
  afterAll(() => api.close());

  const get = (url: string, withHeaders = true) =>
    server.inject({ method: "GET", url, ...(withHeaders ? { headers } : {}) });

  it("gives max, min and mean of measuring values only, per hour", async () => {
    const response = await get(
      `/api/v1/industrial/stations/tn-ww-001/statistics?from=${DAY}&to=${DAY + 3600_000}`,
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      deviceId: "tn-ww-001",
      period: "hour",
      statistics: [
        {
          metric: "cod",
          from: new Date(DAY).toISOString(),
          max: 80,
          min: 60,
          mean: 70,
          count: 2,
          flagged: 1,
        },
      ],
    });
  });

  it("lists values with their quality flags, files with their problems, facilities with today's figures", async () => {
    const values = (await get(`/api/v1/industrial/stations/tn-ww-001/values?from=${DAY}&to=${NOW}`)).json();
    expect(values.values.map((v: { quality: string }) => v.quality)).toEqual([
      "measuring",
      "measuring",
      "calibrating",
    ]);
    const files = (await get("/api/v1/industrial/files?outcome=partial")).json();
    expect(files.files).toHaveLength(1);
    expect(files.files[0].problems[0]).toMatchObject({ line: 2, reason: "invalid_value" });
    const facilities = (await get("/api/v1/industrial/facilities")).json();
    // Noon: 144 files expected; 3 received; COD 80 > 75 once (the calibrating 999 does not count).
    expect(facilities.facilities[0].stations[0].today).toEqual({
      filesReceived: 3,
      filesExpected: 144,
      completenessPercent: 2.1,
      exceedances: 1,
    });
  });

  it("refuses garbage queries with 400, unknown stations with 404, and callers without a login with 401", async () => {
    for (const url of [
      "/api/v1/industrial/stations/tn-ww-001/statistics?period=week",
      `/api/v1/industrial/stations/tn-ww-001/statistics?from=${NOW}&to=${DAY}`,
      `/api/v1/industrial/stations/tn-ww-001/values?from=${DAY - 40 * 86_400_000}&to=${DAY}`,
      "/api/v1/industrial/stations/tn-ww-001/values?from=yesterday",
      "/api/v1/industrial/files?limit=0",
      "/api/v1/industrial/files?outcome=lost",
      "/api/v1/industrial/files?station=a%20b",
    ]) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(400);
      expect(response.json(), url).toMatchObject({ error: "bad_request", message: expect.any(String) });
    }
    expect((await get("/api/v1/industrial/stations/tn-air-001/values")).statusCode).toBe(404);
    expect((await get("/api/v1/industrial/facilities", false)).statusCode).toBe(401);
  });
});
