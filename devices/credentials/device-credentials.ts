import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../../kernel/clock.js";
import { hashPassword, type ScryptCost, verifyPassword } from "../../platform/password-hash.js";
import type { DeviceLifecycle } from "../model/device-admin.js";
import type { DeviceTables } from "./device-schema.js";

/**
 * The broker secret of each device. A secret is 32 random bytes (base64url, 43 characters),
 * so no amount of guessing finds one; the slow hash only keeps a copied database useless.
 * That is why the cost is lower than for operators' passwords: a device proves its secret on
 * every CONNECT, and a whole fleet reconnects at once after a broker restart.
 */
export const DEVICE_SECRET_COST: ScryptCost = { N: 2 ** 13, r: 8, p: 1 };

const SECRET_BYTES = 32;
/** Longer "secrets" are not ours; refusing them early keeps hashing bounded. */
const MAX_SECRET_LENGTH = 256;
/** Successful checks remembered (one entry per device); the oldest go first beyond this. */
const MAX_REMEMBERED = 100_000;

export type CredentialVerdict = "ok" | "unknown" | "wrong" | "decommissioned";

export interface CredentialCheck {
  readonly verdict: CredentialVerdict;
  /**
   * Identifies the credential that was checked (its stored hash). A connection remembers it:
   * when a later look-up shows another tag, the secret was rotated or revoked.
   */
  readonly credentialTag: string | null;
}

/** What the broker needs to know about a device that is (or wants to be) connected. */
export interface DeviceAccessState {
  readonly lifecycle: DeviceLifecycle;
  /** null when the device has no credentials (never issued, or revoked). */
  readonly credentialTag: string | null;
}

export interface DeviceCredentials {
  /** A new secret for the device, replacing any previous one (rotation). Shown once; only its hash is kept. */
  issue(deviceId: string): Promise<string>;
  verify(deviceId: string, secret: string): Promise<CredentialVerdict>;
  /** verify, plus the tag of the credential that matched. */
  check(deviceId: string, secret: string): Promise<CredentialCheck>;
  /** Deletes the device's credentials: it can no longer connect. */
  revoke(deviceId: string): Promise<void>;
  /** Lifecycle and credential tag of each device that exists (unknown ids are absent). */
  accessStates(deviceIds: readonly string[]): Promise<Map<string, DeviceAccessState>>;
}

const LOOKUP_CHUNK = 500;

const fastDigest = (secret: string): Buffer => createHash("sha256").update(secret).digest();

const asLifecycle = (raw: string): DeviceLifecycle =>
  raw === "maintenance" || raw === "decommissioned" ? raw : "active";

export function createDeviceCredentials(
  db: Kysely<DeviceTables>,
  clock: Clock,
  options: { readonly cost?: ScryptCost } = {},
): DeviceCredentials {
  const cost = options.cost ?? DEVICE_SECRET_COST;
  // Device id → the stored hash a secret last matched, and a fast digest of that secret. Keyed by
  // the stored hash too, so a rotation or revocation made by another process misses the cache.
  const remembered = new Map<string, { readonly storedHash: string; readonly digest: Buffer }>();

  const remember = (deviceId: string, storedHash: string, secret: string) => {
    remembered.delete(deviceId);
    remembered.set(deviceId, { storedHash, digest: fastDigest(secret) });
    if (remembered.size > MAX_REMEMBERED) {
      const oldest = remembered.keys().next().value;
      if (oldest !== undefined) remembered.delete(oldest);
    }
  };

  const matchesRemembered = (deviceId: string, storedHash: string, secret: string): boolean => {
    const entry = remembered.get(deviceId);
    return entry?.storedHash === storedHash && timingSafeEqual(entry.digest, fastDigest(secret));
  };

  async function check(deviceId: string, secret: string): Promise<CredentialCheck> {
    const row = await db
      .selectFrom("device_credentials")
      .innerJoin("devices", "devices.id", "device_credentials.device_id")
      .select(["device_credentials.secret_hash", "devices.lifecycle"])
      .where("device_credentials.device_id", "=", deviceId)
      .executeTakeFirst();
    if (!row) {
      remembered.delete(deviceId);
      // Device ids are public (the map shows them), so there is no point hiding which exist.
      return { verdict: "unknown", credentialTag: null };
    }
    const matches =
      secret.length > 0 &&
      secret.length <= MAX_SECRET_LENGTH &&
      (matchesRemembered(deviceId, row.secret_hash, secret) ||
        (await verifyPassword(secret, row.secret_hash)));
    if (!matches) return { verdict: "wrong", credentialTag: null };
    remember(deviceId, row.secret_hash, secret);
    // Only a holder of the right secret learns that the device is decommissioned.
    const verdict = asLifecycle(row.lifecycle) === "decommissioned" ? "decommissioned" : "ok";
    return { verdict, credentialTag: row.secret_hash };
  }

  return {
    async issue(deviceId) {
      const device = await db
        .selectFrom("devices")
        .select("id")
        .where("id", "=", deviceId)
        .executeTakeFirst();
      if (!device) throw new Error(`cannot issue credentials for unknown device ${deviceId}`);
      const secret = randomBytes(SECRET_BYTES).toString("base64url");
      const secretHash = await hashPassword(secret, cost);
      const now = clock.now();
      await db
        .insertInto("device_credentials")
        .values({ device_id: deviceId, secret_hash: secretHash, created_at: now, rotated_at: null })
        .onConflict((oc) => oc.column("device_id").doUpdateSet({ secret_hash: secretHash, rotated_at: now }))
        .execute();
      remembered.delete(deviceId);
      return secret;
    },

    async verify(deviceId, secret) {
      return (await check(deviceId, secret)).verdict;
    },

    check,

    async revoke(deviceId) {
      await db.deleteFrom("device_credentials").where("device_id", "=", deviceId).execute();
      remembered.delete(deviceId);
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
          states.set(row.id, { lifecycle: asLifecycle(row.lifecycle), credentialTag: row.secret_hash });
        }
      }
      return states;
    },
  };
}
