import Database from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import { describeEachMetadataBackend, type MetadataFixture } from "../../test/support/metadata-backends.js";
import { deviceAccessMigrations } from "./device-access-migrations.js";
import {
  createDeviceCredentialsRepository,
  type DeviceCredentialsRepository,
} from "./device-credentials-repository.js";

const clock: Clock & { at: number } = {
  at: Date.UTC(2026, 10, 22, 3, 0, 0),
  now() {
    return this.at;
  },
};

describeEachMetadataBackend("device credentials repository", (backend) => {
  let fixture: MetadataFixture;
  let repository: DeviceCredentialsRepository;

  beforeEach(async () => {
    fixture = await backend.openFixture(clock);
    await fixture.registry.noteSeen(["tn-air-001", "tn-air-002"]);
    repository = createDeviceCredentialsRepository(fixture.metadata, clock);
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

  it("saves a hash (created, then rotated), finds it with the lifecycle, removes it", async () => {
    expect(await repository.deviceExists("tn-air-001")).toBe(true);
    expect(await repository.deviceExists("nobody")).toBe(false);
    expect(await repository.find("tn-air-001")).toBeUndefined();
    await repository.save("tn-air-001", "hash-one");
    expect(await storedRow("tn-air-001")).toMatchObject({ created_at: clock.at, rotated_at: null });
    clock.at += 1000;
    await repository.save("tn-air-001", "hash-two");
    expect(await storedRow("tn-air-001")).toEqual({
      device_id: "tn-air-001",
      secret_hash: "hash-two",
      created_at: clock.at - 1000,
      rotated_at: clock.at,
    });
    await setLifecycle("tn-air-001", "maintenance");
    expect(await repository.find("tn-air-001")).toEqual({ secretHash: "hash-two", lifecycle: "maintenance" });
    await repository.remove("tn-air-001");
    expect(await repository.find("tn-air-001")).toBeUndefined();
  });

  it("replaces a hash only while the row still holds the expected one, and never as a rotation", async () => {
    await repository.save("tn-air-001", "scrypt-form");
    expect(await repository.replaceHash("tn-air-001", "scrypt-form", "hmac-form")).toBe(true);
    expect(await storedRow("tn-air-001")).toMatchObject({ secret_hash: "hmac-form", rotated_at: null });
    // Already replaced (by another connection of the same device): nothing happens.
    expect(await repository.replaceHash("tn-air-001", "scrypt-form", "hmac-form")).toBe(false);
    // Rotated between the check and the rewrite: the new secret's hash stays.
    await repository.save("tn-air-002", "old-secret-scrypt-form");
    await repository.save("tn-air-002", "new-secret-hmac-form");
    expect(await repository.replaceHash("tn-air-002", "old-secret-scrypt-form", "old-secret-hmac-form")).toBe(
      false,
    );
    expect((await storedRow("tn-air-002"))?.secret_hash).toBe("new-secret-hmac-form");
    // Revoked meanwhile: nothing comes back.
    await repository.remove("tn-air-002");
    expect(await repository.replaceHash("tn-air-002", "new-secret-hmac-form", "x")).toBe(false);
    expect(await storedRow("tn-air-002")).toBeUndefined();
  });

  it("reads the access state of many devices at once (beyond one statement's bound variables)", async () => {
    const ids = Array.from({ length: 1200 }, (_, i) => `tn-bulk-${i}`);
    await fixture.registry.noteSeen(ids);
    await repository.save("tn-bulk-700", "hash-700");
    await setLifecycle("tn-bulk-1100", "decommissioned");
    const states = await repository.accessStates([...ids, "nobody", "tn-bulk-700"]);
    expect(states.size).toBe(1200);
    expect(states.get("tn-bulk-700")).toEqual({ lifecycle: "active", credentialTag: "hash-700" });
    expect(states.get("tn-bulk-1100")).toEqual({ lifecycle: "decommissioned", credentialTag: null });
  });

  it("the migration gives existing devices lifecycle 'active', no calibration, and refuses other lifecycles", async () => {
    const row = await fixture.metadata
      .selectFrom("devices")
      .select(["lifecycle", "calibration"])
      .where("id", "=", "tn-air-001")
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ lifecycle: "active", calibration: null });
    await expect(setLifecycle("tn-air-001", "retired")).rejects.toThrow(/check constraint/i);
    // Credentials go with their device.
    await repository.save("tn-air-002", "hash");
    await sql`DELETE FROM devices WHERE id = 'tn-air-002'`.execute(fixture.metadata);
    expect(await storedRow("tn-air-002")).toBeUndefined();
  });
});

describe("device credentials migration (SQLite)", () => {
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
