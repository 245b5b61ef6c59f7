/** The demo fleet registers itself, gets fresh secrets on every start, and connects with them. */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDeviceCredentials,
  type DeviceCredentials,
} from "../devices/credentials/device-credentials.js";
import { systemClock } from "../kernel/clock.js";
import { fleetCredentialsPath, readFleetCredentials } from "../simulators/fleet-credentials-file.js";
import { TAY_NINH_FLEET } from "../simulators/tay-ninh-fleet.js";
import { startTestBroker, type TestBroker } from "../simulators/test-broker.js";
import { TEST_DEVICE_SECRET_KEY } from "../test/support/device-secret-key.js";
import { openSqliteFixture, type SqliteFixture } from "../test/support/sqlite-fixture.js";
import { startDemoFleet } from "./demo-fleet.js";

/** A real broker that asks the credentials store, like the service's broker does. */
function startBrokerCheckedBy(credentials: DeviceCredentials): Promise<TestBroker> {
  return startTestBroker((broker) => {
    broker.authenticate = (client, username, password, done) => {
      const secret = password?.toString("utf8") ?? "";
      credentials.verify(client.id, secret).then(
        (verdict) => {
          if (username === client.id && verdict === "ok") return done(null, true);
          done(Object.assign(new Error(verdict), { returnCode: 4 }) as never, false);
        },
        (error: Error) => done(error as never, false),
      );
    };
  });
}

describe("demo fleet", () => {
  let fixture: SqliteFixture;
  let dataDir: string;
  let credentials: DeviceCredentials;
  let broker: TestBroker;

  beforeAll(async () => {
    fixture = await openSqliteFixture(systemClock, "envmon-demo-fleet-");
    dataDir = await mkdtemp(join(tmpdir(), "envmon-demo-data-"));
    credentials = createDeviceCredentials(fixture.metadata, systemClock, {
      secretKey: TEST_DEVICE_SECRET_KEY,
    });
    broker = await startBrokerCheckedBy(credentials);
  });

  afterAll(async () => {
    await broker.close();
    await fixture.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = () =>
    startDemoFleet({
      brokerUrl: broker.url,
      intervalMs: 60_000,
      registry: fixture.registry,
      credentials,
      dataDir,
      clock: systemClock,
      logger: pino({ level: "silent" }),
    });

  it("registers the fleet, connects every device with its own secret, and writes the secrets for its owner", async () => {
    const fleet = await start();
    try {
      const ids = TAY_NINH_FLEET.map((p) => p.id).sort();
      expect([...broker.clients.keys()].sort()).toEqual(ids);
      const registered = await fixture.registry.list();
      expect(registered.filter((d) => d.registered).map((d) => d.id)).toEqual(ids);
      const file = fleetCredentialsPath(dataDir);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const secrets = await readFleetCredentials(file);
      expect([...secrets.keys()].sort()).toEqual(ids);
      expect(new Set(secrets.values()).size).toBe(ids.length);
      for (const [id, secret] of secrets) expect(await credentials.verify(id, secret)).toBe("ok");
    } finally {
      await fleet.stop();
    }
  });

  it("rotates the secrets on the next start and leaves decommissioned devices off the air", async () => {
    const file = fleetCredentialsPath(dataDir);
    const before = await readFleetCredentials(file);
    const retired = TAY_NINH_FLEET[0]?.id as string;
    await fixture.registry.setLifecycle(retired, "decommissioned");
    await credentials.revoke(retired);

    const fleet = await start();
    try {
      const after = await readFleetCredentials(file);
      expect(after.has(retired)).toBe(false);
      expect(after.size).toBe(TAY_NINH_FLEET.length - 1);
      for (const [id, secret] of after) {
        expect(secret).not.toBe(before.get(id));
        expect(await credentials.verify(id, before.get(id) as string)).toBe("wrong");
      }
      expect(broker.clients.has(retired)).toBe(false);
      expect(broker.clients.size).toBe(TAY_NINH_FLEET.length - 1);
      expect((await fixture.registry.get(retired))?.lifecycle).toBe("decommissioned");
    } finally {
      await fleet.stop();
    }
  });
});
