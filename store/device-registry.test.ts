import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Kysely, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import type { Clock } from "../domain/clock.js";
import type { DeviceProfile } from "../domain/device.js";
import { createDeviceRegistry, type DeviceRecord } from "./device-registry.js";
import { openMetadataDatabase } from "./metadata-database.js";
import type { MetadataDatabase } from "./metadata-schema.js";
import { openSqliteDatabase } from "./sqlite-database.js";

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
});

describe("device registry (SQLite)", () => {
  const toClean: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const clean of toClean.splice(0)) await clean();
  });

  async function openTempMetadata() {
    const dir = await mkdtemp(join(tmpdir(), "tn-registry-"));
    const opened: Kysely<MetadataDatabase>[] = [];
    const open = async () => {
      const db = await openMetadataDatabase(openSqliteDatabase(dir));
      opened.push(db);
      return db;
    };
    toClean.push(async () => {
      // Destroying a Kysely instance closes its SQLite connection.
      for (const db of opened) await db.destroy();
      await rm(dir, { recursive: true, force: true });
    });
    return { open, dir };
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
    expect(applied).toHaveLength(2);
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

  it("adds the flood-levels column to a database created before it existed, keeping its devices", async () => {
    const { open } = await openTempMetadata();
    const first = await open();
    await createDeviceRegistry(first, fixedClock()).register([airStation]);
    // Put the database back to how the first migration left it.
    await sql`ALTER TABLE devices DROP COLUMN flood_levels`.execute(first);
    await sql`DELETE FROM kysely_migration WHERE name = '2026-11-22-002-device-flood-levels'`.execute(first);
    await first.destroy();

    const upgraded = await open();
    const registry = createDeviceRegistry(upgraded, fixedClock());
    expect(await registry.get(airStation.id)).toEqual(registeredRecord(airStation));
    await registry.register([waterLevelStation]);
    expect((await registry.get(waterLevelStation.id))?.floodLevels).toEqual({ I: 1.2, II: 1.5, III: 1.8 });
  });
});
