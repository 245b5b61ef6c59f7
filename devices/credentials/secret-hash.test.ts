import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashPassword } from "../../platform/password-hash.js";
import {
  createDeviceSecretHasher,
  DEVICE_SECRET_BYTES,
  generateDeviceSecret,
  MIN_DEVICE_SECRET_BITS,
  macsEqual,
} from "./secret-hash.js";

const KEY = "test-device-secret-key-0123456789-abcdef";
const OTHER_KEY = "another-device-secret-key-0123456789-xyz";
/** Cheap scrypt: the legacy path's cost is not what these tests are about. */
const CHEAP = { N: 2 ** 10, r: 8, p: 1 };

/** The secret with its first character changed (the last of a base64url secret carries fewer bits). */
const altered = (secret: string) => `${secret.startsWith("A") ? "B" : "A"}${secret.slice(1)}`;

describe("device secret hashes", () => {
  const hasher = createDeviceSecretHasher(KEY);

  it("generates secrets of 32 random bytes (43 base64url characters), at least 128 bits, never repeated", () => {
    expect(DEVICE_SECRET_BYTES * 8).toBeGreaterThanOrEqual(MIN_DEVICE_SECRET_BITS);
    const secrets = Array.from({ length: 200 }, generateDeviceSecret);
    for (const secret of secrets) {
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(secret, "base64url")).toHaveLength(DEVICE_SECRET_BYTES);
    }
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it("stores hmac-sha256$<key id>$<mac>: the HMAC-SHA-256 of the secret under the key, never the secret", () => {
    const secret = generateDeviceSecret();
    const stored = hasher.hash(secret);
    const [scheme, keyId, mac, ...rest] = stored.split("$");
    expect(rest).toEqual([]);
    expect(scheme).toBe("hmac-sha256");
    expect(keyId).toBe(hasher.keyId);
    expect(keyId).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(mac).toBe(createHmac("sha256", KEY).update(secret).digest("base64url"));
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(KEY);
    // The same secret under the same key: the same hash (two processes migrating a row agree).
    expect(createDeviceSecretHasher(KEY).hash(secret)).toBe(stored);
    // Another key: another id, another MAC.
    const other = createDeviceSecretHasher(OTHER_KEY);
    expect(other.keyId).not.toBe(hasher.keyId);
    expect(other.hash(secret).split("$")[2]).not.toBe(mac);
  });

  it("accepts the right secret and refuses a wrong one, another's, an empty or an oversized one", async () => {
    const secret = generateDeviceSecret();
    const stored = hasher.hash(secret);
    expect(await hasher.verify(secret, stored)).toEqual({ matches: true, upgradedHash: null });
    for (const wrong of [altered(secret), generateDeviceSecret(), `${secret} `, secret.slice(0, -1), ""]) {
      expect(await hasher.verify(wrong, stored), wrong).toEqual({ matches: false, problem: null });
    }
    expect(await hasher.verify(secret.padEnd(10_000, "x"), stored)).toEqual({
      matches: false,
      problem: null,
    });
  });

  it("compares MACs in constant time, and MACs of different lengths as unequal without throwing", () => {
    const a = Buffer.alloc(32, 7);
    expect(macsEqual(a, Buffer.alloc(32, 7))).toBe(true);
    const lastDiffers = Buffer.alloc(32, 7);
    lastDiffers[31] = 8;
    expect(macsEqual(a, lastDiffers)).toBe(false);
    expect(macsEqual(a, Buffer.alloc(31, 7))).toBe(false);
    expect(macsEqual(Buffer.alloc(0), Buffer.alloc(0))).toBe(true);
  });

  it("tells a hash made under another key apart from a wrong secret", async () => {
    const secret = generateDeviceSecret();
    const storedElsewhere = createDeviceSecretHasher(OTHER_KEY).hash(secret);
    expect(await hasher.verify(secret, storedElsewhere)).toEqual({ matches: false, problem: "other_key" });
  });

  it("accepts a legacy scrypt hash of the right secret and gives the HMAC form to store instead", async () => {
    const secret = generateDeviceSecret();
    const legacy = await hashPassword(secret, CHEAP);
    expect(legacy).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await hasher.verify(secret, legacy)).toEqual({ matches: true, upgradedHash: hasher.hash(secret) });
    expect(await hasher.verify(altered(secret), legacy)).toEqual({ matches: false, problem: null });
    expect(await hasher.verify("", legacy)).toEqual({ matches: false, problem: null });
  });

  it("refuses cleanly, without throwing, any stored hash it cannot read", async () => {
    const secret = generateDeviceSecret();
    const good = hasher.hash(secret);
    const [, keyId, mac] = good.split("$");
    const legacy = await hashPassword(secret, CHEAP);
    const [, , , , salt, key] = legacy.split("$");
    for (const stored of [
      "",
      "plain text",
      secret,
      "$$",
      "hmac-sha256",
      "hmac-sha256$",
      `hmac-sha256$${keyId}`,
      `hmac-sha256$${keyId}$`,
      `hmac-sha256$${keyId}$${mac?.slice(0, 20)}`,
      `hmac-sha256$${keyId}$${mac}=`,
      `hmac-sha256$${keyId}$${mac}$extra`,
      `hmac-sha256$${keyId?.slice(0, 7)}$${mac}`,
      `hmac-sha256$${keyId}$${"!".repeat(43)}`,
      `HMAC-SHA256$${keyId}$${mac}`,
      `md5$${mac}`,
      "scrypt$",
      `scrypt$1024$8$1$${salt}`,
      `scrypt$1000$8$1$${salt}$${key}`,
      `scrypt$1024$8$1$${salt}$${key?.slice(0, 10)}`,
      `scrypt$1000000000$8$1$${salt}$${key}`,
      `scrypt$1024$8$1$${salt}$${key}$extra`,
    ]) {
      const result = await hasher.verify(secret, stored);
      expect(result.matches, stored).toBe(false);
    }
    // The ones that are not even shaped like a hash say so (the caller logs it).
    expect(await hasher.verify(secret, "plain text")).toEqual({ matches: false, problem: "malformed" });
    expect(await hasher.verify(secret, `hmac-sha256$${keyId}$${mac?.slice(0, 20)}`)).toEqual({
      matches: false,
      problem: "malformed",
    });
    expect(await hasher.verify(secret, `scrypt$1000$8$1$${salt}$${key}`)).toEqual({
      matches: false,
      problem: "malformed",
    });
  });

  it("refuses a server key shorter than 32 characters", () => {
    expect(() => createDeviceSecretHasher("short key")).toThrow(/at least 32 characters/);
  });
});
