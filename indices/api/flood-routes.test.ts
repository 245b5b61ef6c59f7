import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../../devices/model/device.js";
import { floodLatestResponseSchema } from "../../kernel/api-contract.js";
import type { Clock } from "../../kernel/clock.js";
import { type ApiUnderTest, openApiUnderTest } from "../../test/support/api-under-test.js";
import { floodLevelLabel } from "../calculators/flood-level.js";

const NOW = Date.UTC(2026, 10, 21, 8, 0, 0);
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const clock: Clock = { now: () => NOW };

const river = (id: string, area: string, areaName: string, levels?: DeviceProfile["floodLevels"]) =>
  ({
    id,
    name: `Mực nước ${id}`,
    kind: "water_level",
    area,
    areaName,
    lat: 10.8,
    lon: 106.2,
    metrics: ["water_level", "rainfall"],
    ...(levels === undefined ? {} : { floodLevels: levels }),
  }) satisfies DeviceProfile;

const LEVELS = { I: 1.6, II: 1.9, III: 2.4 };
// One station per alarm level, in the same area; the newest reading decides.
const below = river("wl-below", "go-dau", "Phường Gò Dầu", LEVELS);
const levelOne = river("wl-one", "go-dau", "Phường Gò Dầu", LEVELS);
const levelTwo = river("wl-two", "tan-an", "Phường Tân An", LEVELS);
const levelThree = river("wl-three", "tan-an", "Phường Tân An", LEVELS);
const silent = river("wl-silent", "tan-an", "Phường Tân An", LEVELS);
// A steady river whose newest reading is a spike.
const spiking = river("wl-spike", "ben-cau", "Xã Bến Cầu", LEVELS);
const noLevels = river("wl-no-levels", "kien-tuong", "Phường Kiến Tường");
const air: DeviceProfile = {
  id: "air-1",
  name: "Không khí",
  kind: "air",
  area: "go-dau",
  areaName: "Phường Gò Dầu",
  lat: 11.08,
  lon: 106.26,
  metrics: ["pm25"],
};

/** Residents' copies need no login; the others are read with a viewer's token. */
const isPublic = (url: string) => url.startsWith("/api/v1/public/");

