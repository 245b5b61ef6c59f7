import { gunzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeriesPoint } from "../../kernel/series.js";
import { type ApiUnderTest, openApiUnderTest } from "../../test/support/api-under-test.js";

/** Query strings the CSV route must refuse with 400 (injection attempts included). */
const garbageQueryValues = [
  "",
  "station=tn-air-001",
  "metric=pm25",
  "station=tn-air-001';DROP TABLE devices;--&metric=pm25",
  "station=tn-air-001&metric=pm25;DELETE",
  "station=tn-air-001&metric=pm25&from=yesterday",
  "station=tn-air-001&metric=pm25&from=2026-11-21T10:00:00",
  "station=tn-air-001&metric=pm25&to=-5",
  "station=tn-air-001&metric=pm25&from=2026-11-21T10:00:00Z&to=2026-11-21T09:00:00Z",
  "station=tn-air-001&metric=pm25&unexpected=1",
  "station=tn-air-001&station=tn-wl-001&metric=pm25",
  `station=${"a".repeat(100)}&metric=pm25`,
];

/**
 * The public CSV (row for row the JSON API's series), the daily archive of a day of readings and
 * the catalogue that lists it (page and DCAT JSON-LD), with caching headers and rate limits.
 */
const NOW = Date.UTC(2026, 10, 22, 3, 0, 0); // 10:00 in Tây Ninh on 22 November
const clock = { now: () => NOW };
const MINUTE = 60_000;
// 21 November, local day: 2026-11-20T17:00Z – 2026-11-21T17:00Z.
const DAY_START = Date.UTC(2026, 10, 20, 17, 0, 0);

