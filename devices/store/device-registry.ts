import type { Kysely, Selectable, Transaction } from "kysely";
import type { Clock } from "../../kernel/clock.js";
import { ServiceError } from "../../kernel/errors.js";
import { type WqiSettings, wqiSettingsSchema } from "../../kernel/water-quality.js";
import { createListenerSet } from "../../platform/listeners.js";
import {
  type Calibration,
  type CalibrationPeriod,
  calibrationSchema,
  type IngestPolicy,
  OPEN_INGEST_POLICY,
} from "../model/calibration.js";
import {
  type DeviceProfile,
  type DeviceStatus,
  type FloodLevels,
  floodLevelsSchema,
} from "../model/device.js";
import {
  calibrationProblem,
  type DeviceLifecycle,
  type DevicePatch,
  lifecycleOf,
  type NewDevice,
} from "../model/device-admin.js";
import type { DeviceAdminTables } from "./device-admin-schema.js";
import type { DevicesTable, DeviceTables } from "./device-schema.js";

export interface DeviceRecord {
  readonly id: string;
  readonly name: string;
  readonly kind: string | null;
  /** Commune or ward code (two-tier local government since 2025: no district level). */
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
  /** VN_WQI settings of a water-quality station; null for the defaults (formula 4, no required group). */
  readonly wqiSettings: WqiSettings | null;
  /** Alerting ignores devices in maintenance; the broker refuses decommissioned ones. */
  readonly lifecycle: DeviceLifecycle;
  /** The calibration in force now; its history is in device_calibrations. */
  readonly calibration: Calibration | null;
}

/** Who changes a device, for the calibration history. */
export interface ChangeContext {
  readonly actor: string;
}

export type DeviceRegistryErrorCode = "not_found" | "conflict" | "invalid";

/**
 * A change the registry refuses; `code` says which kind (a catalogue code: 404 not_found, 409
 * conflict, 400 invalid when it reaches an API request), the message says why in words.
 */
export class DeviceRegistryError extends ServiceError<DeviceRegistryErrorCode> {
  override readonly name = "DeviceRegistryError";
}

export interface DeviceRegistry {
  /** Registers or updates stations from trusted code (the demo fleet); lifecycle and calibration are kept. */
  register(profiles: readonly DeviceProfile[]): Promise<void>;
  /** Registers one new station; refuses an id that is already registered. */
  create(device: NewDevice, context: ChangeContext): Promise<DeviceRecord>;
  /** Changes a registered station; absent fields stay as they are. */
  update(id: string, patch: DevicePatch, context: ChangeContext): Promise<DeviceRecord>;
  setLifecycle(id: string, lifecycle: DeviceLifecycle): Promise<DeviceRecord>;
  /** Makes sure a publishing device is listed; unknown ids appear as unregistered. */
  noteSeen(deviceIds: Iterable<string>): Promise<void>;
  setStatus(deviceId: string, status: DeviceStatus, at: number): Promise<void>;
  /** Several status changes in arrival order, in one transaction. */
  setStatuses(updates: readonly StatusChange[]): Promise<void>;
  list(filter?: { readonly area?: string }): Promise<DeviceRecord[]>;
  get(id: string): Promise<DeviceRecord | undefined>;
  /** Area of a device for routing live events; cached. */
  areaOf(deviceId: string): Promise<string | null>;
  /** The calibration in force now (null when none, or the device is unknown). */
  calibrationOf(deviceId: string): Promise<Calibration | null>;
  /** Every calibration the device has had, oldest first. */
  calibrationHistory(deviceId: string): Promise<CalibrationHistoryEntry[]>;
  /**
   * Allowed metrics and calibration history for the ingest path. Cached: dropped at once on a change
   * made through this registry, and after `policyTtlMs` otherwise (a change made by another process).
   */
  ingestPolicyOf(deviceId: string): Promise<IngestPolicy>;
  /**
   * Calls `listener` after every committed change of a device (not for presence status or noteSeen),
   * so that the broker and caches drop what they know about it. Returns an unsubscribe.
   */
  onChange(listener: (deviceId: string) => void): () => void;
  /** Tells the change listeners about a change made outside the registry (a secret issued or revoked). */
  announceChange(deviceId: string): void;
}

export interface CalibrationHistoryEntry extends CalibrationPeriod {
  readonly actor: string;
}

