import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeriesPoint } from "../../kernel/series.js";
import { type ApiUnderTest, openApiUnderTest } from "../../test/support/api-under-test.js";

/**
 * The SensorThings API over a real SQLite store and registry: conformance-style requests and the
 * JSON shapes SensorThings 1.1 (OGC 18-088) prescribes, paging, $expand, $filter, and attempts to
 * inject through every query option.
 */
const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const clock = { now: () => NOW };
const MINUTE = 60_000;
const START = NOW - 120 * MINUTE;

const station = (id: string, kind: "air" | "water_quality", metrics: string[], lat: number) => ({
  id,
  name: `Trạm ${id}`,
  kind,
  area: "p-tan-ninh",
  areaName: "Phường Tân Ninh",
  lat,
  lon: 106.1,
  metrics: metrics as never,
});

describe("SensorThings API (/sta/v1.1, /sta/v1.0)", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;

  const get = async (url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: "GET", url, headers });
  const json = async (url: string) => {
    const response = await get(url);
    expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
    return response.json() as Record<string, unknown> & { value: Array<Record<string, unknown>> };
  };
  /** Follows @iot.nextLink to the end, returning every entity. */
  const all = async (url: string) => {
    const out: Array<Record<string, unknown>> = [];
    let next: string | undefined = url;
    let pages = 0;
    while (next) {
      const body = await json(next.replace(/^http:\/\/[^/]+/, ""));
      out.push(...body.value);
      next = body["@iot.nextLink"] as string | undefined;
      pages += 1;
      expect(pages).toBeLessThan(100);
    }
    return { entities: out, pages };
  };

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-sta-");
    await api.fixture.registry.register([
      station("tn-air-001", "air", ["pm25", "pm10"], 11.31),
      station("tn-wq-001", "water_quality", ["ph"], 11.2),
      station("tn-air-009", "air", ["pm25"], 11.1),
    ]);
    await api.fixture.registry.setLifecycle("tn-air-009", "decommissioned");
    await api.fixture.registry.register([
      {
        id: "tn-wl-001",
        name: "Trạm tn-wl-001",
        kind: "water_level",
        area: "x-hoa-thanh",
        areaName: "Xã Hòa Thành",
        lat: 11.0,
        lon: 106.3,
        metrics: ["water_level"],
        floodLevels: { I: 1, II: 2, III: 3 },
      },
    ]);
    const points: SeriesPoint[] = [];
    for (let i = 0; i < 120; i += 1) {
      points.push({ deviceId: "tn-air-001", metric: "pm25", ts: START + i * MINUTE, value: i / 2 });
      points.push({ deviceId: "tn-air-009", metric: "pm25", ts: START + i * MINUTE, value: 1 });
      points.push({ deviceId: "tn-test-777", metric: "pm25", ts: START + i * MINUTE, value: 2 });
    }
    // Water levels 0.5, 1.0, …, 3.5 m: alarm levels 0, 1, 1, 2, 2, 3, 3.
    for (let i = 0; i < 7; i += 1)
      points.push({
        deviceId: "tn-wl-001",
        metric: "water_level",
        ts: START + i * MINUTE,
        value: 0.5 + i / 2,
      });
    for (let i = 0; i < 10; i += 1)
      points.push({ deviceId: "tn-wq-001", metric: "ph", ts: START + i * 10 * MINUTE, value: 7 + i / 10 });
    points.push({ deviceId: "tn-air-001", metric: "idx:vn_aqi_1h", ts: NOW - 2 * 3_600_000, value: 87 });
    await api.fixture.store.write(points);
    await api.fixture.registry.noteSeen(["tn-test-777"]);
    app = await api.server({ openData: {}, rateLimits: { public: { max: 100_000, timeWindow: 60_000 } } });
  });

  afterAll(async () => {
    await api?.close();
  });

  /** The id of tn-air-001's PM2.5 Datastream, found as a client would. */
  const pm25 = async () =>
    (
      await json(
        "/sta/v1.1/Datastreams?$filter=properties/series eq 'pm25' and Thing/properties/stationCode eq 'tn-air-001'",
      )
    ).value[0]?.["@iot.id"] as number;

  it("lists the eight entity sets at the service root, with the 1.1 conformance classes", async () => {
    const root = await json("/sta/v1.1");
    expect(root.value.map((v) => v.name)).toEqual([
      "Things",
      "Locations",
      "HistoricalLocations",
      "Datastreams",
      "Sensors",
      "ObservedProperties",
      "Observations",
      "FeaturesOfInterest",
    ]);
    for (const set of root.value) expect(set.url).toBe(`http://localhost:80/sta/v1.1/${set.name}`);
    expect((root.serverSettings as { conformance: string[] }).conformance).toContain(
      "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
    );
    const old = await json("/sta/v1.0/");
    expect(old.value).toHaveLength(8);
    expect(old.serverSettings).toBeUndefined();
    // 1.0 clients get 1.0's GeoJSON media type and links under /sta/v1.0.
    const location = (await json("/sta/v1.0/Locations?$top=1")).value[0];
    expect(location?.encodingType).toBe("application/vnd.geo+json");
    expect(location?.["@iot.selfLink"]).toMatch(/^http:\/\/localhost:80\/sta\/v1\.0\/Locations\(\d+\)$/);
  });

  it("publishes registered stations only: not decommissioned ones, not unregistered (test) devices, and no secrets", async () => {
    const things = await json("/sta/v1.1/Things");
    const codes = things.value.map((t) => (t.properties as { stationCode: string }).stationCode);
    expect(codes.sort()).toEqual(["tn-air-001", "tn-wl-001", "tn-wq-001"]);
    const everything = (await get("/sta/v1.1/Things?$expand=Datastreams/Observations($top=1000)")).body;
    expect(everything).not.toMatch(/secret|calibration|actor|admin/i);
    expect(everything).not.toContain("tn-air-009");
    expect(everything).not.toContain("tn-test-777");
    // Nor reachable by id.
    const observations = await all("/sta/v1.1/Observations?$top=1000");
    expect(observations.entities).toHaveLength(120 + 10 + 1 + 7 + 7);
  });

  it("gives every entity its control information and navigation links (sensing core, A.1)", async () => {
    const mandatory: Record<string, { props: string[]; links: string[] }> = {
      Things: { props: ["name", "description"], links: ["Datastreams", "Locations", "HistoricalLocations"] },
      Locations: {
        props: ["name", "description", "encodingType", "location"],
        links: ["Things", "HistoricalLocations"],
      },
      HistoricalLocations: { props: ["time"], links: ["Thing", "Locations"] },
      Datastreams: {
        props: ["name", "description", "unitOfMeasurement", "observationType"],
        links: ["Thing", "Sensor", "ObservedProperty", "Observations"],
      },
      Sensors: { props: ["name", "description", "encodingType", "metadata"], links: ["Datastreams"] },
      ObservedProperties: { props: ["name", "definition", "description"], links: ["Datastreams"] },
      Observations: {
        props: ["phenomenonTime", "result", "resultTime"],
        links: ["Datastream", "FeatureOfInterest"],
      },
      FeaturesOfInterest: {
        props: ["name", "description", "encodingType", "feature"],
        links: ["Observations"],
      },
    };
    for (const [set, { props, links }] of Object.entries(mandatory)) {
      const body = await json(`/sta/v1.1/${set}`);
      expect(body.value.length, set).toBeGreaterThan(0);
      for (const entity of body.value.slice(0, 3)) {
        expect(typeof entity["@iot.id"], set).toBe("number");
        expect(entity["@iot.selfLink"]).toBe(`http://localhost:80/sta/v1.1/${set}(${entity["@iot.id"]})`);
        for (const p of props) expect(entity, `${set}.${p}`).toHaveProperty(p);
        for (const l of links)
          expect(entity[`${l}@iot.navigationLink`]).toBe(`${entity["@iot.selfLink"] as string}/${l}`);
        const one = await json(`/sta/v1.1/${set}(${entity["@iot.id"]})`);
        expect(one["@iot.id"]).toBe(entity["@iot.id"]);
        for (const l of links) {
          const related = await get(`/sta/v1.1/${set}(${entity["@iot.id"]})/${l}`);
          expect(related.statusCode, `${set}/${l}`).toBe(200);
        }
      }
      expect((await get(`/sta/v1.1/${set}(9223372036854775807)`)).statusCode).toBe(404);
    }
    const location = (await json("/sta/v1.1/Locations")).value[0] as Record<string, unknown>;
    expect(location.encodingType).toBe("application/geo+json");
    expect(location.location).toEqual({ type: "Point", coordinates: [106.1, expect.any(Number)] });
    const property = (await json("/sta/v1.1/ObservedProperties?$filter=name eq 'PM2.5'")).value[0];
    expect(property?.definition).toBe("http://dd.eionet.europa.eu/vocabulary/aq/pollutant/6001");
    const ph = (await json("/sta/v1.1/ObservedProperties?$filter=name eq 'pH'")).value[0];
    expect(ph?.definition).toBe("http://localhost:80/open-data/dictionary#ph");
    const unit = (await json("/sta/v1.1/Datastreams?$filter=properties/series eq 'ph'")).value[0]
      ?.unitOfMeasurement;
    expect(unit).toEqual({
      name: "pH",
      symbol: "pH",
      definition: "http://localhost:80/open-data/dictionary#unit-ph",
    });
  });

  it("reads a property, its raw $value, and association links ($ref)", async () => {
    const thing = (await json("/sta/v1.1/Things?$top=1")).value[0] as Record<string, unknown>;
    const id = thing["@iot.id"] as number;
    expect((await json(`/sta/v1.1/Things(${id})/name`)) as unknown).toEqual({ name: thing.name });
    const raw = await get(`/sta/v1.1/Things(${id})/name/$value`);
    expect(raw.statusCode).toBe(200);
    expect(raw.body).toBe(thing.name);
    const location = await get(`/sta/v1.1/Locations(${id})/location/$value`);
    expect(location.body.startsWith("{")).toBe(true);
    const refs = await json(`/sta/v1.1/Things(${id})/Datastreams/$ref`);
    for (const ref of refs.value) expect(Object.keys(ref)).toEqual(["@iot.selfLink"]);
    expect((await get(`/sta/v1.1/Things(${id})/nosuchproperty`)).statusCode).toBe(404);
    expect((await get("/sta/v1.1/Gadgets")).statusCode).toBe(404);
  });

  it("keeps ids stable across a restart", async () => {
    const before = await json("/sta/v1.1/Datastreams?$select=id,name");
    const again = await api.server({
      openData: {},
      rateLimits: { public: { max: 100, timeWindow: 60_000 } },
    });
    const after = (
      await again.inject({ method: "GET", url: "/sta/v1.1/Datastreams?$select=id,name" })
    ).json();
    expect(after).toEqual(before);
    expect(Object.keys(before.value[0] as object).sort()).toEqual(["@iot.id", "name"]);
  });

  it("pages with $top, $skip and @iot.nextLink under a server-side page limit, and counts with $count", async () => {
    const id = await pm25();
    const first = await json(
      `/sta/v1.1/Datastreams(${id})/Observations?$top=50&$count=true&$orderby=phenomenonTime desc`,
    );
    expect(first["@iot.count"]).toBe(120);
    expect(first.value).toHaveLength(50);
    expect(first["@iot.nextLink"]).toMatch(/\$skip=50/);
    const { entities, pages } = await all(
      `/sta/v1.1/Datastreams(${id})/Observations?$top=50&$orderby=phenomenonTime desc`,
    );
    expect(pages).toBe(3);
    expect(entities).toHaveLength(120);
    expect(new Set(entities.map((e) => e["@iot.id"])).size).toBe(120);
    const times = entities.map((e) => Date.parse(e.phenomenonTime as string));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // Without $top the page holds 100; $top above the limit is capped at 1000.
    expect((await json("/sta/v1.1/Observations")).value).toHaveLength(100);
    const capped = await json("/sta/v1.1/Observations?$top=5000");
    expect(capped.value).toHaveLength(145);
    expect(capped["@iot.nextLink"]).toBeUndefined();
    // Every Observation exactly once across pages of all Datastreams, in id order.
    const everything = await all("/sta/v1.1/Observations?$top=40");
    const ids = everything.entities.map((e) => e["@iot.id"] as number);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(145);
  });

  it("filters Observations on phenomenonTime and result through the store's index", async () => {
    const id = await pm25();
    const from = new Date(START + 10 * MINUTE).toISOString();
    const to = new Date(START + 20 * MINUTE).toISOString();
    const timed = await json(
      `/sta/v1.1/Datastreams(${id})/Observations?$filter=phenomenonTime ge ${from} and phenomenonTime lt ${to}&$count=true`,
    );
    expect(timed["@iot.count"]).toBe(10);
    expect(timed.value.map((o) => o.result)).toEqual([5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5]);
    const high = await json(`/sta/v1.1/Datastreams(${id})/Observations?$filter=result gt 55&$count=true`);
    expect(high["@iot.count"]).toBe(9);
    const both = await json(
      `/sta/v1.1/Observations?$filter=result le 7.2 and phenomenonTime gt ${from} and Datastream/id eq ${id}&$orderby=phenomenonTime asc`,
    );
    expect(both.value.map((o) => o.result)).toEqual([5.5, 6, 6.5, 7]);
    // A residual filter (a function) is checked in memory over the bounded rows.
    const fn = await json(
      "/sta/v1.1/Observations?$filter=round(result) eq 7 and Datastream/ObservedProperty/name eq 'pH'&$count=true",
    );
    expect(fn["@iot.count"]).toBe(5);
    const or = await json(`/sta/v1.1/Datastreams(${id})/Observations?$filter=result eq 0 or result eq 59.5`);
    expect(or.value.map((o) => o.result).sort()).toEqual([0, 59.5]);
    // The flood alarm level of each water level reading (I = 1 m, II = 2 m, III = 3 m).
    const flood = await json(
      "/sta/v1.1/Observations?$filter=Datastream/properties/series eq 'flood_level'&$orderby=phenomenonTime",
    );
    expect(flood.value.map((o) => o.result)).toEqual([0, 1, 1, 2, 2, 3, 3]);
    const floodStream = (await json("/sta/v1.1/Datastreams?$filter=properties/series eq 'flood_level'"))
      .value[0];
    const alarmed = await json(
      `/sta/v1.1/Datastreams(${floodStream?.["@iot.id"]})/Observations?$filter=result ge 2&$count=true`,
    );
    expect(alarmed["@iot.count"]).toBe(4);
    // Bounds on an alarm level are checked on the levels, not passed to the store as water levels.
    const levelOne = await json(
      `/sta/v1.1/Datastreams(${floodStream?.["@iot.id"]})/Observations?$filter=result eq 1&$count=true`,
    );
    expect(levelOne["@iot.count"]).toBe(2);
    const all7 = await json(
      `/sta/v1.1/Datastreams(${floodStream?.["@iot.id"]})/Observations?$count=true&$top=2`,
    );
    expect(all7["@iot.count"]).toBe(7);
    const index = await json(
      "/sta/v1.1/Observations?$filter=Datastream/properties/series eq 'idx:vn_aqi_1h'",
    );
    expect(index.value[0]?.phenomenonTime).toBe("2026-11-21T10:00:00.000Z/2026-11-21T11:00:00.000Z");
  });

  it("filters and orders metadata with the filtering extension's operators and functions", async () => {
    const names = async (q: string) => (await json(`/sta/v1.1/Things?${q}`)).value.map((t) => t.name);
    expect(await names("$filter=startswith(name,'Trạm tn-air')")).toEqual(["Trạm tn-air-001"]);
    expect(await names("$filter=substringof('wq', name) or length(name) gt 100")).toEqual(["Trạm tn-wq-001"]);
    expect(await names("$filter=not (properties/kind eq 'air')")).toEqual([
      "Trạm tn-wl-001",
      "Trạm tn-wq-001",
    ]);
    expect(await names("$orderby=name desc")).toEqual([
      "Trạm tn-wq-001",
      "Trạm tn-wl-001",
      "Trạm tn-air-001",
    ]);
    expect(await names("$filter=Locations/x eq 1")).toEqual([]);
    const streams = await json(
      "/sta/v1.1/Datastreams?$filter=Thing/properties/stationCode eq 'tn-air-001' and unitOfMeasurement/symbol eq 'µg/m³'&$count=true",
    );
    expect(streams["@iot.count"]).toBe(2);
    const hl = await json("/sta/v1.1/HistoricalLocations?$filter=time le now() and year(time) eq 2026");
    expect(hl.value).toHaveLength(3);
  });

  it("expands Datastreams and their Observations, with nested options and nextLinks", async () => {
    const thing = await json(
      "/sta/v1.1/Things(1)?$select=name&$expand=Datastreams($filter=properties/series eq 'pm25';$expand=Observations($top=3;$orderby=phenomenonTime desc;$count=true),ObservedProperty)",
    );
    expect(thing.name).toBe("Trạm tn-air-001");
    const datastreams = thing.Datastreams as Array<Record<string, unknown>>;
    expect(datastreams).toHaveLength(1);
    const [d] = datastreams as [Record<string, unknown>];
    expect((d.Observations as unknown[]).length).toBe(3);
    expect(d["Observations@iot.count"]).toBe(120);
    const nextLink = d["Observations@iot.nextLink"] as string;
    expect(nextLink).toMatch(/Datastreams\(\d+\)\/Observations\?.*\$top=3&\$skip=3$/);
    // The expanded collection's nextLink keeps its order: the next page continues downwards in time.
    const next = await json(nextLink.replace(/^http:\/\/[^/]+/, ""));
    const firstPage = (d.Observations as Array<{ phenomenonTime: string }>).map((o) => o.phenomenonTime);
    const secondPage = next.value.map((o) => o.phenomenonTime as string);
    const newestSix = await json(
      `/sta/v1.1/Datastreams(${d["@iot.id"]})/Observations?$orderby=phenomenonTime desc&$top=6`,
    );
    const times = newestSix.value.map((o) => o.phenomenonTime);
    expect(firstPage).toEqual(times.slice(0, 3));
    expect(secondPage).toEqual(times.slice(3, 6));
    expect(next["@iot.count"]).toBe(120);
    expect((d.ObservedProperty as Record<string, unknown>).name).toBe("PM2.5");
    const obs = await json("/sta/v1.1/Observations?$top=1&$expand=Datastream/Thing,FeatureOfInterest");
    const expanded = obs.value[0] as Record<string, Record<string, unknown>>;
    expect((expanded.Datastream?.Thing as Record<string, unknown> | undefined)?.name).toBe("Trạm tn-air-001");
    expect(expanded.FeatureOfInterest?.feature).toEqual({ type: "Point", coordinates: [106.1, 11.31] });
  });

  it("refuses malformed and hostile query options with a 400 naming the problem, and changes nothing", async () => {
    const before = (await json("/sta/v1.1/Observations?$count=true&$top=1"))["@iot.count"];
    const hostile = [
      "$filter=name eq 'x'; DROP TABLE ts_readings; --'",
      "$filter=name eq 'x' or 1=1",
      "$filter=result gt 1e999",
      "$filter=substringof(name)",
      "$filter=nosuchfunction(name) eq 1",
      `$filter=${"(".repeat(200)}1${")".repeat(200)}`,
      "$filter=geo.intersects(location, geography'POLYGON((0 0,1 1,1 0,0 0))')",
      "$orderby=name; DELETE FROM devices",
      "$orderby=name sideways",
      '$select=name,"; DROP TABLE devices',
      "$expand=Datastreams($filter=1 eq 1 or ')",
      "$expand=Datastreams/../../etc",
      "$top=-1",
      "$top=1e3",
      "$skip=abc",
      "$skip=99999999999",
      "$count=yes",
      "$top=1&$top=2",
      "$unknown=1",
      "$resultFormat=dataArray",
    ];
    for (const query of hostile) {
      const response = await get(`/sta/v1.1/Things?${query.replace(/ /g, "%20").replace(/#/g, "%23")}`);
      expect(response.statusCode, `${query} → ${response.body}`).toBe(400);
      expect(response.json().error).toBe("bad_request");
      expect(response.json().message.length).toBeGreaterThan(5);
    }
    for (const path of [
      "Things('1 OR 1=1')",
      "Things(1 OR 1=1)",
      "Things(1)/Datastreams(abc)",
      "Datastreams(1)/Observations(1;DROP)",
    ]) {
      const response = await get(`/sta/v1.1/${encodeURI(path)}`);
      expect([400, 404], `${path} → ${response.body}`).toContain(response.statusCode);
    }
    const observationFilter = await get(
      `/sta/v1.1/Datastreams(${await pm25()})/Observations?$filter=result%20gt%20'1%20OR%201=1'`,
    );
    expect(observationFilter.statusCode).toBe(200);
    expect(observationFilter.json().value).toEqual([]);
    expect((await json("/sta/v1.1/Observations?$count=true&$top=1"))["@iot.count"]).toBe(before);
    expect((await json("/sta/v1.1/Things")).value).toHaveLength(3);
  });

  it("answers with an ETag, and 304 when the client has this version", async () => {
    const first = await get("/sta/v1.1/Things");
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get("/sta/v1.1/Things", { "if-none-match": etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
    expect((await get("/sta/v1.1/Things?$top=1", { "if-none-match": etag })).statusCode).toBe(200);
  });

  it("lets an administrator make a station private or public", async () => {
    const admin = await api.headersFor("admin");
    const viewer = await api.headersFor("viewer");
    const put = (id: string, setting: string | null, headers = admin) =>
      app.inject({ method: "PUT", url: `/api/v1/open-data/stations/${id}`, headers, payload: { setting } });
    expect((await put("tn-wq-001", "private", viewer)).statusCode).toBe(403);
    expect((await put("tn-wq-001", "hidden")).statusCode).toBe(400);
    expect((await put("tn-none-404", "public")).statusCode).toBe(404);
    const hidden = await put("tn-wq-001", "private");
    expect(hidden.json()).toEqual({ device: "tn-wq-001", setting: "private", published: false });
    expect((await json("/sta/v1.1/Things")).value.map((t) => t.name)).toEqual([
      "Trạm tn-air-001",
      "Trạm tn-wl-001",
    ]);
    const opened = await put("tn-air-009", "public");
    expect(opened.json().published).toBe(true);
    expect((await json("/sta/v1.1/Things")).value.map((t) => t.name)).toEqual([
      "Trạm tn-air-001",
      "Trạm tn-wl-001",
      "Trạm tn-air-009",
    ]);
    const listed = await app.inject({ method: "GET", url: "/api/v1/open-data/stations", headers: viewer });
    expect(listed.json().stations).toContainEqual({ device: "tn-test-777", setting: null, published: false });
    await put("tn-wq-001", null);
    await put("tn-air-009", null);
    expect((await json("/sta/v1.1/Things")).value).toHaveLength(3);
  });
});
