import type { Kysely } from "kysely";
import type { Clock } from "../../kernel/clock.js";
import { type DeviceLifecycle, lifecycleOf } from "../model/device-admin.js";
import type { DeviceTables } from "./device-schema.js";

/** What the broker needs to know about a device that is (or wants to be) connected. */
export interface DeviceAccessState {
  readonly lifecycle: DeviceLifecycle;
  /** The stored secret hash; null when the device has no credentials (never issued, or revoked). */
  readonly credentialTag: string | null;
}

/** A device's stored secret hash with its lifecycle. */
export interface StoredCredential {
  readonly secretHash: string;
  readonly lifecycle: DeviceLifecycle;
}

/**
 * The device_credentials table: SQL only. What a hash is and how a secret is checked against
 * it is devices/credentials/secret-hash.ts; devices/credentials/device-credentials.ts combines both.
 */
export interface DeviceCredentialsRepository {
  deviceExists(deviceId: string): Promise<boolean>;
  /** The device's stored hash and lifecycle; undefined without credentials (or without the device). */
  find(deviceId: string): Promise<StoredCredential | undefined>;
  /** Stores a new secret hash: created now, or rotated now when the device had one. */
  save(deviceId: string, secretHash: string): Promise<void>;
  /**
   * Replaces the hash of the same secret by another form of it (not a rotation: rotated_at stays),
   * only while the stored hash is still `expected`. False when it changed meanwhile (rotated,
   * revoked, or already replaced).
   */
  replaceHash(deviceId: string, expected: string, replacement: string): Promise<boolean>;
  /** Deletes the device's credentials. */
  remove(deviceId: string): Promise<void>;
  /** Lifecycle and stored hash of each device that exists (unknown ids are absent). */
  accessStates(deviceIds: readonly string[]): Promise<Map<string, DeviceAccessState>>;
}

const LOOKUP_CHUNK = 500;

export function createDeviceCredentialsRepository(
  db: Kysely<DeviceTables>,
  clock: Clock,
): DeviceCredentialsRepository {
  return {
    async deviceExists(deviceId) {
      const row = await db.selectFrom("devices").select("id").where("id", "=", deviceId).executeTakeFirst();
      return row !== undefined;
    },

    async find(deviceId) {
      const row = await db
        .selectFrom("device_credentials")
        .innerJoin("devices", "devices.id", "device_credentials.device_id")
        .select(["device_credentials.secret_hash", "devices.lifecycle"])
        .where("device_credentials.device_id", "=", deviceId)
        .executeTakeFirst();
      return row && { secretHash: row.secret_hash, lifecycle: lifecycleOf(row.lifecycle) };
    },

    async save(deviceId, secretHash) {
      const now = clock.now();
      await db
        .insertInto("device_credentials")
        .values({ device_id: deviceId, secret_hash: secretHash, created_at: now, rotated_at: null })
        .onConflict((oc) => oc.column("device_id").doUpdateSet({ secret_hash: secretHash, rotated_at: now }))
        .execute();
    },

    async replaceHash(deviceId, expected, replacement) {
      const result = await db
        .updateTable("device_credentials")
        .set({ secret_hash: replacement })
        .where("device_id", "=", deviceId)
        .where("secret_hash", "=", expected)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async remove(deviceId) {
      await db.deleteFrom("device_credentials").where("device_id", "=", deviceId).execute();
    },

    async accessStates(deviceIds) {
      const states = new Map<string, DeviceAccessState>();
      const unique = [...new Set(deviceIds)];
      // Chunks keep each statement under SQLite's limit on bound variables.
      for (let start = 0; start < unique.length; start += LOOKUP_CHUNK) {
        const rows = await db
          .selectFrom("devices")
          .leftJoin("device_credentials", "device_credentials.device_id", "devices.id")
          .select(["devices.id", "devices.lifecycle", "device_credentials.secret_hash"])
          .where("devices.id", "in", unique.slice(start, start + LOOKUP_CHUNK))
          .execute();
        for (const row of rows) {
          states.set(row.id, { lifecycle: lifecycleOf(row.lifecycle), credentialTag: row.secret_hash });
        }
      }
      return states;
    },
  };
}
