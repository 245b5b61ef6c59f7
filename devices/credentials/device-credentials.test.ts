import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import { hashPassword } from "../../platform/password-hash.js";
import { TEST_DEVICE_SECRET_KEY } from "../../test/support/device-secret-key.js";
import { openSqliteFixture, type SqliteFixture } from "../../test/support/sqlite-fixture.js";
import { createDeviceCredentials, type DeviceCredentials } from "./device-credentials.js";
import { createDeviceSecretHasher, DEVICE_SECRET_BYTES, type StoredHashProblem } from "./secret-hash.js";

const clock: Clock & { at: number } = {
  at: Date.UTC(2026, 10, 22, 3, 0, 0),
  now() {
    return this.at;
  },
};

/** Cheap scrypt for the legacy rows these tests write themselves. */
const CHEAP_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

describe("device credentials", () => {
  let fixture: SqliteFixture;
  let credentials: DeviceCredentials;
  let unusable: Array<[string, StoredHashProblem]>;

  beforeEach(async () => {
    fixture = await openSqliteFixture(clock, "envmon-credentials-");
    await fixture.registry.noteSeen(["tn-air-001", "tn-air-002"]);
    unusable = [];
    credentials = createDeviceCredentials(fixture.metadata, clock, {
      secretKey: TEST_DEVICE_SECRET_KEY,
      onUnusableHash: (deviceId, problem) => unusable.push([deviceId, problem]),
    });
  });

  afterEach(async () => {
    await fixture.close();
  });

  const storedRow = (deviceId: string) =>
    fixture.metadata
      .selectFrom("device_credentials")
      .selectAll()
      .where("device_id", "=", deviceId)
      .executeTakeFirst();

  const setStoredHash = (deviceId: string, secretHash: string) =>
    fixture.metadata
      .insertInto("device_credentials")
      .values({ device_id: deviceId, secret_hash: secretHash, created_at: clock.at, rotated_at: null })
      .onConflict((oc) => oc.column("device_id").doUpdateSet({ secret_hash: secretHash }))
      .execute();

  const setLifecycle = (deviceId: string, lifecycle: string) =>
    fixture.metadata.updateTable("devices").set({ lifecycle }).where("id", "=", deviceId).execute();

  it("issues a 256-bit url-safe secret and stores only its HMAC under the server key", async () => {
    const secret = await credentials.issue("tn-air-001");
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, "base64url")).toHaveLength(DEVICE_SECRET_BYTES);
    const row = await storedRow("tn-air-001");
    expect(row).toMatchObject({ device_id: "tn-air-001", created_at: clock.at, rotated_at: null });
    expect(row?.secret_hash).not.toContain(secret);
    const hasher = createDeviceSecretHasher(TEST_DEVICE_SECRET_KEY);
    expect(row?.secret_hash).toMatch(new RegExp(`^hmac-sha256\\$${hasher.keyId}\\$[A-Za-z0-9_-]{43}$`));
    expect(row?.secret_hash).toBe(hasher.hash(secret));

    const other = await credentials.issue("tn-air-002");
    expect(other).not.toBe(secret);
    expect((await storedRow("tn-air-002"))?.secret_hash).not.toBe(row?.secret_hash);
  });

  it("verifies the right secret, refuses a wrong one, another device's, and an unknown device", async () => {
    const first = await credentials.issue("tn-air-001");
    const second = await credentials.issue("tn-air-002");
    expect(await credentials.verify("tn-air-001", first)).toBe("ok");
    // One character changed (the first: the last of a base64url secret is often "A" already).
    const altered = `${first.startsWith("A") ? "B" : "A"}${first.slice(1)}`;
    expect(await credentials.verify("tn-air-001", altered)).toBe("wrong");
    expect(await credentials.verify("tn-air-001", second)).toBe("wrong");
    expect(await credentials.verify("tn-air-001", "")).toBe("wrong");
    expect(await credentials.verify("tn-air-001", "x".repeat(10_000))).toBe("wrong");
    expect(await credentials.verify("tn-air-999", first)).toBe("unknown");
    // A device that exists but never received credentials is unknown to the broker too.
    await fixture.registry.noteSeen(["tn-air-003"]);
    expect(await credentials.verify("tn-air-003", first)).toBe("unknown");
    // Wrong secrets are not a problem with the stored hash.
    expect(unusable).toEqual([]);
  });

  it("says decommissioned only to a holder of the right secret; maintenance still connects", async () => {
    const secret = await credentials.issue("tn-air-001");
    await setLifecycle("tn-air-001", "maintenance");
    expect(await credentials.verify("tn-air-001", secret)).toBe("ok");
    await setLifecycle("tn-air-001", "decommissioned");
    expect(await credentials.verify("tn-air-001", secret)).toBe("decommissioned");
    expect(await credentials.verify("tn-air-001", "not-the-secret-at-all-not-at-all-no")).toBe("wrong");
    await setLifecycle("tn-air-001", "active");
    expect(await credentials.verify("tn-air-001", secret)).toBe("ok");
  });

  it("rotation replaces the secret: the old one stops working, here and in another process", async () => {
    const old = await credentials.issue("tn-air-001");
    // A second instance on the same database stands for the broker in another process.
    const elsewhere = createDeviceCredentials(fixture.metadata, clock, { secretKey: TEST_DEVICE_SECRET_KEY });
    expect(await elsewhere.verify("tn-air-001", old)).toBe("ok");

    clock.at += 60_000;
    const rotated = await credentials.issue("tn-air-001");
    expect(await credentials.verify("tn-air-001", old)).toBe("wrong");
    expect(await elsewhere.verify("tn-air-001", old)).toBe("wrong");
    expect(await elsewhere.verify("tn-air-001", rotated)).toBe("ok");
    const row = await storedRow("tn-air-001");
    expect(row).toMatchObject({ created_at: clock.at - 60_000, rotated_at: clock.at });
  });

  it("revocation counts at once, in another process too: nothing is cached", async () => {
    const secret = await credentials.issue("tn-air-001");
    const elsewhere = createDeviceCredentials(fixture.metadata, clock, { secretKey: TEST_DEVICE_SECRET_KEY });
    expect(await elsewhere.verify("tn-air-001", secret)).toBe("ok");
    await credentials.revoke("tn-air-001");
    expect(await storedRow("tn-air-001")).toBeUndefined();
    expect(await credentials.verify("tn-air-001", secret)).toBe("unknown");
    expect(await elsewhere.verify("tn-air-001", secret)).toBe("unknown");
  });

  it("accepts a legacy scrypt hash once, rewriting the row to the HMAC form (not a rotation)", async () => {
    const secret = "legacy-secret-issued-before-issue-11-0123456"; // what a device holds
    const legacy = await hashPassword(secret, CHEAP_SCRYPT);
    await setStoredHash("tn-air-001", legacy);
    const altered = `${secret.slice(0, -1)}7`;

    // A wrong secret is refused and leaves the row alone.
    expect(await credentials.verify("tn-air-001", altered)).toBe("wrong");
    expect((await storedRow("tn-air-001"))?.secret_hash).toBe(legacy);

    const checked = await credentials.check("tn-air-001", secret);
    const upgraded = createDeviceSecretHasher(TEST_DEVICE_SECRET_KEY).hash(secret);
    expect(checked).toEqual({ verdict: "ok", credentialTag: upgraded });
    expect(await storedRow("tn-air-001")).toEqual({
      device_id: "tn-air-001",
      secret_hash: upgraded,
      created_at: clock.at,
      rotated_at: null,
    });
    // The tag the broker remembers for this connection is what the table now holds, so the
    // rewrite does not look like a rotation to the broker's recheck.
    expect((await credentials.accessStates(["tn-air-001"])).get("tn-air-001")?.credentialTag).toBe(upgraded);
    // From now on the HMAC answers; the secret is unchanged for the device.
    expect(await credentials.verify("tn-air-001", secret)).toBe("ok");
    expect(await credentials.verify("tn-air-001", altered)).toBe("wrong");
    expect(unusable).toEqual([]);
  });

  it("a legacy device that is decommissioned still hears so only with the right secret", async () => {
    const secret = "legacy-secret-of-a-retired-station-0123456789";
    await setStoredHash("tn-air-002", await hashPassword(secret, CHEAP_SCRYPT));
    await setLifecycle("tn-air-002", "decommissioned");
    expect(await credentials.verify("tn-air-002", "wrong-secret-wrong-secret-wrong")).toBe("wrong");
    expect(await credentials.verify("tn-air-002", secret)).toBe("decommissioned");
  });

  it("refuses cleanly, as a wrong secret, a stored hash that is garbage or made under another key, and says why", async () => {
    const secret = await credentials.issue("tn-air-001");
    const good = (await storedRow("tn-air-001"))?.secret_hash as string;
    for (const garbage of ["", "garbage", "hmac-sha256$$", `${good}$`, "scrypt$1024$8$1$not-a-hash"]) {
      await setStoredHash("tn-air-001", garbage);
      expect(await credentials.verify("tn-air-001", secret), garbage).toBe("wrong");
      expect((await storedRow("tn-air-001"))?.secret_hash).toBe(garbage);
    }
    expect(unusable).toEqual(Array.from({ length: 5 }, () => ["tn-air-001", "malformed"]));

    // Another process with another key (DEVICE_SECRET_KEY set there only, say).
    unusable.length = 0;
    await setStoredHash("tn-air-001", good);
    const otherKey = createDeviceCredentials(fixture.metadata, clock, {
      secretKey: "a-different-device-secret-key-0123456789",
      onUnusableHash: (deviceId, problem) => unusable.push([deviceId, problem]),
    });
    expect(await otherKey.verify("tn-air-001", secret)).toBe("wrong");
    expect(unusable).toEqual([["tn-air-001", "other_key"]]);
  });

  it("refuses to issue credentials for a device that is not in the registry", async () => {
    await expect(credentials.issue("nobody")).rejects.toThrow("unknown device nobody");
  });

  it("refuses a server key shorter than 32 characters", () => {
    expect(() => createDeviceCredentials(fixture.metadata, clock, { secretKey: "too short" })).toThrow(
      /at least 32 characters/,
    );
  });

  it("reports lifecycle and credential tag per device, which changes when the secret is rotated", async () => {
    await credentials.issue("tn-air-001");
    const [first] = (await credentials.accessStates(["tn-air-001"])).values();
    await setLifecycle("tn-air-001", "decommissioned");
    await credentials.issue("tn-air-001");
    const states = await credentials.accessStates(["tn-air-001", "tn-air-002", "nobody"]);
    expect([...states.keys()].sort()).toEqual(["tn-air-001", "tn-air-002"]);
    expect(states.get("tn-air-001")?.lifecycle).toBe("decommissioned");
    expect(states.get("tn-air-001")?.credentialTag).not.toBe(first?.credentialTag);
    expect(states.get("tn-air-002")).toEqual({ lifecycle: "active", credentialTag: null });
    // The tag is what check() reports for the credential that matched.
    const secret = await credentials.issue("tn-air-002");
    const checked = await credentials.check("tn-air-002", secret);
    expect(checked.credentialTag).toBe(
      (await credentials.accessStates(["tn-air-002"])).get("tn-air-002")?.credentialTag,
    );
  });
});
