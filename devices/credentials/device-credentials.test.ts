import Database from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import { openSqliteFixture, type SqliteFixture } from "../../test/support/sqlite-fixture.js";
import { deviceAccessMigrations } from "./device-access-migrations.js";
import { createDeviceCredentials, DEVICE_SECRET_COST, type DeviceCredentials } from "./device-credentials.js";

const clock: Clock & { at: number } = {
  at: Date.UTC(2026, 10, 22, 3, 0, 0),
  now() {
    return this.at;
  },
};

describe("device credentials", () => {
  let fixture: SqliteFixture;
  let credentials: DeviceCredentials;

  beforeEach(async () => {
    fixture = await openSqliteFixture(clock, "envmon-credentials-");
    await fixture.registry.noteSeen(["tn-air-001", "tn-air-002"]);
    credentials = createDeviceCredentials(fixture.metadata, clock);
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

  const setLifecycle = (deviceId: string, lifecycle: string) =>
    fixture.metadata.updateTable("devices").set({ lifecycle }).where("id", "=", deviceId).execute();

  it("issues a long url-safe secret and stores only a salted scrypt hash with its parameters", async () => {
    const secret = await credentials.issue("tn-air-001");
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const row = await storedRow("tn-air-001");
    expect(row).toMatchObject({ device_id: "tn-air-001", created_at: clock.at, rotated_at: null });
    expect(row?.secret_hash).not.toContain(secret);
    const [scheme, n, r, p, salt, key] = (row?.secret_hash ?? "").split("$");
    expect([scheme, Number(n), Number(r), Number(p)]).toEqual([
      "scrypt",
      DEVICE_SECRET_COST.N,
      DEVICE_SECRET_COST.r,
      DEVICE_SECRET_COST.p,
    ]);
    expect(Buffer.from(salt ?? "", "base64url").length).toBeGreaterThanOrEqual(16);
    expect(Buffer.from(key ?? "", "base64url").length).toBe(32);

    // Same device, new secret: a different salt, so a different hash even for the same input.
    const other = await credentials.issue("tn-air-002");
    expect(other).not.toBe(secret);
    expect((await storedRow("tn-air-002"))?.secret_hash.split("$")[4]).not.toBe(salt);
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
    // A second instance on the same database stands for the broker in another process; it has
    // remembered the old secret's successful check.
    const elsewhere = createDeviceCredentials(fixture.metadata, clock);
    expect(await elsewhere.verify("tn-air-001", old)).toBe("ok");

    clock.at += 60_000;
    const rotated = await credentials.issue("tn-air-001");
    expect(await credentials.verify("tn-air-001", old)).toBe("wrong");
    expect(await elsewhere.verify("tn-air-001", old)).toBe("wrong");
    expect(await elsewhere.verify("tn-air-001", rotated)).toBe("ok");
    const row = await storedRow("tn-air-001");
    expect(row).toMatchObject({ created_at: clock.at - 60_000, rotated_at: clock.at });
  });

  it("revocation removes the credentials, for the remembered checks of other processes too", async () => {
    const secret = await credentials.issue("tn-air-001");
    const elsewhere = createDeviceCredentials(fixture.metadata, clock);
    expect(await elsewhere.verify("tn-air-001", secret)).toBe("ok");
    await credentials.revoke("tn-air-001");
    expect(await storedRow("tn-air-001")).toBeUndefined();
    expect(await credentials.verify("tn-air-001", secret)).toBe("unknown");
    expect(await elsewhere.verify("tn-air-001", secret)).toBe("unknown");
  });

  it("reads the cost from each stored hash, so hashes made with other parameters keep verifying", async () => {
    const cheap = createDeviceCredentials(fixture.metadata, clock, { cost: { N: 2 ** 10, r: 8, p: 1 } });
    const secret = await cheap.issue("tn-air-001");
    expect((await storedRow("tn-air-001"))?.secret_hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await credentials.verify("tn-air-001", secret)).toBe("ok");
  });

  it("refuses to issue credentials for a device that is not in the registry", async () => {
    await expect(credentials.issue("nobody")).rejects.toThrow("unknown device nobody");
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

  it("the migration gives existing devices lifecycle 'active', no calibration, and refuses other lifecycles", async () => {
    const row = await fixture.metadata
      .selectFrom("devices")
      .select(["lifecycle", "calibration"])
      .where("id", "=", "tn-air-001")
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ lifecycle: "active", calibration: null });
    await expect(setLifecycle("tn-air-001", "retired")).rejects.toThrow(/CHECK constraint/);
    // Credentials go with their device.
    await credentials.issue("tn-air-002");
    await sql`DELETE FROM devices WHERE id = 'tn-air-002'`.execute(fixture.metadata);
    expect(await storedRow("tn-air-002")).toBeUndefined();
  });

  it("the migration can be undone and applied again", async () => {
    const sqlite = new Database(":memory:");
    sqlite.exec("CREATE TABLE devices (id TEXT PRIMARY KEY, name TEXT NOT NULL)");
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
    const columns = () =>
      (sqlite.prepare("PRAGMA table_info(devices)").all() as { name: string }[]).map((c) => c.name);
    const tables = () =>
      (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
        (t) => t.name,
      );
    const migration = deviceAccessMigrations["2026-11-22-003-device-credentials-lifecycle"];
    try {
      await migration?.up(db);
      expect(columns()).toEqual(["id", "name", "lifecycle", "calibration"]);
      await migration?.down?.(db);
      expect(columns()).toEqual(["id", "name"]);
      expect(tables()).not.toContain("device_credentials");
      await migration?.up(db);
      expect(tables()).toContain("device_credentials");
    } finally {
      await db.destroy();
    }
  });
});
