import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import { openSqliteDatabase } from "../../platform/sqlite/sqlite-database.js";
import { openServiceMetadata } from "../../service/metadata.js";
import { describeEachMetadataBackend } from "../../test/support/metadata-backends.js";
import type { DeviceProfile } from "../model/device.js";
import { createDeviceRegistry, type DeviceRecord } from "./device-registry.js";

const T0 = Date.UTC(2026, 10, 21, 1, 0, 0);

const airStation: DeviceProfile = {
  id: "tn-air-001",
  name: "Trạm không khí Phường Tân Ninh",
  kind: "air",
  area: "p-tan-ninh",
  areaName: "Phường Tân Ninh",
  lat: 11.31,
  lon: 106.1,
  metrics: ["pm25", "pm10", "temperature"],
};

const waterStation: DeviceProfile = {
  id: "la-wq-002",
  name: "Trạm chất lượng nước sông Vàm Cỏ Đông",
  kind: "water_quality",
  area: "p-long-an",
  areaName: "Phường Long An",
  lat: 10.54,
  lon: 106.41,
  metrics: ["ph", "do", "cod"],
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

const waterLevelStation: DeviceProfile = {
  id: "la-wl-004",
  name: "Mực nước sông Vàm Cỏ Tây tại Kiến Tường",
  kind: "water_level",
  area: "kien-tuong",
  areaName: "Phường Kiến Tường",
  lat: 10.776,
  lon: 105.93,
  metrics: ["water_level", "rainfall"],
  floodLevels: { I: 1.2, II: 1.5, III: 1.8 },
};

const registeredRecord = (p: DeviceProfile): DeviceRecord => ({
  id: p.id,
  name: p.name,
  kind: p.kind,
  area: p.area,
  areaName: p.areaName,
  lat: p.lat,
  lon: p.lon,
  metrics: [...p.metrics],
  registered: true,
  status: "unknown",
  statusAt: null,
  floodLevels: p.floodLevels ?? null,
  wqiSettings: p.wqiSettings ?? null,
  lifecycle: "active",
  calibration: null,
});

const unregisteredRecord = (id: string): DeviceRecord => ({
  id,
  name: id,
  kind: null,
  area: null,
  areaName: null,
  lat: null,
  lon: null,
  metrics: [],
  registered: false,
  status: "unknown",
  statusAt: null,
  floodLevels: null,
  wqiSettings: null,
  lifecycle: "active",
  calibration: null,
});

describeEachMetadataBackend("device registry", (backend) => {
  const toClean: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const clean of toClean.splice(0)) await clean();
  });

  async function openTempMetadata() {
    const database = await backend.createDatabase();
    toClean.push(() => database.close());
    return database;
  }

  const fixedClock = (): Clock => ({ now: () => T0 });

  it("registers devices and their areas", async () => {
    const db = await (await openTempMetadata()).open();
    const registry = createDeviceRegistry(db, fixedClock());
    await registry.register([airStation, waterStation, noiseStation]);
    expect(await registry.list()).toEqual(
      [airStation, waterStation, noiseStation].map(registeredRecord).sort((a, b) => a.id.localeCompare(b.id)),
    );
    const areas = await db.selectFrom("areas").selectAll().orderBy("code").execute();
    expect(areas).toEqual([
      { code: "p-long-an", name: "Phường Long An" },
      { code: "p-tan-ninh", name: "Phường Tân Ninh" },
    ]);
  });

  it("is idempotent, and registering again updates the profile and the area name", async () => {
    const db = await (await openTempMetadata()).open();
    const registry = createDeviceRegistry(db, fixedClock());
    await registry.register([airStation, noiseStation]);
    await registry.register([airStation, noiseStation]);
    expect(await registry.list()).toHaveLength(2);

    const moved: DeviceProfile = {
      ...airStation,
      name: "Trạm không khí (đã di dời)",
      lat: 11.32,
      metrics: ["pm25"],
      areaName: "Phường Tân Ninh (mới)",
    };
    await registry.register([moved]);
    expect(await registry.get(airStation.id)).toEqual(registeredRecord(moved));
    // The area is shared, so the other station in it shows the new name too.
    expect((await registry.get(noiseStation.id))?.areaName).toBe("Phường Tân Ninh (mới)");
    expect(await registry.list()).toHaveLength(2);
  });

  it("does nothing when asked to register no devices", async () => {
    const db = await (await openTempMetadata()).open();
    const registry = createDeviceRegistry(db, fixedClock());
    await registry.register([]);
    expect(await registry.list()).toEqual([]);
  });

  it("lists devices that publish without being registered", async () => {
    const db = await (await openTempMetadata()).open();
    const registry = createDeviceRegistry(db, fixedClock());
    await registry.noteSeen(new Set(["rogue-9", "rogue-1"]));
    await registry.noteSeen(["rogue-1", "rogue-1"]);
    expect(await registry.list()).toEqual([unregisteredRecord("rogue-1"), unregisteredRecord("rogue-9")]);
  });

  it("does not overwrite a registered device when it is seen", async () => {
    const { open } = await openTempMetadata();
    const db = await open();
    await createDeviceRegistry(db, fixedClock()).register([airStation]);
    // A fresh registry has nothing cached, so noteSeen really reaches the database.
    const registry = createDeviceRegistry(db, fixedClock());
    await registry.noteSeen([airStation.id, "rogue-1"]);
    expect(await registry.get(airStation.id)).toEqual(registeredRecord(airStation));
    expect(await registry.get("rogue-1")).toEqual(unregisteredRecord("rogue-1"));
  });

  it("turns a seen device into a registered one when it is registered later", async () => {
    const db = await (await openTempMetadata()).open();
    const registry = createDeviceRegistry(db, fixedClock());
    await registry.noteSeen([waterStation.id]);
    expect((await registry.get(waterStation.id))?.registered).toBe(false);
    expect(await registry.areaOf(waterStation.id)).toBeNull();
    await registry.register([waterStation]);
    expect(await registry.get(waterStation.id)).toEqual(registeredRecord(waterStation));
    expect(await registry.areaOf(waterStation.id)).toBe(waterStation.area);
  });

  it("notes a whole fleet of new devices seen in one ingest batch", async () => {
    const db = await (await openTempMetadata()).open();
    const registry = createDeviceRegistry(db, fixedClock());
    // The ingest batches up to 5000 messages, so a first start can see thousands of new ids at once.
    const ids = Array.from({ length: 5000 }, (_, i) => `fleet-${String(i).padStart(4, "0")}`);
    await registry.noteSeen(ids);
    const listed = await registry.list();
    expect(listed.map((d) => d.id)).toEqual(ids);
    expect(listed.every((d) => !d.registered)).toBe(true);
  });

  it("records status changes, for registered and unknown devices alike", async () => {
    const db = await (await openTempMetadata()).open();
    const registry = createDeviceRegistry(db, fixedClock());
    await registry.register([airStation]);
    await registry.setStatus(airStation.id, "online", T0 + 1000);
    expect(await registry.get(airStation.id)).toEqual({
      ...registeredRecord(airStation),
      status: "online",
      statusAt: T0 + 1000,
    });
    await registry.setStatus(airStation.id, "offline", T0 + 2000);
    expect(await registry.get(airStation.id)).toMatchObject({ status: "offline", statusAt: T0 + 2000 });

    await registry.setStatus("rogue-5", "online", T0 + 3000);
    expect(await registry.get("rogue-5")).toEqual({
      ...unregisteredRecord("rogue-5"),
      status: "online",
      statusAt: T0 + 3000,
    });
  });

  it("keeps the status when a device is registered again", async () => {
    const db = await (await openTempMetadata()).open();
    const registry = createDeviceRegistry(db, fixedClock());
    await registry.register([airStation]);
    await registry.setStatus(airStation.id, "online", T0 + 1000);
    await registry.register([{ ...airStation, name: "Tên mới" }]);
    expect(await registry.get(airStation.id)).toMatchObject({
      name: "Tên mới",
      status: "online",
      statusAt: T0 + 1000,
    });
  });

  it("lists the devices of one area", async () => {
    const db = await (await openTempMetadata()).open();
    const registry = createDeviceRegistry(db, fixedClock());
    await registry.register([airStation, waterStation, noiseStation]);
    await registry.noteSeen(["rogue-1"]);
    expect((await registry.list({ area: "p-tan-ninh" })).map((d) => d.id)).toEqual([
      "tn-air-001",
      "tn-noise-003",
    ]);
    expect((await registry.list({ area: "p-long-an" })).map((d) => d.id)).toEqual(["la-wq-002"]);
    expect(await registry.list({ area: "p-nowhere" })).toEqual([]);
    expect((await registry.list()).map((d) => d.id)).toEqual([
      "la-wq-002",
      "rogue-1",
      "tn-air-001",
      "tn-noise-003",
    ]);
  });

  it("answers undefined for an unknown device", async () => {
    const db = await (await openTempMetadata()).open();
    const registry = createDeviceRegistry(db, fixedClock());
    await registry.register([airStation]);
    expect(await registry.get("nobody")).toBeUndefined();
  });

  it("tells the area of a device, from the database when nothing is cached", async () => {
    const { open } = await openTempMetadata();
    const db = await open();
    const first = createDeviceRegistry(db, fixedClock());
    await first.register([airStation, waterStation]);
    await first.noteSeen(["rogue-1"]);
    expect(await first.areaOf(airStation.id)).toBe("p-tan-ninh");
    expect(await first.areaOf("rogue-1")).toBeNull();
    expect(await first.areaOf("nobody")).toBeNull();

    const fresh = createDeviceRegistry(db, fixedClock());
    expect(await fresh.areaOf(waterStation.id)).toBe("p-long-an");
    expect(await fresh.areaOf("rogue-1")).toBeNull();
    expect(await fresh.areaOf("nobody")).toBeNull();

    // Moving a station to another area is reflected at once.
    await first.register([{ ...airStation, area: "p-long-an", areaName: "Phường Long An" }]);
    expect(await first.areaOf(airStation.id)).toBe("p-long-an");
  });

  it("migrates idempotently when the database is opened twice, keeping the data", async () => {
    const { open } = await openTempMetadata();
    const first = await open();
    await createDeviceRegistry(first, fixedClock()).register([airStation]);
    const appliedFirst = await first
      .selectFrom("kysely_migration" as never)
      .selectAll()
      .execute();
    await first.destroy();

    const second = await open();
    const third = await open();
    expect(await createDeviceRegistry(second, fixedClock()).get(airStation.id)).toEqual(
      registeredRecord(airStation),
    );
    expect(await createDeviceRegistry(third, fixedClock()).list()).toHaveLength(1);
    const applied = await second
      .selectFrom("kysely_migration" as never)
      .selectAll()
      .execute();
    expect(applied).toEqual(appliedFirst);
    expect(applied.length).toBeGreaterThanOrEqual(4);
  });

  it("keeps a water-level station's flood alarm levels, and updates or clears them on registering again", async () => {
    const db = await (await openTempMetadata()).open();
    const registry = createDeviceRegistry(db, fixedClock());
    await registry.register([waterLevelStation, airStation]);
    expect(await registry.get(waterLevelStation.id)).toEqual(registeredRecord(waterLevelStation));
    expect((await registry.get(waterLevelStation.id))?.floodLevels).toEqual({ I: 1.2, II: 1.5, III: 1.8 });
    expect((await registry.get(airStation.id))?.floodLevels).toBeNull();
    expect((await registry.list({ area: "kien-tuong" }))[0]?.floodLevels).toEqual({
      I: 1.2,
      II: 1.5,
      III: 1.8,
    });

    await registry.register([{ ...waterLevelStation, floodLevels: { I: 1.4, II: 1.7, III: 2.1 } }]);
    expect((await registry.get(waterLevelStation.id))?.floodLevels).toEqual({ I: 1.4, II: 1.7, III: 2.1 });

    // The profile is the whole truth: registering it without levels removes them.
    const { floodLevels: _dropped, ...withoutLevels } = waterLevelStation;
    await registry.register([withoutLevels]);
    expect((await registry.get(waterLevelStation.id))?.floodLevels).toBeNull();
  });

  it("keeps a water-quality station's VN_WQI settings; a change replaces them, null removes them", async () => {
    const db = await (await openTempMetadata()).open();
    const registry = createDeviceRegistry(db, fixedClock());
    const river = {
      ...airStation,
      id: "tn-wq-metal-1",
      kind: "water_quality" as const,
      metrics: ["ph", "cod"] as DeviceProfile["metrics"],
      wqiSettings: { weighted: true, requiredGroups: ["III" as const] },
    };
    await registry.register([river]);
    expect(await registry.get(river.id)).toEqual(registeredRecord(river));
    const actor = { actor: "admin" };
    const patched = await registry.update(
      river.id,
      { wqiSettings: { weighted: false, requiredGroups: ["II", "III"] } },
      actor,
    );
    expect(patched.wqiSettings).toEqual({ weighted: false, requiredGroups: ["II", "III"] });
    expect((await registry.update(river.id, { wqiSettings: null }, actor)).wqiSettings).toBeNull();
    expect((await registry.get(airStation.id))?.wqiSettings ?? null).toBeNull();
  });

  it("refuses flood levels that do not rise, and writes nothing of that batch", async () => {
    const db = await (await openTempMetadata()).open();
    const registry = createDeviceRegistry(db, fixedClock());
    await expect(
      registry.register([airStation, { ...waterLevelStation, floodLevels: { I: 1.5, II: 1.5, III: 1.8 } }]),
    ).rejects.toThrow(/la-wl-004: flood levels must rise/);
    await expect(
      registry.register([{ ...waterLevelStation, floodLevels: { I: 1.2, II: Number.NaN, III: 1.8 } }]),
    ).rejects.toThrow(/flood level II/);
    expect(await registry.list()).toEqual([]);
  });

  it("upgrades a database the first release created: its devices get the later columns' defaults", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tn-registry-old-"));
    // The schema as the first migration left it (applied migrations never change), with one device.
    const sqlite = openSqliteDatabase(dir);
    sqlite.exec(`
      CREATE TABLE areas (code text PRIMARY KEY, name text NOT NULL);
      CREATE TABLE devices (id text PRIMARY KEY, name text NOT NULL, kind text,
        area_code text REFERENCES areas (code), lat double precision, lon double precision,
        metrics text NOT NULL DEFAULT '[]', registered integer NOT NULL DEFAULT 0,
        status text NOT NULL DEFAULT 'unknown', status_at bigint, created_at bigint NOT NULL);
      CREATE INDEX devices_area ON devices (area_code);
      CREATE TABLE dead_letters (id integer PRIMARY KEY AUTOINCREMENT, received_at bigint NOT NULL,
        device_id text, topic text NOT NULL, reason text NOT NULL, message text NOT NULL,
        entry_index integer, metric text, payload text NOT NULL, truncated integer NOT NULL DEFAULT 0);
      CREATE TABLE kysely_migration (name varchar(255) NOT NULL PRIMARY KEY, timestamp varchar(255) NOT NULL);
      INSERT INTO kysely_migration VALUES ('2026-11-21-001-devices-areas-dead-letters', '2026-11-21T00:00:00.000Z');
      INSERT INTO areas VALUES ('p-tan-ninh', 'Phường Tân Ninh');
      INSERT INTO devices (id, name, kind, area_code, lat, lon, metrics, registered, created_at)
        VALUES ('tn-air-001', 'Trạm không khí Phường Tân Ninh', 'air', 'p-tan-ninh', 11.31, 106.1,
                '["pm25","pm10","temperature"]', 1, ${T0});
    `);
    const upgraded = await openServiceMetadata(sqlite);
    toClean.push(async () => {
      await upgraded.destroy();
      await rm(dir, { recursive: true, force: true });
    });
    const registry = createDeviceRegistry(upgraded, fixedClock());
    expect(await registry.get(airStation.id)).toEqual(registeredRecord(airStation));
    expect(await registry.calibrationHistory(airStation.id)).toEqual([]);
    await registry.register([waterLevelStation]);
    expect((await registry.get(waterLevelStation.id))?.floodLevels).toEqual({ I: 1.2, II: 1.5, III: 1.8 });
  });

  describe("administration", () => {
    const admin = { actor: "admin" };
    const newAir = {
      id: "tn-air-101",
      name: "Trạm không khí Hòa Thành",
      kind: "air" as const,
      area: "hoa-thanh",
      areaName: "Phường Hòa Thành",
      lat: 11.28,
      lon: 106.13,
      metrics: ["pm25" as const, "temperature" as const],
    };

    function steppingClock(start = T0) {
      let now = start;
      return { now: () => now, advance: (ms: number) => (now += ms) };
    }

    it("creates a device, with an area that is new, and refuses the same id again", async () => {
      const db = await (await openTempMetadata()).open();
      const registry = createDeviceRegistry(db, fixedClock());
      const created = await registry.create(newAir, admin);
      expect(created).toEqual({
        ...registeredRecord({ ...newAir, areaName: "Phường Hòa Thành" }),
        lifecycle: "active",
        calibration: null,
      });
      await expect(registry.create({ ...newAir, name: "again" }, admin)).rejects.toMatchObject({
        code: "conflict",
        message: "device 'tn-air-101' is already registered",
      });
      expect((await registry.get(newAir.id))?.name).toBe(newAir.name);
    });

    it("needs the name of an area it does not know, and uses the known name otherwise", async () => {
      const db = await (await openTempMetadata()).open();
      const registry = createDeviceRegistry(db, fixedClock());
      const { areaName: _name, ...withoutAreaName } = newAir;
      await expect(registry.create(withoutAreaName, admin)).rejects.toMatchObject({
        code: "invalid",
        message: "area 'hoa-thanh' is not known yet: give its name (areaName) to add it",
      });
      expect(await registry.list()).toEqual([]);
      await registry.register([airStation]);
      const sameArea = await registry.create({ ...withoutAreaName, area: airStation.area }, admin);
      expect(sameArea.areaName).toBe(airStation.areaName);
    });

    it("registers a device that was already publishing, keeping its presence status", async () => {
      const db = await (await openTempMetadata()).open();
      const registry = createDeviceRegistry(db, fixedClock());
      await registry.setStatus(newAir.id, "online", T0 + 5);
      const created = await registry.create(newAir, admin);
      expect(created).toMatchObject({ registered: true, status: "online", statusAt: T0 + 5 });
    });

    it("updates only the fields given, and refuses unregistered or unknown devices", async () => {
      const db = await (await openTempMetadata()).open();
      const registry = createDeviceRegistry(db, fixedClock());
      await registry.create(newAir, admin);
      const moved = await registry.update(
        newAir.id,
        { area: "go-dau", areaName: "Phường Gò Dầu", lat: 11.08, metrics: ["pm25", "pm10"] },
        admin,
      );
      expect(moved).toMatchObject({
        name: newAir.name,
        area: "go-dau",
        areaName: "Phường Gò Dầu",
        lat: 11.08,
        lon: newAir.lon,
        metrics: ["pm25", "pm10"],
      });
      expect(await registry.areaOf(newAir.id)).toBe("go-dau");
      expect((await registry.update(newAir.id, { lifecycle: "maintenance" }, admin)).lifecycle).toBe(
        "maintenance",
      );
      await expect(registry.update("nobody", { name: "x" }, admin)).rejects.toMatchObject({
        code: "not_found",
        message: "no device 'nobody'",
      });
      await registry.noteSeen(["rogue-1"]);
      await expect(registry.update("rogue-1", { name: "x" }, admin)).rejects.toMatchObject({
        code: "not_found",
        message: "device 'rogue-1' publishes but is not registered: register it first",
      });
    });

    it("keeps the lifecycle and calibration when the demo registers the same profile again", async () => {
      const db = await (await openTempMetadata()).open();
      const registry = createDeviceRegistry(db, fixedClock());
      await registry.register([airStation]);
      await registry.update(airStation.id, { calibration: { pm25: { offset: 1, scale: 1 } } }, admin);
      await registry.setLifecycle(airStation.id, "decommissioned");
      await registry.register([{ ...airStation, name: "Tên mới" }]);
      expect(await registry.get(airStation.id)).toMatchObject({
        name: "Tên mới",
        lifecycle: "decommissioned",
        calibration: { pm25: { offset: 1, scale: 1 } },
      });
    });

    it("keeps every calibration with the time it applies from and who set it", async () => {
      const db = await (await openTempMetadata()).open();
      const clock = steppingClock();
      const registry = createDeviceRegistry(db, clock);
      await registry.create({ ...newAir, calibration: { pm25: { offset: -0.5, scale: 1.02 } } }, admin);
      clock.advance(60_000);
      await registry.update(newAir.id, { name: "no calibration change" }, { actor: "someone" });
      await registry.update(
        newAir.id,
        { calibration: { temperature: { offset: -0.3, scale: 1 } } },
        {
          actor: "technician",
        },
      );
      clock.advance(60_000);
      await registry.update(newAir.id, { calibration: null }, admin);
      expect(await registry.calibrationOf(newAir.id)).toBeNull();
      expect(await registry.calibrationHistory(newAir.id)).toEqual([
        { appliedFrom: T0, calibration: { pm25: { offset: -0.5, scale: 1.02 } }, actor: "admin" },
        {
          appliedFrom: T0 + 60_000,
          calibration: { temperature: { offset: -0.3, scale: 1 } },
          actor: "technician",
        },
        { appliedFrom: T0 + 120_000, calibration: null, actor: "admin" },
      ]);
    });

    it("refuses a calibration of a metric the device does not measure, also after its metrics change", async () => {
      const db = await (await openTempMetadata()).open();
      const registry = createDeviceRegistry(db, fixedClock());
      await expect(
        registry.create({ ...newAir, calibration: { noise: { offset: 1, scale: 1 } } }, admin),
      ).rejects.toMatchObject({ code: "invalid", message: expect.stringMatching(/calibration of noise/) });
      await registry.create({ ...newAir, calibration: { temperature: { offset: 1, scale: 1 } } }, admin);
      await expect(registry.update(newAir.id, { metrics: ["pm25"] }, admin)).rejects.toMatchObject({
        code: "invalid",
        message: expect.stringMatching(/calibration of temperature.*change the calibration too/),
      });
      const both = await registry.update(newAir.id, { metrics: ["pm25"], calibration: null }, admin);
      expect(both).toMatchObject({ metrics: ["pm25"], calibration: null });
    });

    it("serves ingest policies from a cache that a change through the registry clears at once", async () => {
      const db = await (await openTempMetadata()).open();
      const clock = steppingClock();
      const registry = createDeviceRegistry(db, clock, { policyTtlMs: 5000 });
      expect(await registry.ingestPolicyOf(newAir.id)).toEqual({ allowedMetrics: null, calibrations: [] });
      await registry.create({ ...newAir, calibration: { pm25: { offset: 2, scale: 1 } } }, admin);
      const policy = await registry.ingestPolicyOf(newAir.id);
      expect([...(policy.allowedMetrics ?? [])]).toEqual(["pm25", "temperature"]);
      expect(policy.calibrations).toEqual([
        { appliedFrom: T0, calibration: { pm25: { offset: 2, scale: 1 } } },
      ]);

      // Another process (here: another registry on the same database) changes the device.
      const elsewhere = createDeviceRegistry(db, clock);
      await elsewhere.update(newAir.id, { metrics: ["pm25"], calibration: null }, admin);
      expect(await registry.ingestPolicyOf(newAir.id)).toBe(policy);
      clock.advance(5000);
      expect([...((await registry.ingestPolicyOf(newAir.id)).allowedMetrics ?? [])]).toEqual(["pm25"]);

      await registry.update(newAir.id, { metrics: ["pm25", "pm10"] }, admin);
      expect([...((await registry.ingestPolicyOf(newAir.id)).allowedMetrics ?? [])]).toEqual([
        "pm25",
        "pm10",
      ]);

      // Registered without a metrics list (possible through register()): nothing is restricted.
      await registry.register([{ ...airStation, metrics: [] }]);
      expect((await registry.ingestPolicyOf(airStation.id)).allowedMetrics).toBeNull();
    });

    it("tells change listeners about every change, until they unsubscribe", async () => {
      const db = await (await openTempMetadata()).open();
      const registry = createDeviceRegistry(db, fixedClock());
      const seen: string[] = [];
      const unsubscribe = registry.onChange((id) => seen.push(id));
      await registry.register([airStation, noiseStation]);
      await registry.create(newAir, admin);
      await registry.update(newAir.id, { name: "x" }, admin);
      await registry.setLifecycle(newAir.id, "decommissioned");
      registry.announceChange(airStation.id);
      await registry.setStatus(airStation.id, "online", T0);
      await registry.noteSeen(["rogue-1"]);
      await expect(registry.update("nobody", { name: "x" }, admin)).rejects.toThrow();
      unsubscribe();
      await registry.setLifecycle(newAir.id, "active");
      expect(seen).toEqual([airStation.id, noiseStation.id, newAir.id, newAir.id, newAir.id, airStation.id]);
    });

    it("reports a listener that throws, and still commits the change and tells the other listeners", async () => {
      const db = await (await openTempMetadata()).open();
      const failures: string[] = [];
      const registry = createDeviceRegistry(db, fixedClock(), {
        onListenerError: (error, id) => failures.push(`${id}: ${(error as Error).message}`),
      });
      const seen: string[] = [];
      registry.onChange(() => {
        throw new Error("broken listener");
      });
      registry.onChange((id) => seen.push(id));
      await registry.create(newAir, admin);
      expect(failures).toEqual(["tn-air-101: broken listener"]);
      expect(seen).toEqual([newAir.id]);
      expect((await registry.get(newAir.id))?.registered).toBe(true);
    });
  });
});