describe("open data files: CSV, daily archives, catalogue", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let viewer: Record<string, string>;

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-open-files-");
    await api.fixture.registry.register([
      {
        id: "tn-air-001",
        name: 'Trạm "Tân Ninh", cổng =A1',
        kind: "air",
        area: "p-tan-ninh",
        areaName: "Phường Tân Ninh",
        lat: 11.31,
        lon: 106.1,
        metrics: ["pm25", "pm10"],
      },
      {
        id: "tn-wl-001",
        name: "Trạm mực nước",
        kind: "water_level",
        area: "x-hoa-thanh",
        areaName: "Xã Hòa Thành",
        lat: 11.2,
        lon: 106.2,
        metrics: ["water_level"],
      },
    ]);
    const points: SeriesPoint[] = [];
    // A day of readings every 5 minutes, plus some just outside the day on both sides.
    for (let t = DAY_START - 30 * MINUTE; t < DAY_START + 24 * 60 * MINUTE + 30 * MINUTE; t += 5 * MINUTE) {
      points.push({
        deviceId: "tn-air-001",
        metric: "pm25",
        ts: t,
        value: Math.round((t / MINUTE) % 97) / 4,
      });
      points.push({ deviceId: "tn-wl-001", metric: "water_level", ts: t, value: 1.25 });
    }
    points.push({ deviceId: "tn-unknown-1", metric: "pm25", ts: DAY_START + MINUTE, value: 5 });
    await api.fixture.store.write(points);
    app = await api.server({ openData: {} });
    viewer = await api.headersFor("viewer");
  });

  afterAll(async () => {
    await api?.close();
  });

  it("serves a station's readings as CSV, row for row the JSON API's series", async () => {
    const from = new Date(DAY_START).toISOString();
    const to = new Date(DAY_START + 6 * 60 * MINUTE).toISOString();
    const query = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const csv = await app.inject({
      url: `/api/v1/public/readings.csv?station=tn-air-001&metric=pm25&${query}`,
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toBe("text/csv; charset=utf-8");
    const lines = csv.body.split("\r\n");
    expect(lines[0]).toBe("station,station_name,area,metric,time_utc,value,unit");
    expect(lines.at(-1)).toBe("");
    const rows = lines.slice(1, -1);
    const series = await app.inject({
      url: `/api/v1/readings?device=tn-air-001&metric=pm25&${query}`,
      headers: viewer,
    });
    const points = series.json().points as Array<{ ts: string; value: number }>;
    expect(points.length).toBe(72);
    expect(rows).toEqual(
      points.map((p) => `tn-air-001,"Trạm ""Tân Ninh"", cổng =A1",p-tan-ninh,pm25,${p.ts},${p.value},µg/m³`),
    );
    // Validators: the same answer is 304 to a client that has it.
    expect(csv.headers.etag).toBeDefined();
    expect(csv.headers["last-modified"]).toBe(new Date(Date.parse(points.at(-1)?.ts ?? "")).toUTCString());
    const again = await app.inject({
      url: `/api/v1/public/readings.csv?station=tn-air-001&metric=pm25&${query}`,
      headers: { "if-none-match": csv.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);
  });

  it("refuses unpublished stations, unknown metrics and garbage parameters with a clear message", async () => {
    const unknown = await app.inject({ url: "/api/v1/public/readings.csv?station=tn-unknown-1&metric=pm25" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toMatch(/không công bố/);
    const notMeasured = await app.inject({
      url: "/api/v1/public/readings.csv?station=tn-wl-001&metric=pm25",
    });
    expect(notMeasured.statusCode).toBe(404);
    for (const query of garbageQueryValues) {
      const response = await app.inject({ url: `/api/v1/public/readings.csv?${query}` });
      expect(response.statusCode, `${query}: ${response.body}`).toBe(400);
      expect(response.json().error).toBe("bad_request");
    }
    const tooLong = await app.inject({
      url: "/api/v1/public/readings.csv?station=tn-air-001&metric=pm25&from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z",
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().message).toMatch(/31/);
  });

  it("writes a day's archive as gzip CSV, lists it in the catalogue page and DCAT, and serves it", async () => {
    const archive = api.openData()?.archive;
    if (!archive) throw new Error("the server has no open data");
    expect(await archive.list()).toEqual([]);
    await archive.tick();
    const [record] = await archive.list();
    expect(record?.day).toBe("2026-11-21");
    // 288 five-minute readings of each of the two stations in the local day; nothing of the unknown device.
    expect(record?.rows).toBe(2 * 288);

    const download = await app.inject({ url: `/open-data/archives/${record?.file}` });
    expect(download.statusCode).toBe(200);
    expect(download.headers["content-type"]).toBe("application/gzip");
    expect(download.headers.etag).toBeDefined();
    expect(download.headers["last-modified"]).toBeDefined();
    const csv = gunzipSync(download.rawPayload).toString("utf8");
    const lines = csv.split("\r\n").filter((l) => l !== "");
    expect(lines[0]).toBe("station,station_name,area,metric,time_utc,value,unit");
    expect(lines).toHaveLength(1 + 2 * 288);
    const times = lines.slice(1).map((l) => Date.parse(l.split(",").at(-3) as string));
    expect(Math.min(...times)).toBe(DAY_START);
    expect(Math.max(...times)).toBe(DAY_START + 24 * 60 * MINUTE - 5 * MINUTE);
    expect(csv).not.toContain("tn-unknown-1");

    const dcat = await app.inject({ url: "/open-data/catalog.jsonld" });
    expect(dcat.statusCode).toBe(200);
    expect(dcat.headers["content-type"]).toBe("application/ld+json; charset=utf-8");
    const catalogue = dcat.json();
    expect(catalogue["@type"]).toBe("dcat:Catalog");
    expect(catalogue["dct:license"]).toEqual({ "@id": "https://creativecommons.org/licenses/by/4.0/" });
    const distributions = catalogue["dcat:dataset"][0]["dcat:distribution"] as Array<Record<string, unknown>>;
    const listed = distributions.find((d) =>
      (d["dcat:downloadURL"] as { "@id": string } | undefined)?.["@id"].endsWith(record?.file ?? "?"),
    );
    expect(listed?.["dcat:byteSize"]).toEqual({
      "@type": "xsd:nonNegativeInteger",
      "@value": String(download.rawPayload.length),
    });

    const page = await app.inject({ url: "/open-data/" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`/open-data/archives/${record?.file}`);
    expect(page.body).toContain("CC BY 4.0");
    expect((await app.inject({ url: "/open-data/archives/..%2F..%2Fmetadata.db" })).statusCode).toBe(404);
    expect((await app.inject({ url: "/open-data/archives/readings-2026-11-20.csv.gz" })).statusCode).toBe(
      404,
    );
    const dictionary = await app.inject({ url: "/open-data/dictionary" });
    expect(dictionary.body).toContain('id="pm25"');
    expect(dictionary.body).toContain("time_utc");

    // A second tick keeps the day as it is.
    await archive.tick();
    expect(await archive.list()).toEqual([record]);
  });

  it("limits each client's requests on the public data routes (429 with Retry-After)", async () => {
    const limited = await api.server({ openData: { ratePerMinute: 3 } });
    const urls = [
      "/sta/v1.1/Things",
      "/api/v1/public/readings.csv?station=tn-air-001&metric=pm25",
      "/open-data/",
    ];
    for (const url of urls) {
      const codes: number[] = [];
      for (let i = 0; i < 4; i += 1)
        codes.push((await limited.inject({ url, remoteAddress: "203.0.113.9" })).statusCode);
      expect(codes, url).toEqual([200, 200, 200, 429]);
      const refused = await limited.inject({ url, remoteAddress: "203.0.113.9" });
      expect(refused.headers["retry-after"]).toBeDefined();
      expect(refused.json().error).toBe("too_many_requests");
      expect((await limited.inject({ url, remoteAddress: "203.0.113.10" })).statusCode).toBe(200);
    }
  });
});
