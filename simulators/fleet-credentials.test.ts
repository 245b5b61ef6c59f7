/** Simulated devices that present their broker secrets, against a real Aedes broker that checks them. */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, startCli } from "../test/support/run-cli.js";
import {
  fleetCredentialsPath,
  readFleetCredentials,
  writeFleetCredentials,
} from "./fleet-credentials-file.js";
import { createFleetSimulator, type FleetSimulator } from "./fleet-simulator.js";
import { NO_FAULTS } from "./sensor-faults.js";
import { TAY_NINH_SIMULATED_FLEET } from "./tay-ninh-fleet.js";
import { type CheckingBroker, startCheckingBroker } from "./test-broker.js";

const CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));

const [first, second, third] = TAY_NINH_SIMULATED_FLEET as [
  (typeof TAY_NINH_SIMULATED_FLEET)[number],
  (typeof TAY_NINH_SIMULATED_FLEET)[number],
  (typeof TAY_NINH_SIMULATED_FLEET)[number],
];
const secrets = new Map([
  [first.profile.id, "secret-of-the-first-device-0123456789abcdef"],
  [second.profile.id, "secret-of-the-second-device-0123456789abcde"],
]);

describe("fleet credentials", () => {
  let dir: string;
  let broker: CheckingBroker;
  let simulator: FleetSimulator | null = null;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "envmon-fleet-credentials-"));
    broker = await startCheckingBroker(secrets);
  });

  afterEach(async () => {
    await simulator?.stop();
    simulator = null;
  });

  /** Runs the simulator's CLI to its end; killed in afterAll should the test time out first. */
  function simulate(args: readonly string[]): Promise<CliResult> {
    const { child, finished } = startCli(CLI, args);
    children.push(child);
    return finished;
  }

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the file for its owner only, replaces it whole, and reads it back", async () => {
    const path = fleetCredentialsPath(dir);
    await writeFleetCredentials(path, new Map([["old-device", "old-secret"]]), new Date(0));
    await writeFleetCredentials(path, secrets, new Date(Date.UTC(2026, 10, 22)));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFleetCredentials(path)).toEqual(secrets);
  });

  it("says what is wrong with a credentials file", async () => {
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ generatedAt: "x", devices: { "bad id": "s" } }));
    await expect(readFleetCredentials(bad)).rejects.toThrow(/bad\.json: devices\.bad id: not a device id/);
    await writeFile(bad, "not json");
    await expect(readFleetCredentials(bad)).rejects.toThrow(/bad\.json is not JSON/);
    await expect(readFleetCredentials(join(dir, "missing.json"))).rejects.toThrow(
      /cannot read .*missing\.json: ENOENT/,
    );
  });

  it("connects every device with its own secret", async () => {
    simulator = createFleetSimulator({
      brokerUrl: broker.url,
      devices: [first, second],
      credentials: secrets,
      intervalMs: 1000,
      seed: 1,
      faults: NO_FAULTS,
    });
    await simulator.start();
    expect(simulator.stats().connected).toBe(2);
    expect(broker.accepted.has(first.profile.id) && broker.accepted.has(second.profile.id)).toBe(true);
  });

  it("fails to start with a wrong secret, and refuses a fleet with a device that has none", async () => {
    simulator = createFleetSimulator({
      brokerUrl: broker.url,
      devices: [first],
      credentials: new Map([[first.profile.id, "wrong"]]),
      intervalMs: 1000,
      seed: 1,
      faults: NO_FAULTS,
      connectTimeoutMs: 5000,
    });
    await expect(simulator.start()).rejects.toThrow(/Not authorized|Bad username or password/i);
    expect(() =>
      createFleetSimulator({
        brokerUrl: broker.url,
        devices: [first, third],
        credentials: secrets,
        intervalMs: 1000,
        seed: 1,
        faults: NO_FAULTS,
      }),
    ).toThrow(`no broker secret for 1 device(s): ${third.profile.id}`);
  });

  it("simulate --credentials runs the devices the file has secrets for", async () => {
    const path = fleetCredentialsPath(dir);
    await writeFleetCredentials(path, secrets, new Date());
    broker.accepted.clear();
    const { code, stderr } = await simulate([
      "--broker",
      broker.url,
      "--devices",
      "3",
      "--duration",
      "1",
      "--credentials",
      path,
    ]);
    expect({ code, stderr }).toEqual({
      code: 0,
      stderr: expect.stringContaining("simulating 2 trạm/devices"),
    });
    expect(stderr).toContain("leaving out 1 trạm không có mật khẩu");
    expect([...broker.accepted].sort()).toEqual([first.profile.id, second.profile.id].sort());
  });

  it("simulate --credentials stops with exit code 1 on a file it cannot use", async () => {
    const { code, stderr } = await simulate([
      "--broker",
      broker.url,
      "--credentials",
      join(dir, "missing.json"),
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/simulate: cannot read .*missing\.json: ENOENT/);
  });
});
