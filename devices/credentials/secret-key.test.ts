import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../kernel/clock.js";
import { openSqliteFixture, type SqliteFixture } from "../../test/support/sqlite-fixture.js";
import { createDeviceCredentials } from "./device-credentials.js";
import { DEVICE_SECRET_KEY_FILE, deviceSecretKeyFrom } from "./secret-key.js";

describe("the device secret key", () => {
  let fixture: SqliteFixture;

  beforeEach(async () => {
    fixture = await openSqliteFixture(systemClock, "envmon-device-key-");
    await fixture.registry.noteSeen(["tn-air-001"]);
  });

  afterEach(async () => {
    await fixture.close();
  });

  /** What a start of the service on this DATA_DIR builds (the database stays; the process is new). */
  const start = (DEVICE_SECRET_KEY?: string) =>
    createDeviceCredentials(fixture.metadata, systemClock, {
      secretKey: deviceSecretKeyFrom({ DATA_DIR: fixture.dataDir, DEVICE_SECRET_KEY }),
    });

  it("is made once in DATA_DIR/device-secret-key (mode 0600) and reused by every later start", async () => {
    const path = join(fixture.dataDir, DEVICE_SECRET_KEY_FILE);
    expect(existsSync(path)).toBe(false);
    const secret = await start().issue("tn-air-001");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const key = readFileSync(path, "utf8").trim();
    expect(Buffer.from(key, "base64url")).toHaveLength(32);

    // A restart reads the same key: the secret issued before still verifies.
    expect(await start().verify("tn-air-001", secret)).toBe("ok");
    expect(readFileSync(path, "utf8").trim()).toBe(key);
    expect(deviceSecretKeyFrom({ DATA_DIR: fixture.dataDir, DEVICE_SECRET_KEY: undefined })).toBe(key);
  });

  it("is DEVICE_SECRET_KEY when that is set (and then no file is made)", async () => {
    const configured = "configured-device-secret-key-0123456789abc";
    expect(deviceSecretKeyFrom({ DATA_DIR: fixture.dataDir, DEVICE_SECRET_KEY: configured })).toBe(
      configured,
    );
    const secret = await start(configured).issue("tn-air-001");
    expect(existsSync(join(fixture.dataDir, DEVICE_SECRET_KEY_FILE))).toBe(false);
    expect(await start(configured).verify("tn-air-001", secret)).toBe("ok");
    // Under another key (the file's), the stored hash cannot be checked: the device is refused.
    expect(await start().verify("tn-air-001", secret)).toBe("wrong");
  });
});
