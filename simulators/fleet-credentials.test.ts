/** Simulated devices that present their broker secrets, against a real Aedes broker that checks them. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Aedes } from "aedes";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  fleetCredentialsPath,
  readFleetCredentials,
  writeFleetCredentials,
} from "./fleet-credentials-file.js";
import { createFleetSimulator, type FleetSimulator } from "./fleet-simulator.js";
import { NO_FAULTS } from "./sensor-faults.js";
import { TAY_NINH_SIMULATED_FLEET } from "./tay-ninh-fleet.js";

const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));

/** A broker that lets in only username = client id with the right password, and records who came. */
async function startCheckingBroker(secrets: ReadonlyMap<string, string>) {
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      const ok = username === client.id && password?.toString("utf8") === secrets.get(client.id);
      if (ok) return done(null, true);
      const error = Object.assign(new Error("bad username or password"), { returnCode: 4 });
      done(error as never, false);
    },
  });
  const accepted = new Set<string>();
  const refused: string[] = [];
  broker.on("client", (client) => accepted.add(client.id));
  broker.on("clientError", (client, error) => refused.push(`${client.id}: ${error.message}`));
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    accepted,
    refused,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

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
  let broker: Awaited<ReturnType<typeof startCheckingBroker>>;
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
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        CLI,
        "--broker",
        broker.url,
        "--devices",
        "3",
        "--duration",
        "1",
        "--credentials",
        path,
      ],
      { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(child);
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect({ code, stderr }).toEqual({
      code: 0,
      stderr: expect.stringContaining("simulating 2 trạm/devices"),
    });
    expect(stderr).toContain("leaving out 1 trạm không có mật khẩu");
    expect([...broker.accepted].sort()).toEqual([first.profile.id, second.profile.id].sort());
  });

  it("simulate --credentials stops with exit code 1 on a file it cannot use", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", CLI, "--broker", broker.url, "--credentials", join(dir, "missing.json")],
      { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(child);
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/simulate: cannot read .*missing\.json: ENOENT/);
  });
});