export interface DeviceRegistryOptions {
  /** How long an ingest policy is trusted without a change notice; default 5 s. */
  readonly policyTtlMs?: number;
  /** A change listener threw; the change itself is committed. Default: a process warning. */
  readonly onListenerError?: (error: unknown, deviceId: string) => void;
}

const NOTE_SEEN_CHUNK = 500;
const DEFAULT_POLICY_TTL_MS = 5_000;

export interface StatusChange {
  readonly deviceId: string;
  readonly status: DeviceStatus;
  readonly at: number;
}

type RegistryDatabase = DeviceTables & DeviceAdminTables;
type DeviceRow = Selectable<DevicesTable> & { area_name: string | null };

const parseCalibration = (raw: string | null): Calibration | null =>
  raw === null ? null : calibrationSchema.parse(JSON.parse(raw));

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
    wqiSettings: row.wqi_settings === null ? null : wqiSettingsSchema.parse(JSON.parse(row.wqi_settings)),
    lifecycle: lifecycleOf(row.lifecycle),
    calibration: parseCalibration(row.calibration),
  };
}

/** Refuses levels that do not rise (the type cannot say I < II < III). */
function floodLevelsColumn(id: string, levels: FloodLevels | undefined | null): string | null {
  if (levels === undefined || levels === null) return null;
  const checked = floodLevelsSchema.safeParse(levels);
  if (!checked.success) {
    throw new DeviceRegistryError(
      "invalid",
      `device ${id}: ${checked.error.issues.map((i) => i.message).join("; ")}`,
    );
  }
  return JSON.stringify({ I: checked.data.I, II: checked.data.II, III: checked.data.III });
}

const wqiSettingsColumn = (settings: WqiSettings | null | undefined) =>
  settings ? JSON.stringify(wqiSettingsSchema.parse(settings)) : null;

const calibrationColumn = (calibration: Calibration | null | undefined) =>
  calibration ? JSON.stringify(calibration) : null;