describe("flood alarm levels API (Fastify inject, real SQLite)", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let viewer: Record<string, string>;

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-flood-test-");
    const { fixture } = api;
    await fixture.registry.register([below, levelOne, levelTwo, levelThree, silent, noLevels, air, spiking]);
    await fixture.registry.noteSeen(["rogue-gauge"]);
    const level = (deviceId: string, ts: number, value: number) => ({
      deviceId,
      metric: "water_level" as const,
      ts,
      value,
    });
    await fixture.store.write([
      // Was above level III ten minutes ago; the newest reading is below level I.
      level(below.id, NOW - 10 * MINUTE, 2.6),
      level(below.id, NOW - MINUTE, 1.2),
      // Exactly on a threshold counts as reached.
      level(levelOne.id, NOW - 2 * MINUTE, 1.6),
      level(levelTwo.id, NOW - 3 * MINUTE, 2.05),
      level(levelThree.id, NOW - 4 * MINUTE, 2.7),
      level(noLevels.id, NOW - 5 * MINUTE, 3.1),
      level("rogue-gauge", NOW - 6 * MINUTE, 0.4),
      ...[1.33, 1.34, 1.34, 1.35].map((value, i) => level(spiking.id, NOW - (10 - i) * MINUTE, value)),
      level(spiking.id, NOW - MINUTE, 17.39),
      { deviceId: levelOne.id, metric: "rainfall" as const, ts: NOW, value: 12 },
      { deviceId: air.id, metric: "pm25" as const, ts: NOW, value: 30 },
    ]);
    app = await api.server();
    viewer = await api.headersFor("viewer");
  });

  afterAll(async () => {
    await api?.close();
  });

  const get = async (url: string) => {
    const response = await app.inject({ method: "GET", url, headers: isPublic(url) ? {} : viewer });
    return { status: response.statusCode, json: () => response.json() };
  };

  it("answers every water-level station with its newest level, thresholds and alarm level", async () => {
    const response = await get("/api/v1/flood/latest");
    expect(response.status).toBe(200);
    const body = response.json();
    expect(floodLatestResponseSchema.parse(body)).toEqual(body);
    const byId = new Map(body.stations.map((s: { station: string }) => [s.station, s]));
    expect([...byId.keys()]).toEqual([
      "rogue-gauge",
      "wl-below",
      "wl-no-levels",
      "wl-one",
      "wl-silent",
      "wl-spike",
      "wl-three",
      "wl-two",
    ]);
    expect(byId.get("wl-one")).toEqual({
      station: "wl-one",
      name: "Mực nước wl-one",
      area: "go-dau",
      areaName: "Phường Gò Dầu",
      lat: 10.8,
      lon: 106.2,
      ts: iso(NOW - 2 * MINUTE),
      waterLevel: 1.6,
      thresholds: LEVELS,
      level: 1,
      label: floodLevelLabel(1),
      suspect: null,
    });
    expect(byId.get("wl-below")).toMatchObject({ waterLevel: 1.2, ts: iso(NOW - MINUTE), level: 0 });
    expect(byId.get("wl-below")).toMatchObject({ label: floodLevelLabel(0) });
    expect(byId.get("wl-two")).toMatchObject({ waterLevel: 2.05, level: 2, label: floodLevelLabel(2) });
    expect(byId.get("wl-three")).toMatchObject({ waterLevel: 2.7, level: 3, label: floodLevelLabel(3) });
  });

  it("takes the level from the newest believable reading when the newest is a spike, and names the spike", async () => {
    const { stations } = (await get("/api/v1/flood/latest")).json();
    const spike = stations.find((s: { station: string }) => s.station === spiking.id);
    expect(spike).toMatchObject({
      waterLevel: 1.35,
      ts: iso(NOW - 7 * MINUTE),
      level: 0,
      suspect: { ts: iso(NOW - MINUTE), waterLevel: 17.39 },
    });
  });

  it("lists a station without data or without thresholds, with no level", async () => {
    const { stations } = (await get("/api/v1/flood/latest")).json();
    const byId = new Map(stations.map((s: { station: string }) => [s.station, s]));
    expect(byId.get("wl-silent")).toMatchObject({
      ts: null,
      waterLevel: null,
      thresholds: LEVELS,
      level: null,
      label: null,
    });
    expect(byId.get("wl-no-levels")).toMatchObject({
      waterLevel: 3.1,
      thresholds: null,
      level: null,
      label: null,
    });
    // A gauge publishing without being registered.
    expect(byId.get("rogue-gauge")).toEqual({
      station: "rogue-gauge",
      name: "rogue-gauge",
      area: null,
      areaName: null,
      lat: null,
      lon: null,
      ts: iso(NOW - 6 * MINUTE),
      waterLevel: 0.4,
      thresholds: null,
      level: null,
      label: null,
      suspect: null,
    });
    expect(byId.has("air-1")).toBe(false);
  });

  it("keeps one commune or ward with ?area=, and nothing for an area without stations", async () => {
    const area = (await get("/api/v1/flood/latest?area=tan-an")).json();
    expect(area.stations.map((s: { station: string }) => s.station)).toEqual([
      "wl-silent",
      "wl-three",
      "wl-two",
    ]);
    const withAir = (await get("/api/v1/flood/latest?area=go-dau")).json();
    expect(withAir.stations.map((s: { station: string }) => s.station)).toEqual(["wl-below", "wl-one"]);
    expect((await get("/api/v1/flood/latest?area=nowhere")).json()).toEqual({ stations: [] });
  });

  it("has a public copy for residents that answers the same", async () => {
    for (const query of ["", "?area=tan-an", "?area=nowhere"]) {
      const operators = await get(`/api/v1/flood/latest${query}`);
      const residents = await get(`/api/v1/public/flood/latest${query}`);
      expect(residents.status).toBe(200);
      expect(residents.json()).toEqual(operators.json());
    }
  });

  it("shows the thresholds in the device registry", async () => {
    expect((await get("/api/v1/devices/wl-two")).json()).toMatchObject({ floodLevels: LEVELS });
    expect((await get("/api/v1/devices/air-1")).json()).toMatchObject({ floodLevels: null });
    expect((await get("/api/v1/devices/rogue-gauge")).json()).toMatchObject({ floodLevels: null });
  });

  it.each([
    "/api/v1/flood/latest?area=",
    `/api/v1/flood/latest?area=${"x".repeat(65)}`,
    "/api/v1/flood/latest?area=go-dau&area=tan-an",
    "/api/v1/public/flood/latest?area=",
    "/api/v1/public/flood/latest?area=go-dau&area=tan-an",
  ])("GET %s → 400 JSON naming the area", async (url) => {
    const response = await get(url);
    expect(response.status).toBe(400);
    expect(response.json()).toEqual({ error: "bad_request", message: expect.stringContaining("area") });
  });
});
