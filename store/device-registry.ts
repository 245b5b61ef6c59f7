import type { Kysely, Selectable } from "kysely";
import type { Clock } from "../domain/clock.js";
import {
  type DeviceProfile,
  type DeviceStatus,
  type FloodLevels,
  floodLevelsSchema,
} from "../domain/device.js";
import type { DevicesTable, MetadataDatabase } from "./metadata-schema.js";

export interface DeviceRecord {
  readonly id: string;
  readonly name: string;
  readonly kind: string | null;
  readonly area: string | null;
  readonly areaName: string | null;
  readonly lat: number | null;
  readonly lon: number | null;
  readonly metrics: string[];
  readonly registered: boolean;
  readonly status: DeviceStatus;
  readonly statusAt: number | null;
  /** Flood alarm levels I, II, III in metres (water-level stations); null when none are set. */
  readonly floodLevels: FloodLevels | null;
}

export interface DeviceRegistry {
  /** Registers or updates stations (the demo fleet today; the admin API later). */
  register(profiles: readonly DeviceProfile[]): Promise<void>;
  /** Makes sure a publishing device is listed; unknown ids appear as unregistered. */
  noteSeen(deviceIds: Iterable<string>): Promise<void>;
  setStatus(deviceId: string, status: DeviceStatus, at: number): Promise<void>;
  /** Several status changes in arrival order, in one transaction. */
  setStatuses(updates: readonly StatusChange[]): Promise<void>;
  list(filter?: { readonly area?: string }): Promise<DeviceRecord[]>;
  get(id: string): Promise<DeviceRecord | undefined>;
  /** Area of a device for routing live events; cached. */
  areaOf(deviceId: string): Promise<string | null>;
}

const NOTE_SEEN_CHUNK = 500;

export interface StatusChange {
  readonly deviceId: string;
  readonly status: DeviceStatus;
  readonly at: number;
}

type DeviceRow = Selectable<DevicesTable> & { area_name: string | null };

function toRecord(row: DeviceRow): DeviceRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    area: row.area_code,
    areaName: row.area_name,
    lat: row.lat,
    lon: row.lon,
    metrics: JSON.parse(row.metrics) as string[],
    registered: row.registered === 1,
    status: row.status as DeviceStatus,
    statusAt: row.status_at === null ? null : Number(row.status_at),
    floodLevels: row.flood_levels === null ? null : floodLevelsSchema.parse(JSON.parse(row.flood_levels)),
  };
}

/** Refuses levels that do not rise (the type cannot say I < II < III). */
function floodLevelsColumn(profile: DeviceProfile): string | null {
  if (profile.floodLevels === undefined) return null;
  const checked = floodLevelsSchema.safeParse(profile.floodLevels);
  if (!checked.success) {
    throw new Error(`device ${profile.id}: ${checked.error.issues.map((i) => i.message).join("; ")}`);
  }
  return JSON.stringify({ I: checked.data.I, II: checked.data.II, III: checked.data.III });
}

export function createDeviceRegistry(db: Kysely<MetadataDatabase>, clock: Clock): DeviceRegistry {
  // Ids known to exist, with their area: saves a query per message on the ingest path.
  const known = new Map<string, string | null>();

  const selectDevices = () =>
    db
      .selectFrom("devices")
      .leftJoin("areas", "areas.code", "devices.area_code")
      .selectAll("devices")
      .select("areas.name as area_name");

  return {
    async register(profiles) {
      if (profiles.length === 0) return;
      const now = clock.now();
      const floodLevels = new Map(profiles.map((p) => [p.id, floodLevelsColumn(p)]));
      await db.transaction().execute(async (tx) => {
        const areas = new Map(profiles.map((p) => [p.area, p.areaName]));
        for (const [code, name] of areas) {
          await tx
            .insertInto("areas")
            .values({ code, name })
            .onConflict((oc) => oc.column("code").doUpdateSet({ name }))
            .execute();
        }
        for (const p of profiles) {
          const values = {
            name: p.name,
            kind: p.kind,
            area_code: p.area,
            lat: p.lat,
            lon: p.lon,
            metrics: JSON.stringify(p.metrics),
            registered: 1,
            flood_levels: floodLevels.get(p.id) ?? null,
          };
          await tx
            .insertInto("devices")
            .values({ id: p.id, ...values, status: "unknown", status_at: null, created_at: now })
            .onConflict((oc) => oc.column("id").doUpdateSet(values))
            .execute();
        }
      });
      for (const p of profiles) known.set(p.id, p.area);
    },

    async noteSeen(deviceIds) {
      const fresh = [...new Set(deviceIds)].filter((id) => !known.has(id));
      const now = clock.now();
      // Chunks keep each statement under SQLite's limit on bound variables.
      for (let start = 0; start < fresh.length; start += NOTE_SEEN_CHUNK) {
        const chunk = fresh.slice(start, start + NOTE_SEEN_CHUNK);
        await db
          .insertInto("devices")
          .values(
            chunk.map((id) => ({
              id,
              name: id,
              kind: null,
              area_code: null,
              lat: null,
              lon: null,
              metrics: "[]",
              registered: 0,
              status: "unknown",
              status_at: null,
              created_at: now,
              flood_levels: null,
            })),
          )
          .onConflict((oc) => oc.column("id").doNothing())
          .execute();
        const rows = await db
          .selectFrom("devices")
          .select(["id", "area_code"])
          .where("id", "in", chunk)
          .execute();
        for (const row of rows) known.set(row.id, row.area_code);
      }
    },

    async setStatus(deviceId, status, at) {
      await this.setStatuses([{ deviceId, status, at }]);
    },

    async setStatuses(updates) {
      if (updates.length === 0) return;
      await this.noteSeen(updates.map((u) => u.deviceId));
      // One transaction: with synchronous=FULL every commit is a disk flush.
      await db.transaction().execute(async (tx) => {
        for (const { deviceId, status, at } of updates) {
          await tx.updateTable("devices").set({ status, status_at: at }).where("id", "=", deviceId).execute();
        }
      });
    },

    async list(filter) {
      let query = selectDevices().orderBy("devices.id");
      if (filter?.area) query = query.where("devices.area_code", "=", filter.area);
      return (await query.execute()).map(toRecord);
    },

    async get(id) {
      const row = await selectDevices().where("devices.id", "=", id).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    async areaOf(deviceId) {
      const cached = known.get(deviceId);
      if (cached !== undefined) return cached;
      const row = await db
        .selectFrom("devices")
        .select("area_code")
        .where("id", "=", deviceId)
        .executeTakeFirst();
      if (row) known.set(deviceId, row.area_code);
      return row?.area_code ?? null;
    },
  };
}