export function createDeviceRegistry(
  db: Kysely<DeviceTables>,
  clock: Clock,
  options: DeviceRegistryOptions = {},
): DeviceRegistry {
  // The calibration history table is declared by the device-admin migration.
  const adminDb = db.withTables<DeviceAdminTables>() as unknown as Kysely<RegistryDatabase>;
  const policyTtlMs = options.policyTtlMs ?? DEFAULT_POLICY_TTL_MS;
  const reportListenerError =
    options.onListenerError ??
    ((error: unknown, deviceId: string) =>
      process.emitWarning(`device registry: change listener failed for ${deviceId}: ${String(error)}`));
  const listeners = createListenerSet<[string]>("device changes", (_channel, error, [deviceId]) =>
    reportListenerError(error, String(deviceId)),
  );
  // Ids known to exist, with their area: saves a query per message on the ingest path.
  const known = new Map<string, string | null>();
  const policies = new Map<string, { readonly policy: IngestPolicy; readonly expiresAt: number }>();
  // Bumped on every change, so that a policy read before a change is not cached after it.
  let generation = 0;
  const changed = (ids: Iterable<string>) => {
    generation += 1;
    for (const id of ids) {
      policies.delete(id);
      listeners.emit(id);
    }
  };

  const selectDevices = (from: Kysely<RegistryDatabase> = adminDb) =>
    from
      .selectFrom("devices")
      .leftJoin("areas", "areas.code", "devices.area_code")
      .selectAll("devices")
      .select("areas.name as area_name");

  const getRecord = async (from: Kysely<RegistryDatabase>, id: string) => {
    const row = await selectDevices(from).where("devices.id", "=", id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  };

  /** Creates the area, or renames it when a name is given; refuses a new area without a name. */
  async function ensureArea(tx: Transaction<RegistryDatabase>, code: string, name: string | undefined) {
    if (name !== undefined) {
      await tx
        .insertInto("areas")
        .values({ code, name })
        .onConflict((oc) => oc.column("code").doUpdateSet({ name }))
        .execute();
      return;
    }
    const existing = await tx.selectFrom("areas").select("code").where("code", "=", code).executeTakeFirst();
    if (!existing) {
      throw new DeviceRegistryError(
        "invalid",
        `area '${code}' is not known yet: give its name (areaName) to add it`,
      );
    }
  }

  async function recordCalibration(
    tx: Transaction<RegistryDatabase>,
    deviceId: string,
    calibration: Calibration | null,
    actor: string,
  ) {
    await tx
      .insertInto("device_calibrations")
      .values({
        device_id: deviceId,
        applied_from: clock.now(),
        calibration: calibrationColumn(calibration),
        actor,
      })
      .execute();
  }

  async function requireRegistered(from: Kysely<RegistryDatabase>, id: string): Promise<DeviceRecord> {
    const record = await getRecord(from, id);
    if (!record?.registered) {
      throw new DeviceRegistryError(
        "not_found",
        record ? `device '${id}' publishes but is not registered: register it first` : `no device '${id}'`,
      );
    }
    return record;
  }

  async function loadPolicy(deviceId: string): Promise<IngestPolicy> {
    const row = await adminDb
      .selectFrom("devices")
      .select(["metrics", "registered"])
      .where("id", "=", deviceId)
      .executeTakeFirst();
    if (row?.registered !== 1) return OPEN_INGEST_POLICY;
    const history = await registry.calibrationHistory(deviceId);
    const metrics = JSON.parse(row.metrics) as string[];
    return {
      // A registration without a metrics list restricts nothing.
      allowedMetrics: metrics.length > 0 ? new Set(metrics) : null,
      calibrations: history.map(({ appliedFrom, calibration }) => ({ appliedFrom, calibration })),
    };
  }

  const registry: DeviceRegistry = {
    async register(profiles) {
      if (profiles.length === 0) return;
      const now = clock.now();
      const floodLevels = new Map(profiles.map((p) => [p.id, floodLevelsColumn(p.id, p.floodLevels)]));
      await adminDb.transaction().execute(async (tx) => {
        const areas = new Map(profiles.map((p) => [p.area, p.areaName]));
        for (const [code, name] of areas) await ensureArea(tx, code, name);
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
            wqi_settings: wqiSettingsColumn(p.wqiSettings),
          };
          await tx
            .insertInto("devices")
            .values({
              id: p.id,
              ...values,
              status: "unknown",
              status_at: null,
              created_at: now,
              lifecycle: "active",
              calibration: null,
            })
            .onConflict((oc) => oc.column("id").doUpdateSet(values))
            .execute();
        }
      });
      for (const p of profiles) known.set(p.id, p.area);
      changed(profiles.map((p) => p.id));
    },

    async create(device, { actor }) {
      const record = await adminDb.transaction().execute(async (tx) => {
        const existing = await tx
          .selectFrom("devices")
          .select("registered")
          .where("id", "=", device.id)
          .executeTakeFirst();
        if (existing?.registered === 1) {
          throw new DeviceRegistryError("conflict", `device '${device.id}' is already registered`);
        }
        const problem = calibrationProblem(device.calibration ?? null, device.metrics);
        if (problem) throw new DeviceRegistryError("invalid", problem);
        await ensureArea(tx, device.area, device.areaName);
        const values = {
          name: device.name,
          kind: device.kind,
          area_code: device.area,
          lat: device.lat,
          lon: device.lon,
          metrics: JSON.stringify(device.metrics),
          registered: 1,
          flood_levels: floodLevelsColumn(device.id, device.floodLevels),
          wqi_settings: wqiSettingsColumn(device.wqiSettings),
          lifecycle: "active",
          calibration: calibrationColumn(device.calibration),
        };
        // A device seen publishing before it was registered keeps its row and its status.
        await tx
          .insertInto("devices")
          .values({ id: device.id, ...values, status: "unknown", status_at: null, created_at: clock.now() })
          .onConflict((oc) => oc.column("id").doUpdateSet(values))
          .execute();
        if (device.calibration) await recordCalibration(tx, device.id, device.calibration, actor);
        return requireRegistered(tx, device.id);
      });
      known.set(record.id, record.area);
      changed([record.id]);
      return record;
    },

    async update(id, patch, { actor }) {
      const record = await adminDb.transaction().execute(async (tx) => {
        const before = await requireRegistered(tx, id);
        const metrics = patch.metrics ?? before.metrics;
        const calibration = patch.calibration === undefined ? before.calibration : patch.calibration;
        const problem = calibrationProblem(calibration, metrics);
        if (problem) {
          throw new DeviceRegistryError(
            "invalid",
            patch.calibration === undefined ? `${problem}: change the calibration too` : problem,
          );
        }
        const area = patch.area ?? before.area;
        if (area !== null && (patch.area !== undefined || patch.areaName !== undefined)) {
          await ensureArea(tx, area, patch.areaName);
        }
        const set = {
          ...(patch.name === undefined ? {} : { name: patch.name }),
          ...(patch.kind === undefined ? {} : { kind: patch.kind }),
          ...(patch.area === undefined ? {} : { area_code: patch.area }),
          ...(patch.lat === undefined ? {} : { lat: patch.lat }),
          ...(patch.lon === undefined ? {} : { lon: patch.lon }),
          ...(patch.metrics === undefined ? {} : { metrics: JSON.stringify(patch.metrics) }),
          ...(patch.floodLevels === undefined
            ? {}
            : { flood_levels: floodLevelsColumn(id, patch.floodLevels) }),
          ...(patch.wqiSettings === undefined ? {} : { wqi_settings: wqiSettingsColumn(patch.wqiSettings) }),
          ...(patch.calibration === undefined ? {} : { calibration: calibrationColumn(patch.calibration) }),
          ...(patch.lifecycle === undefined ? {} : { lifecycle: patch.lifecycle }),
        };
        if (Object.keys(set).length > 0)
          await tx.updateTable("devices").set(set).where("id", "=", id).execute();
        if (
          patch.calibration !== undefined &&
          calibrationColumn(patch.calibration) !== calibrationColumn(before.calibration)
        ) {
          await recordCalibration(tx, id, patch.calibration, actor);
        }
        return requireRegistered(tx, id);
      });
      known.set(record.id, record.area);
      changed([id]);
      return record;
    },

    async setLifecycle(id, lifecycle) {
      const record = await adminDb.transaction().execute(async (tx) => {
        await requireRegistered(tx, id);
        await tx.updateTable("devices").set({ lifecycle }).where("id", "=", id).execute();
        return requireRegistered(tx, id);
      });
      changed([id]);
      return record;
    },

    async noteSeen(deviceIds) {
      const fresh = [...new Set(deviceIds)].filter((id) => !known.has(id));
      const now = clock.now();
      // Chunks keep each statement under SQLite's limit on bound variables.
      for (let start = 0; start < fresh.length; start += NOTE_SEEN_CHUNK) {
        const chunk = fresh.slice(start, start + NOTE_SEEN_CHUNK);
        await adminDb
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
              lifecycle: "active",
              calibration: null,
            })),
          )
          .onConflict((oc) => oc.column("id").doNothing())
          .execute();
        const rows = await adminDb
          .selectFrom("devices")
          .select(["id", "area_code"])
          .where("id", "in", chunk)
          .execute();
        for (const row of rows) known.set(row.id, row.area_code);
      }
    },

    async setStatus(deviceId, status, at) {
      await registry.setStatuses([{ deviceId, status, at }]);
    },

    async setStatuses(updates) {
      if (updates.length === 0) return;
      await registry.noteSeen(updates.map((u) => u.deviceId));
      // One transaction: with synchronous=FULL every commit is a disk flush.
      await adminDb.transaction().execute(async (tx) => {
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

    get: (id) => getRecord(adminDb, id),

    async areaOf(deviceId) {
      const cached = known.get(deviceId);
      if (cached !== undefined) return cached;
      const row = await adminDb
        .selectFrom("devices")
        .select("area_code")
        .where("id", "=", deviceId)
        .executeTakeFirst();
      if (row) known.set(deviceId, row.area_code);
      return row?.area_code ?? null;
    },

    async calibrationOf(deviceId) {
      const row = await adminDb
        .selectFrom("devices")
        .select("calibration")
        .where("id", "=", deviceId)
        .executeTakeFirst();
      return parseCalibration(row?.calibration ?? null);
    },

    async calibrationHistory(deviceId) {
      const rows = await adminDb
        .selectFrom("device_calibrations")
        .select(["applied_from", "calibration", "actor"])
        .where("device_id", "=", deviceId)
        .orderBy("applied_from")
        .orderBy("id")
        .execute();
      return rows.map((row) => ({
        appliedFrom: Number(row.applied_from),
        calibration: parseCalibration(row.calibration),
        actor: row.actor,
      }));
    },

    async ingestPolicyOf(deviceId) {
      const cached = policies.get(deviceId);
      const now = clock.now();
      if (cached && cached.expiresAt > now) return cached.policy;
      const loadedIn = generation;
      const policy = await loadPolicy(deviceId);
      if (loadedIn === generation) policies.set(deviceId, { policy, expiresAt: now + policyTtlMs });
      return policy;
    },

    announceChange(deviceId) {
      changed([deviceId]);
    },

    onChange: (listener) => listeners.add(listener),
  };
  return registry;
}
