import { parse as parseCsv } from "csv-parse/sync";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../devices/model/device.js";
import { METRIC_DEFINITIONS } from "../kernel/catalogue.js";
import type { Clock } from "../kernel/clock.js";
import type { Reading } from "../kernel/reading.js";
import type { ReadinessChecks } from "../platform/http/health-routes.js";
import { createIngestMetrics } from "../readings/ingest/metrics.js";
import type { NewDeadLetter } from "../readings/store/dead-letter-repository.js";
import { type ApiUnderTest, openApiUnderTest } from "../test/support/api-under-test.js";

const NOW = Date.UTC(2026, 10, 21, 8, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const clock: Clock = { now: () => NOW };

const airStation: DeviceProfile = {
  id: "tn-air-001",
  name: "Trạm không khí Phường Tân Ninh",
  kind: "air",
  area: "p-tan-ninh",
  areaName: "Phường Tân Ninh",
  lat: 11.31,
  lon: 106.1,
  metrics: ["pm25", "temperature"],
};
const noiseStation: DeviceProfile = {
  id: "tn-noise-003",
  name: "Trạm tiếng ồn chợ Tây Ninh",
  kind: "noise",
  area: "p-tan-ninh",
  areaName: "Phường Tân Ninh",
  lat: 11.3,
  lon: 106.11,
  metrics: ["noise"],
};
const waterStation: DeviceProfile = {
  id: "la-wq-002",
  name: "Trạm chất lượng nước sông Vàm Cỏ Đông",
  kind: "water_quality",
  area: "p-long-an",
  areaName: "Phường Long An",
  lat: 10.54,
  lon: 106.41,
  metrics: ["ph"],
};

// pm25 once a minute over the ten minutes before NOW: 07:50 … 07:59, values 10 … 19.
const pm25Readings: Reading[] = Array.from({ length: 10 }, (_, i) => ({
  deviceId: airStation.id,
  metric: "pm25",
  ts: NOW - 10 * MINUTE + i * MINUTE,
  value: 10 + i,
}));
const otherReadings: Reading[] = [
  { deviceId: airStation.id, metric: "temperature", ts: NOW - 30 * MINUTE, value: 31.4 },
  { deviceId: waterStation.id, metric: "ph", ts: NOW - 2 * HOUR, value: 7.1 },
  { deviceId: waterStation.id, metric: "ph", ts: NOW - HOUR, value: 7.3 },
  { deviceId: noiseStation.id, metric: "noise", ts: NOW - 5 * MINUTE, value: 64.2 },
];

// Inserted oldest first, so their ids are 1 … 5.
const letters: NewDeadLetter[] = [
  {
    receivedAt: NOW - 50 * MINUTE,
    deviceId: "rogue-1",
    topic: "sensors/rogue-1/readings",
    reason: "invalid_json",
    message: "invalid JSON: Unexpected token",
    payload: "{oops",
    truncated: false,
  },
  {
    receivedAt: NOW - 40 * MINUTE,
    deviceId: airStation.id,
    topic: "sensors/tn-air-001/readings",
    reason: "unknown_metric",
    message: "unknown metric 'radiation'",
    entryIndex: 2,
    metric: "radiation",
    payload: '{"ts":1,"values":{"radiation":1}}',
    truncated: false,
  },
  {
    receivedAt: NOW - 30 * MINUTE,
    deviceId: airStation.id,
    topic: "sensors/tn-air-001/readings",
    reason: "out_of_range",
    message: "pm25: 5000 µg/m³ is outside the plausible range",
    metric: "pm25",
    payload: '{"ts":2,"values":{"pm25":5000}}',
    truncated: false,
  },
  {
    receivedAt: NOW - 20 * MINUTE,
    deviceId: null,
    topic: "sensors/bad id/readings",
    reason: "invalid_device_id",
    message: "device id must be 1–64 letters, digits, '-' or '_'",
    payload: "x".repeat(100),
    truncated: true,
  },
  {
    receivedAt: NOW - 10 * MINUTE,
    deviceId: "rogue-1",
    topic: "sensors/rogue-1/readings",
    reason: "invalid_json",
    message: "invalid JSON: Unexpected end",
    payload: "base64:AAEC",
    truncated: false,
  },
];

const METRICS_TOKEN = "api-test-metrics-token-0123456789";

describe("HTTP API (Fastify inject, real SQLite)", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let viewer: Record<string, string>;

  function server(readiness: ReadinessChecks): Promise<FastifyInstance> {
    const metricsRegistry = new Registry();
    createIngestMetrics(metricsRegistry).readingsStored.inc(42);
    return api.server({ readiness, metricsRegistry, version: "9.9.9-test", metricsToken: METRICS_TOKEN });
  }

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-api-test-");
    const { fixture } = api;
    await fixture.registry.register([airStation, noiseStation, waterStation]);
    await fixture.registry.noteSeen(["rogue-1"]);
    await fixture.registry.setStatus(airStation.id, "online", NOW - MINUTE);
    await fixture.registry.setStatus(waterStation.id, "offline", NOW - 3 * HOUR);
    await fixture.store.write([...pm25Readings, ...otherReadings]);
    for (const letter of letters) await fixture.deadLetters.insertMany([letter]);
    app = await server({
      store: async () => {
        await fixture.store.ping();
        return true;
      },
      broker: () => true,
    });
    viewer = await api.headersFor("viewer");
  });

  afterAll(async () => {
    await api?.close();
  });

  const get = async (url: string, on: FastifyInstance = app) => {
    const response = await on.inject({ method: "GET", url, headers: viewer });
    return {
      status: response.statusCode,
      headers: response.headers,
      text: response.body,
      json: () => response.json(),
    };
  };

  describe("happy paths", () => {
    it("GET /api/v1/catalogue lists every metric with unit, labels and range", async () => {
      const response = await get("/api/v1/catalogue");
      expect(response.status).toBe(200);
      expect(response.headers["content-type"]).toMatch(/^application\/json/);
      const body = response.json();
      expect(body.metrics).toHaveLength(METRIC_DEFINITIONS.length);
      expect(body.metrics[0]).toEqual({
        key: "pm25",
        unit: "µg/m³",
        label: { vi: "Bụi PM2.5", en: "PM2.5" },
        group: "air",
        min: 0,
        max: 1000,
        decimals: 1,
      });
      expect(body.metrics.map((m: { key: string }) => m.key)).toEqual(METRIC_DEFINITIONS.map((m) => m.key));
    });

    it("GET /api/v1/devices lists registered and unregistered devices with status and last seen", async () => {
      const response = await get("/api/v1/devices");
      expect(response.status).toBe(200);
      const { devices } = response.json();
      expect(devices.map((d: { id: string }) => d.id)).toEqual([
        "la-wq-002",
        "rogue-1",
        "tn-air-001",
        "tn-noise-003",
      ]);
      expect(devices[2]).toEqual({
        ...airStation,
        registered: true,
        status: "online",
        statusAt: iso(NOW - MINUTE),
        lastSeen: iso(NOW - MINUTE),
        floodLevels: null,
        wqiSettings: null,
        lifecycle: "active",
        calibration: null,
      });
      expect(devices[0]).toMatchObject({
        status: "offline",
        statusAt: iso(NOW - 3 * HOUR),
        lastSeen: iso(NOW - HOUR),
      });
      expect(devices[1]).toEqual({
        id: "rogue-1",
        name: "rogue-1",
        kind: null,
        area: null,
        areaName: null,
        lat: null,
        lon: null,
        metrics: [],
        registered: false,
        status: "unknown",
        statusAt: null,
        lastSeen: null,
        floodLevels: null,
        wqiSettings: null,
        lifecycle: "active",
        calibration: null,
      });
    });

    it("GET /api/v1/devices?area= keeps the devices of that area", async () => {
      const response = await get("/api/v1/devices?area=p-tan-ninh");
      expect(response.status).toBe(200);
      expect(response.json().devices.map((d: { id: string }) => d.id)).toEqual([
        "tn-air-001",
        "tn-noise-003",
      ]);
      expect((await get("/api/v1/devices?area=p-nowhere")).json()).toEqual({ devices: [] });
    });

    it("GET /api/v1/devices/:id answers one device, and 404 JSON for an unknown one", async () => {
      const known = await get("/api/v1/devices/tn-noise-003");
      expect(known.status).toBe(200);
      expect(known.json()).toEqual({
        ...noiseStation,
        registered: true,
        status: "unknown",
        statusAt: null,
        lastSeen: iso(NOW - 5 * MINUTE),
        floodLevels: null,
        wqiSettings: null,
        lifecycle: "active",
        calibration: null,
      });
      const unknown = await get("/api/v1/devices/nobody-here");
      expect(unknown.status).toBe(404);
      expect(unknown.headers["content-type"]).toMatch(/^application\/json/);
      expect(unknown.json()).toEqual({ error: "not_found", message: expect.stringContaining("nobody-here") });
    });

    it("GET /api/v1/latest answers the newest value per metric, for all, one device or one area", async () => {
      const all = await get("/api/v1/latest");
      expect(all.status).toBe(200);
      expect(all.json()).toEqual({
        devices: [
          { deviceId: "la-wq-002", values: { ph: { value: 7.3, ts: iso(NOW - HOUR) } } },
          {
            deviceId: "tn-air-001",
            values: {
              pm25: { value: 19, ts: iso(NOW - MINUTE) },
              temperature: { value: 31.4, ts: iso(NOW - 30 * MINUTE) },
            },
          },
          { deviceId: "tn-noise-003", values: { noise: { value: 64.2, ts: iso(NOW - 5 * MINUTE) } } },
        ],
      });
      const one = (await get("/api/v1/latest?device=tn-noise-003")).json();
      expect(one.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual(["tn-noise-003"]);
      const area = (await get("/api/v1/latest?area=p-tan-ninh")).json();
      expect(area.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual([
        "tn-air-001",
        "tn-noise-003",
      ]);
      const both = (await get("/api/v1/latest?area=p-tan-ninh&device=tn-air-001")).json();
      expect(both.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual(["tn-air-001"]);
      // A device outside the area, an empty area, a device without readings: nothing, not an error.
      expect((await get("/api/v1/latest?area=p-long-an&device=tn-air-001")).json()).toEqual({ devices: [] });
      expect((await get("/api/v1/latest?area=p-nowhere")).json()).toEqual({ devices: [] });
      expect((await get("/api/v1/latest?device=rogue-1")).json()).toEqual({ devices: [] });
    });

    it("GET /api/v1/readings answers raw points of the last hour by default", async () => {
      const response = await get("/api/v1/readings?device=tn-air-001&metric=pm25");
      expect(response.status).toBe(200);
      expect(response.json()).toEqual({
        device: "tn-air-001",
        metric: "pm25",
        unit: "µg/m³",
        from: iso(NOW - HOUR),
        to: iso(NOW),
        step: null,
        truncated: false,
        points: pm25Readings.map((r) => ({ ts: iso(r.ts), value: r.value })),
      });
    });

    it("GET /api/v1/readings answers CSV with the same rows when asked by Accept or format", async () => {
      const json = (await get("/api/v1/readings?device=tn-air-001&metric=pm25")).json() as {
        points: { ts: string; value: number }[];
      };
      const byAccept = await app.inject({
        method: "GET",
        url: "/api/v1/readings?device=tn-air-001&metric=pm25",
        headers: { ...viewer, accept: "text/csv" },
      });
      expect(byAccept.statusCode).toBe(200);
      expect(byAccept.headers["content-type"]).toBe("text/csv; charset=utf-8");
      expect(byAccept.headers["content-disposition"]).toMatch(
        /^attachment; filename="tn-air-001_pm25_.+\.csv"$/,
      );
      const rows = parseCsv(byAccept.body, { columns: true }) as Record<string, string>[];
      expect(rows.map((row) => [row.time_utc, Number(row.value)])).toEqual(
        json.points.map((p) => [p.ts, p.value]),
      );
      expect(rows[0]?.unit).toBe("µg/m³");

      const byFormat = await get("/api/v1/readings?device=tn-air-001&metric=pm25&format=csv");
      expect(byFormat.text).toBe(byAccept.body);
      const excel = await get("/api/v1/readings?device=tn-air-001&metric=pm25&format=excel");
      expect(excel.text).toBe(`\uFEFF${byAccept.body}`);
      const buckets = await get("/api/v1/readings?device=tn-air-001&metric=pm25&step=1h&format=csv");
      expect(buckets.text.split("\r\n")[0]).toBe(
        "device,metric,unit,time_utc,time_vietnam,mean,min,max,count",
      );
      // JSON stays the default, and a wrong format is a clear 400.
      expect((await get("/api/v1/readings?device=tn-air-001&metric=pm25")).headers["content-type"]).toMatch(
        /^application\/json/,
      );
      const wrong = await get("/api/v1/readings?device=tn-air-001&metric=pm25&format=xlsx");
      expect(wrong.status).toBe(400);
      expect(wrong.json().message).toContain("format must be json, csv or excel");
    });

    it("GET /api/v1/readings takes from/to as ISO with offset or epoch ms, to exclusive", async () => {
      // 14:52–14:55 in Vietnam is 07:52–07:55 UTC.
      const byIso = await get(
        "/api/v1/readings?device=tn-air-001&metric=pm25&from=2026-11-21T14:52:00%2B07:00&to=2026-11-21T14:55:00%2B07:00",
      );
      expect(byIso.status).toBe(200);
      const body = byIso.json();
      expect(body.from).toBe("2026-11-21T07:52:00.000Z");
      expect(body.to).toBe("2026-11-21T07:55:00.000Z");
      expect(body.points).toEqual([
        { ts: "2026-11-21T07:52:00.000Z", value: 12 },
        { ts: "2026-11-21T07:53:00.000Z", value: 13 },
        { ts: "2026-11-21T07:54:00.000Z", value: 14 },
      ]);
      const byEpoch = await get(
        `/api/v1/readings?device=tn-air-001&metric=pm25&from=${NOW - 8 * MINUTE}&to=${NOW - 5 * MINUTE}`,
      );
      expect(byEpoch.json().points).toEqual(body.points);
      const zulu = await get("/api/v1/readings?device=tn-air-001&metric=pm25&from=2026-11-21T07:58:00Z");
      expect(zulu.json()).toMatchObject({ from: "2026-11-21T07:58:00.000Z", to: iso(NOW) });
      expect(zulu.json().points).toHaveLength(2);
      // Only `to`: the hour before it.
      const onlyTo = await get(`/api/v1/readings?device=la-wq-002&metric=ph&to=${NOW - 30 * MINUTE}`);
      expect(onlyTo.json()).toMatchObject({
        from: iso(NOW - 90 * MINUTE),
        points: [{ ts: iso(NOW - HOUR), value: 7.3 }],
      });
    });

    it("GET /api/v1/readings with step answers buckets aligned to the step", async () => {
      const response = await get("/api/v1/readings?device=tn-air-001&metric=pm25&step=5m");
      expect(response.status).toBe(200);
      expect(response.json()).toMatchObject({ step: 5 * MINUTE, truncated: false });
      expect(response.json().points).toEqual([
        { ts: iso(NOW - 10 * MINUTE), mean: 12, min: 10, max: 14, count: 5 },
        { ts: iso(NOW - 5 * MINUTE), mean: 17, min: 15, max: 19, count: 5 },
      ]);
      expect((await get("/api/v1/readings?device=tn-air-001&metric=pm25&step=30s")).json().step).toBe(30_000);
      expect((await get("/api/v1/readings?device=tn-air-001&metric=pm25&step=90")).json().step).toBe(90_000);
      const daily = await get(
        `/api/v1/readings?device=tn-air-001&metric=pm25&step=1d&from=${NOW - 30 * DAY}`,
      );
      expect(daily.json().points).toEqual([
        { ts: iso(Date.UTC(2026, 10, 21)), mean: 14.5, min: 10, max: 19, count: 10 },
      ]);
      expect(
        (await get("/api/v1/readings?device=tn-air-001&metric=pm25&step=1h")).json().points,
      ).toHaveLength(1);
    });

    it("GET /api/v1/readings of a series with no data answers no points", async () => {
      const response = await get("/api/v1/readings?device=rogue-1&metric=coliform&step=1h");
      expect(response.status).toBe(200);
      expect(response.json()).toMatchObject({ unit: "MPN/100 mL", points: [] });
    });

    it("GET /api/v1/rejected pages through dead letters newest first", async () => {
      const all = await get("/api/v1/rejected");
      expect(all.status).toBe(200);
      const body = all.json();
      expect(body.rejected.map((l: { id: number }) => l.id)).toEqual([5, 4, 3, 2, 1]);
      expect(body.nextBefore).toBeNull();
      expect(body.rejected[3]).toEqual({
        id: 2,
        receivedAt: iso(NOW - 40 * MINUTE),
        deviceId: "tn-air-001",
        topic: "sensors/tn-air-001/readings",
        reason: "unknown_metric",
        message: "unknown metric 'radiation'",
        entryIndex: 2,
        metric: "radiation",
        payload: '{"ts":1,"values":{"radiation":1}}',
        truncated: false,
      });
      expect(body.rejected[1]).toMatchObject({ id: 4, deviceId: null, truncated: true });
      expect(body.rejected[1]).not.toHaveProperty("entryIndex");

      const page1 = (await get("/api/v1/rejected?limit=2")).json();
      expect(page1.rejected.map((l: { id: number }) => l.id)).toEqual([5, 4]);
      expect(page1.nextBefore).toBe(4);
      const page2 = (await get(`/api/v1/rejected?limit=2&before=${page1.nextBefore}`)).json();
      expect(page2.rejected.map((l: { id: number }) => l.id)).toEqual([3, 2]);
      const page3 = (await get(`/api/v1/rejected?limit=2&before=${page2.nextBefore}`)).json();
      expect(page3.rejected.map((l: { id: number }) => l.id)).toEqual([1]);
      expect(page3.nextBefore).toBeNull();

      const byDevice = (await get("/api/v1/rejected?device=tn-air-001")).json();
      expect(byDevice.rejected.map((l: { id: number }) => l.id)).toEqual([3, 2]);
      const byReason = (await get("/api/v1/rejected?reason=invalid_json")).json();
      expect(byReason.rejected.map((l: { id: number }) => l.id)).toEqual([5, 1]);
      const both = (await get("/api/v1/rejected?reason=invalid_json&device=rogue-1&limit=1")).json();
      expect(both).toMatchObject({ rejected: [{ id: 5 }], nextBefore: 5 });
    });

    it("GET /healthz says the process is up", async () => {
      const response = await get("/healthz");
      expect(response.status).toBe(200);
      expect(response.json()).toEqual({ status: "ok" });
    });

    it("GET /readyz is 200 when every check passes, 503 when one is false or throws", async () => {
      const ready = await get("/readyz");
      expect(ready.status).toBe(200);
      expect(ready.json()).toEqual({ ready: true, checks: { store: true, broker: true } });

      const notReady = await server({ store: () => true, ingest: async () => false });
      const down = await get("/readyz", notReady);
      expect(down.status).toBe(503);
      expect(down.json()).toEqual({ ready: false, checks: { store: true, ingest: false } });

      const throwing = await server({
        store: async () => {
          throw new Error("database is locked");
        },
        broker: () => {
          throw new Error("not listening");
        },
        ingest: () => true,
      });
      const failed = await get("/readyz", throwing);
      expect(failed.status).toBe(503);
      expect(failed.json()).toEqual({ ready: false, checks: { store: false, broker: false, ingest: true } });
    });

    it("GET /metrics answers Prometheus text with the registry's metrics, to the METRICS_TOKEN bearer only", async () => {
      const scrape = (headers: Record<string, string>, on = app) =>
        on.inject({ method: "GET", url: "/metrics", headers });
      for (const headers of [
        {},
        viewer, // an operator's access token is not the metrics token
        await api.headersFor("admin"),
        { authorization: "Bearer not-the-metrics-token" },
        { authorization: `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString("base64")}` },
      ]) {
        const refused = await scrape(headers);
        expect(refused.statusCode, JSON.stringify(headers)).toBe(401);
        expect(refused.json()).toMatchObject({ error: "unauthorized" });
        expect(refused.body).not.toContain("envmon_ingest");
      }
      // Without the setting, the API port does not serve /metrics at all.
      const closed = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` }, await api.server({}));
      expect(closed.statusCode).toBe(404);

      const scraped = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` });
      const response = { status: scraped.statusCode, headers: scraped.headers, text: scraped.body };
      expect(response.status).toBe(200);
      expect(response.headers["content-type"]).toMatch(/^text\/plain/);
      expect(response.text).toContain("# TYPE envmon_ingest_readings_stored_total counter");
      expect(response.text).toMatch(/^envmon_ingest_readings_stored_total 42$/m);
      expect(response.text).toMatch(/^envmon_ingest_rejected_total\{reason="invalid_json"\} 0$/m);
    });

    it("GET /docs/json is an OpenAPI document with every route", async () => {
      const response = await get("/docs/json");
      expect(response.status).toBe(200);
      const doc = response.json();
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.info.version).toBe("9.9.9-test");
      const paths = Object.keys(doc.paths);
      for (const path of [
        "/api/v1/catalogue",
        "/api/v1/devices",
        "/api/v1/devices/{id}",
        "/api/v1/latest",
        "/api/v1/readings",
        "/api/v1/rejected",
        "/healthz",
        "/readyz",
        "/metrics",
      ]) {
        expect(paths).toContain(path);
      }
      const readingsParams = doc.paths["/api/v1/readings"].get.parameters.map(
        (p: { name: string }) => p.name,
      );
      expect(readingsParams).toEqual(expect.arrayContaining(["device", "metric", "from", "to", "step"]));
      // An Authorize button for the bearer token; public routes need none.
      expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
      expect(doc.paths["/api/v1/readings"].get.security).toEqual([{ bearerAuth: [] }]);
      expect(doc.paths["/api/v1/public/aqi/latest"].get.security).toEqual([]);
      expect(doc.paths["/api/v1/auth/login"].post.security).toEqual([]);
      const ui = await get("/docs/");
      expect(ui.status).toBe(200);
      expect(ui.headers["content-type"]).toMatch(/^text\/html/);
    });

    it("answers unknown routes with 404 JSON, and says how to build a missing dashboard", async () => {
      for (const url of ["/api/v1/nothing", "/api/v2/devices", "/nope?x=1"]) {
        const response = await get(url);
        expect(response.status).toBe(404);
        expect(response.json()).toEqual({ error: "not_found", message: `no route GET ${url.split("?")[0]}` });
      }
      const post = await app.inject({ method: "DELETE", url: "/api/v1/catalogue", headers: viewer });
      expect(post.statusCode).toBe(404);
      expect(post.json()).toMatchObject({ error: "not_found" });
      const root = await get("/");
      expect(root.status).toBe(503);
      expect(root.text).toContain("npm run build");
    });
  });

  describe("garbage in the query string or path is a 400 JSON naming the parameter", () => {
    const long = "a".repeat(65);
    const readings = "/api/v1/readings?device=tn-air-001&metric=pm25";
    const cases: Array<[url: string, parameter: string]> = [
      // devices
      ["/api/v1/devices?area=", "area"],
      [`/api/v1/devices?area=${long}`, "area"],
      ["/api/v1/devices?area=p-1&area=p-2", "area"],
      ["/api/v1/devices/a%20b", "id"],
      [`/api/v1/devices/${long}`, "id"],
      ["/api/v1/devices/tr%E1%BA%A1m-1", "id"],
      ["/api/v1/devices/%F0%9F%8C%A7", "id"],
      ["/api/v1/devices/-leading-dash", "id"],
      ["/api/v1/devices/a.b", "id"],
      // latest
      ["/api/v1/latest?device=a%20b", "device"],
      [`/api/v1/latest?device=${long}`, "device"],
      ["/api/v1/latest?device=tr%E1%BA%A1m-1", "device"],
      ["/api/v1/latest?device=", "device"],
      ["/api/v1/latest?device=a&device=b", "device"],
      ["/api/v1/latest?area=", "area"],
      [`/api/v1/latest?area=${long}`, "area"],
      // readings: device and metric
      ["/api/v1/readings?metric=pm25", "device"],
      ["/api/v1/readings?device=tn-air-001", "metric"],
      ["/api/v1/readings?device=tn-air-001&metric=radiation", "metric"],
      ["/api/v1/readings?device=tn-air-001&metric=PM25", "metric"],
      ["/api/v1/readings?device=tn-air-001&metric=pm25&metric=pm10", "metric"],
      ["/api/v1/readings?device=a%20b&metric=pm25", "device"],
      [`/api/v1/readings?device=${long}&metric=pm25`, "device"],
      ["/api/v1/readings?device=tr%E1%BA%A1m-1&metric=pm25", "device"],
      ["/api/v1/readings?device[]=tn-air-001&metric=pm25", "device"],
      // readings: times
      [`${readings}&from=yesterday`, "from"],
      [`${readings}&to=tomorrow`, "to"],
      [`${readings}&from=`, "from"],
      [`${readings}&from=2026-11-21`, "from"],
      [`${readings}&from=2026-11-21T08:00:00`, "from"],
      [`${readings}&from=-5`, "from"],
      [`${readings}&from=1e12`, "from"],
      [`${readings}&from=2026-13-45T99:99:00Z`, "from"],
      [`${readings}&from=1&from=2`, "from"],
      [`${readings}&from=${NOW}&to=${NOW - HOUR}`, "from"],
      [`${readings}&from=${NOW}&to=${NOW}`, "from"],
      [`${readings}&from=${NOW + MINUTE}`, "from"],
      [`${readings}&from=${NOW - 367 * DAY}&to=${NOW}`, "from"],
      [`${readings}&from=0&to=${NOW}`, "from"],
      // readings: step
      [`${readings}&from=${NOW - 30 * DAY}&step=1m`, "step"],
      [`${readings}&from=${NOW - 366 * DAY}&step=30m`, "step"],
      [`${readings}&step=0`, "step"],
      [`${readings}&step=0s`, "step"],
      [`${readings}&step=-5m`, "step"],
      [`${readings}&step=1y`, "step"],
      [`${readings}&step=5M`, "step"],
      [`${readings}&step=500ms`, "step"],
      [`${readings}&step=1.5h`, "step"],
      [`${readings}&step=`, "step"],
      [`${readings}&step=abc`, "step"],
      [`${readings}&step=1m&step=5m`, "step"],
      // rejected
      ["/api/v1/rejected?limit=0", "limit"],
      ["/api/v1/rejected?limit=abc", "limit"],
      ["/api/v1/rejected?limit=100000", "limit"],
      ["/api/v1/rejected?limit=-1", "limit"],
      ["/api/v1/rejected?limit=1.5", "limit"],
      ["/api/v1/rejected?limit=", "limit"],
      ["/api/v1/rejected?limit=1&limit=2", "limit"],
      ["/api/v1/rejected?before=0", "before"],
      ["/api/v1/rejected?before=-3", "before"],
      ["/api/v1/rejected?before=abc", "before"],
      ["/api/v1/rejected?before=2.5", "before"],
      ["/api/v1/rejected?before=1e400", "before"],
      ["/api/v1/rejected?device=a%20b", "device"],
      [`/api/v1/rejected?device=${long}`, "device"],
      ["/api/v1/rejected?device=tr%E1%BA%A1m-1", "device"],
      ["/api/v1/rejected?reason=unknown", "reason"],
      ["/api/v1/rejected?reason=INVALID_JSON", "reason"],
    ];

    it.each(cases)("GET %s → 400 naming %s", async (url, parameter) => {
      const response = await get(url);
      expect({ url, status: response.status }).toEqual({ url, status: 400 });
      expect(response.headers["content-type"]).toMatch(/^application\/json/);
      const body = response.json();
      expect(body).toEqual({ error: expect.any(String), message: expect.any(String) });
      expect(body.message).toContain(parameter);
    });

    // Fastify refuses a path that is not valid percent-encoding before routing; the answer should
    // still be the API's own 400 shape, like every other refusal above.
    it("GET /api/v1/devices/%E0%A4%A (broken percent-encoding) → 400 in the API's error shape", async () => {
      const response = await get("/api/v1/devices/%E0%A4%A");
      expect(response.status).toBe(400);
      expect(response.headers["content-type"]).toMatch(/^application\/json/);
      expect(response.json()).toEqual({ error: "bad_request", message: expect.stringContaining("%E0%A4%A") });
    });
  });
});
