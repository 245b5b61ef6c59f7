/**
 * How a device secret is stored and checked: crypto only, no database.
 *
 * The service makes every device secret itself from 32 random bytes (256 bits), so nobody can
 * guess one and a slow password hash would buy nothing — while costing ~20 ms of CPU on every
 * MQTT CONNECT, minutes for a fleet that reconnects at once. A secret is therefore stored as
 * its HMAC-SHA-256 under a server key (DEVICE_SECRET_KEY, or DATA_DIR/device-secret-key):
 *
 *     hmac-sha256$<key id>$<mac>          (base64url; the key id is 8 characters)
 *
 * The key id names the key without revealing it, so a hash made under another key is told
 * apart from a wrong secret. Hashes of earlier versions, `scrypt$N$r$p$salt$hash`, still
 * verify (slowly, once): the caller then stores the HMAC form in their place.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { verifyPassword } from "../../platform/password-hash.js";

/** Random bytes in a new secret: 256 bits, well above the 128 a fast hash needs. */
export const DEVICE_SECRET_BYTES = 32;
/** The least entropy a device secret may have for a fast hash to be enough. */
export const MIN_DEVICE_SECRET_BITS = 128;
/** Shortest server key accepted (characters, used as their UTF-8 bytes). */
export const MIN_SECRET_KEY_LENGTH = 32;
/** Longer "secrets" are not ours: refused before any hashing. */
export const MAX_DEVICE_SECRET_LENGTH = 256;

export const HMAC_SCHEME = "hmac-sha256";
const LEGACY_SCHEME = "scrypt";
const MAC_BYTES = 32;
const KEY_ID_LENGTH = 8;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{8}$/;
const MAC_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** What the key id is the MAC of: a fixed label, so the id says nothing about any secret. */
const KEY_ID_LABEL = "envmon device secret key id v1";

/** A new device secret: DEVICE_SECRET_BYTES random bytes, base64url (43 characters). */
export function generateDeviceSecret(): string {
  return randomBytes(DEVICE_SECRET_BYTES).toString("base64url");
}

/** Why a stored hash could not be checked at all (as opposed to not matching). */
export type StoredHashProblem = "malformed" | "other_key";

export type SecretVerification =
  | {
      readonly matches: true;
      /** The HMAC form to store instead, when the stored hash was a legacy scrypt one; else null. */
      readonly upgradedHash: string | null;
    }
  | { readonly matches: false; readonly problem: StoredHashProblem | null };

export interface DeviceSecretHasher {
  /** Names the server key in every hash made with it. */
  readonly keyId: string;
  /** The stored form of a secret. Deterministic: the same secret and key give the same hash. */
  hash(secret: string): string;
  /** Whether the secret matches the stored hash. Never throws for a bad stored hash or secret. */
  verify(secret: string, storedHash: string): Promise<SecretVerification>;
}

/** Equality of two MACs in time that does not depend on where they differ; unequal lengths are unequal. */
export function macsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const NO_MATCH = { matches: false, problem: null } as const;

export function createDeviceSecretHasher(secretKey: string): DeviceSecretHasher {
  if (secretKey.length < MIN_SECRET_KEY_LENGTH) {
    throw new Error(`the device secret key must be at least ${MIN_SECRET_KEY_LENGTH} characters`);
  }
  const key = Buffer.from(secretKey, "utf8");
  const mac = (text: string) => createHmac("sha256", key).update(text, "utf8").digest();
  const keyId = mac(KEY_ID_LABEL).toString("base64url").slice(0, KEY_ID_LENGTH);
  const usable = (secret: string) => secret.length > 0 && secret.length <= MAX_DEVICE_SECRET_LENGTH;

  const hash = (secret: string) => [HMAC_SCHEME, keyId, mac(secret).toString("base64url")].join("$");

  function verifyHmac(secret: string, storedHash: string): SecretVerification {
    const [scheme, storedKeyId, storedMac, ...rest] = storedHash.split("$");
    if (
      scheme !== HMAC_SCHEME ||
      rest.length > 0 ||
      storedKeyId === undefined ||
      !KEY_ID_PATTERN.test(storedKeyId) ||
      storedMac === undefined ||
      !MAC_PATTERN.test(storedMac)
    ) {
      return { matches: false, problem: "malformed" };
    }
    if (storedKeyId !== keyId) return { matches: false, problem: "other_key" };
    const expected = Buffer.from(storedMac, "base64url");
    if (expected.length !== MAC_BYTES) return { matches: false, problem: "malformed" };
    if (!usable(secret)) return NO_MATCH;
    return macsEqual(mac(secret), expected) ? { matches: true, upgradedHash: null } : NO_MATCH;
  }

  async function verifyLegacy(secret: string, storedHash: string): Promise<SecretVerification> {
    // scrypt$N$r$p$salt$hash; verifyPassword refuses anything else (and absurd parameters) itself.
    if (storedHash.split("$").length !== 6) return { matches: false, problem: "malformed" };
    if (!usable(secret)) return NO_MATCH;
    try {
      return (await verifyPassword(secret, storedHash))
        ? { matches: true, upgradedHash: hash(secret) }
        : NO_MATCH;
    } catch {
      // Parameters scrypt itself refuses (r * p too large, say): a hash we cannot use.
      return { matches: false, problem: "malformed" };
    }
  }

  return {
    keyId,
    hash,
    async verify(secret, storedHash) {
      if (storedHash.startsWith(`${HMAC_SCHEME}$`)) return verifyHmac(secret, storedHash);
      if (storedHash.startsWith(`${LEGACY_SCHEME}$`)) return verifyLegacy(secret, storedHash);
      return { matches: false, problem: "malformed" };
    },
  };
}
