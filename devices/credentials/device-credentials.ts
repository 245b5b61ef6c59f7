import type { Kysely } from "kysely";
import type { Clock } from "../../kernel/clock.js";
import {
  createDeviceCredentialsRepository,
  type DeviceAccessState,
} from "../store/device-credentials-repository.js";
import type { DeviceTables } from "../store/device-schema.js";
import { createDeviceSecretHasher, generateDeviceSecret, type StoredHashProblem } from "./secret-hash.js";

export type { DeviceAccessState } from "../store/device-credentials-repository.js";

export type CredentialVerdict = "ok" | "unknown" | "wrong" | "decommissioned";

export interface CredentialCheck {
  readonly verdict: CredentialVerdict;
  /**
   * Identifies the credential that was checked (its stored hash). A connection remembers it:
   * when a later look-up shows another tag, the secret was rotated or revoked.
   */
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

export interface DeviceCredentialsOptions {
  /** The server key of the secret hashes (DEVICE_SECRET_KEY or DATA_DIR/device-secret-key: see secret-key.ts). */
  readonly secretKey: string;
  /**
   * A stored hash that can verify nothing: malformed, or made under another server key (the
   * processes do not share DEVICE_SECRET_KEY, or DATA_DIR lost its key file). The device is
   * refused as with a wrong secret; this says why, for the log.
   */
  readonly onUnusableHash?: (deviceId: string, problem: StoredHashProblem) => void;
}

/**
 * The broker secrets of the devices: issued by the service (generateDeviceSecret, 256 bits),
 * stored as a keyed HMAC (secret-hash.ts), checked on every CONNECT with one database read and
 * one HMAC — no cache, so a rotation or revocation by any process counts at the next check.
 * A legacy scrypt hash is checked once and replaced by the HMAC of the same secret.
 */
export function createDeviceCredentials(
  db: Kysely<DeviceTables>,
  clock: Clock,
  options: DeviceCredentialsOptions,
): DeviceCredentials {
  const repository = createDeviceCredentialsRepository(db, clock);
  const hasher = createDeviceSecretHasher(options.secretKey);

  async function check(deviceId: string, secret: string): Promise<CredentialCheck> {
    const stored = await repository.find(deviceId);
    // Device ids are public (the map shows them), so there is no point hiding which exist.
    if (!stored) return { verdict: "unknown", credentialTag: null };
    const verification = await hasher.verify(secret, stored.secretHash);
    if (!verification.matches) {
      if (verification.problem !== null) options.onUnusableHash?.(deviceId, verification.problem);
      return { verdict: "wrong", credentialTag: null };
    }
    let credentialTag = stored.secretHash;
    if (verification.upgradedHash !== null) {
      // Only if nobody rotated or revoked it meanwhile. When that happened, the tag (which the
      // row no longer holds) makes the broker close the connection at its next look-up.
      await repository.replaceHash(deviceId, stored.secretHash, verification.upgradedHash);
      credentialTag = verification.upgradedHash;
    }
    // Only a holder of the right secret learns that the device is decommissioned.
    const verdict = stored.lifecycle === "decommissioned" ? "decommissioned" : "ok";
    return { verdict, credentialTag };
  }

  return {
    async issue(deviceId) {
      if (!(await repository.deviceExists(deviceId))) {
        throw new Error(`cannot issue credentials for unknown device ${deviceId}`);
      }
      const secret = generateDeviceSecret();
      await repository.save(deviceId, hasher.hash(secret));
      return secret;
    },

    async verify(deviceId, secret) {
      return (await check(deviceId, secret)).verdict;
    },

    check,

    revoke: (deviceId) => repository.remove(deviceId),

    accessStates: (deviceIds) => repository.accessStates(deviceIds),
  };
}
