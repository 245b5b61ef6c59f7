import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { freePort } from "./free-port.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const INSTALL_SCRIPT = join(ROOT, "scripts", "install-influxdb.sh");
const TEST_ORG = "envmon-test";
const TEST_BUCKET = "readings";
const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** A real InfluxDB server for tests, however it was found. */
export interface InfluxServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly token: string;
  readonly org: string;
  /** The default bucket; on 2.x InfluxQL reaches it as db=<bucket> through its automatic DBRP mapping. */
  readonly bucket: string;
  /** The version the server reports (X-Influxdb-Version), without a leading "v", e.g. "2.9.1". */
  readonly version: string;
  /** How the server was found: the INFLUX_* settings, a local influxd, or a Testcontainers container. */
  readonly source: "env" | "local" | "container";
  /** Stops the server and removes its data (no-op for an external INFLUX_URL server). */
  stop(): Promise<void>;
  /** Creates a bucket in the test org (0 or undefined retention = keep forever); an existing one is left as is. */
  createBucket(name: string, retentionSeconds?: number): Promise<void>;
  /** Stops the server process but keeps its data, so clients see connection refused (outage tests). */
  pause(): Promise<void>;
  /** Starts the paused server again on the same port with the same data; resolves once it is healthy. */
  resume(): Promise<void>;
}

const externalSettingsSchema = z.object({
  INFLUX_URL: z.url({ error: "INFLUX_URL must be an http(s) URL" }),
  INFLUX_TOKEN: z
    .string({ error: "INFLUX_TOKEN is required with INFLUX_URL" })
    .min(1, "INFLUX_TOKEN is empty"),
  INFLUX_ORG: z.string({ error: "INFLUX_ORG is required with INFLUX_URL" }).min(1, "INFLUX_ORG is empty"),
  INFLUX_BUCKET: z
    .string({ error: "INFLUX_BUCKET is required with INFLUX_URL" })
    .min(1, "INFLUX_BUCKET is empty"),
});

/**
 * Finds an InfluxDB server for tests, in this order:
 * 1. INFLUX_URL (+ INFLUX_TOKEN, INFLUX_ORG, INFLUX_BUCKET): an external server, used as is;
 * 2. a local influxd 2.x (INFLUXD_PATH, else `influxd` on PATH, else the binary cached by
 *    scripts/install-influxdb.sh) started on a free loopback port with a temporary directory;
 * 3. the influxdb:2 image through Testcontainers when a Docker engine answers;
 * otherwise undefined (see requireInfluxOrSkip).
 */
export async function acquireInfluxServer(
  env: NodeJS.ProcessEnv = process.env,
): Promise<InfluxServer | undefined> {
  if (env.INFLUX_URL) return connectExternalServer(env);
  const binary = findInfluxdBinary(env) ?? (await cachedInstallPath(env));
  if (binary) return startLocalInfluxd(binary);
  if (await dockerEngineAnswers()) return startInfluxContainer();
  return undefined;
}

/**
 * Call at the top of an InfluxDB test file, then `describe.skipIf(!server)(…)`.
 * Without a server: fails the run when CI=true, otherwise prints a loud notice and returns false.
 */
export function requireInfluxOrSkip(
  server: InfluxServer | undefined,
  suite = "InfluxDB tests",
  env: NodeJS.ProcessEnv = process.env,
): server is InfluxServer {
  if (server) return true;
  const how =
    "Set INFLUX_URL/INFLUX_TOKEN/INFLUX_ORG/INFLUX_BUCKET, or INFLUXD_PATH, or run scripts/install-influxdb.sh, or start a Docker engine.";
  if (env.CI === "true") {
    throw new Error(`No InfluxDB server for ${suite}, and CI=true requires one. ${how}`);
  }
  const line = "!".repeat(78);
  console.warn(`\n${line}\n!!! SKIPPED: ${suite} — no InfluxDB server found.\n!!! ${how}\n${line}\n`);
  return false;
}

// ---------------------------------------------------------------------------------------------
// 1. External server from the INFLUX_* settings

async function connectExternalServer(env: NodeJS.ProcessEnv): Promise<InfluxServer> {
  const parsed = externalSettingsSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => issue.message).join("; ");
    throw new Error(`INFLUX_URL is set but the InfluxDB settings are incomplete: ${problems}`);
  }
  const settings = parsed.data;
  const url = settings.INFLUX_URL.replace(/\/+$/, "");
  const version = await pingVersion(url);
  if (version === undefined) throw new Error(`INFLUX_URL=${url} does not answer GET /ping`);
  const api = createInfluxApi(url, settings.INFLUX_TOKEN);
  const unsupported = (what: string) => async () => {
    throw new Error(`${what}() needs a server started by this fixture; INFLUX_URL points to an external one`);
  };
  return {
    url,
    token: settings.INFLUX_TOKEN,
    org: settings.INFLUX_ORG,
    bucket: settings.INFLUX_BUCKET,
    version,
    source: "env",
    stop: async () => {},
    createBucket: (name, retentionSeconds) =>
      api.createBucket(version, settings.INFLUX_ORG, undefined, name, retentionSeconds),
    pause: unsupported("pause"),
    resume: unsupported("resume"),
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Local influxd

function findInfluxdBinary(env: NodeJS.ProcessEnv): string | undefined {
  if (env.INFLUXD_PATH) {
    if (!isExecutable(env.INFLUXD_PATH))
      throw new Error(`INFLUXD_PATH=${env.INFLUXD_PATH} is not an executable file`);
    return env.INFLUXD_PATH;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, "influxd"))) return join(dir, "influxd");
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The binary scripts/install-influxdb.sh has already built on this machine, if any (never builds). */
async function cachedInstallPath(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const result = await run("bash", [INSTALL_SCRIPT, "--print-path"], env);
  if (result.code !== 0) return undefined;
  const path = result.stdout.trim().split("\n").at(-1);
  return path && isExecutable(path) ? path : undefined;
}

async function startLocalInfluxd(binary: string): Promise<InfluxServer> {
  const reported = await run(binary, ["version"]);
  const major = /InfluxDB v?(\d+)\./.exec(reported.stdout)?.[1];
  if (major !== "2") {
    throw new Error(
      `${binary} is not InfluxDB 2.x (its "version" said: ${reported.stdout.trim() || reported.stderr})`,
    );
  }

  const dataDir = mkdtempSync(join(tmpdir(), "envmon-influxd-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    "run",
    "--http-bind-address",
    `127.0.0.1:${port}`,
    "--bolt-path",
    join(dataDir, "influxd.bolt"),
    "--engine-path",
    join(dataDir, "engine"),
    "--sqlite-path",
    join(dataDir, "influxd.sqlite"),
    "--reporting-disabled",
    "--ui-disabled",
    "--log-level",
    "error",
  ];
  const influxd = createInfluxdProcess(binary, args, dataDir, url);
  try {
    await influxd.start();
    const password = randomBytes(18).toString("base64url");
    const token = randomBytes(32).toString("base64url");
    const setup = await onboard(url, { username: "envmon-test", password, token });
    const version = (await pingVersion(url)) ?? "unknown";
    const api = createInfluxApi(url, token);
    return {
      url,
      token,
      org: TEST_ORG,
      bucket: TEST_BUCKET,
      version,
      source: "local",
      async stop() {
        await influxd.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
      createBucket: (name, retentionSeconds) =>
        api.createBucket(version, TEST_ORG, setup.orgId, name, retentionSeconds),
      pause: () => influxd.stop(),
      resume: () => influxd.start(),
    };
  } catch (error) {
    await influxd.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** One influxd that can be stopped and started again with the same arguments (same port and data). */
function createInfluxdProcess(binary: string, args: string[], dataDir: string, url: string) {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = "";
  // Never leave an influxd behind when the test worker exits without calling stop().
  const killOnExit = () => child?.kill("SIGKILL");

  const childEnv: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // INFLUXD_* variables would override our flags; a stray config file in the cwd too.
    if (!key.startsWith("INFLUXD_")) childEnv[key] = value;
  }
  childEnv.INFLUXD_CONFIG_PATH = dataDir;

  async function start(): Promise<void> {
    if (child) return;
    output = "";
    const started = spawn(binary, args, { cwd: dataDir, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    started.stdout?.on("data", keep);
    started.stderr?.on("data", keep);
    exited = new Promise((resolve) => started.once("exit", () => resolve()));
    child = started;
    process.on("exit", killOnExit);

    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      if (started.exitCode !== null || started.signalCode !== null) {
        child = undefined;
        process.off("exit", killOnExit);
        throw new Error(
          `influxd exited (${started.exitCode ?? started.signalCode}) while starting on ${url}:\n${output}`,
        );
      }
      if (await isHealthy(url)) return;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`influxd was not healthy on ${url} within ${STARTUP_TIMEOUT_MS} ms:\n${output}`);
      }
      await sleep(100);
    }
  }

  async function stop(): Promise<void> {
    const running = child;
    if (!running) return;
    if (running.exitCode === null && running.signalCode === null) {
      running.kill("SIGTERM");
      const timer = setTimeout(() => running.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    child = undefined;
    process.off("exit", killOnExit);
  }

  return { start, stop };
}

async function onboard(url: string, user: { username: string; password: string; token: string }) {
  const response = await fetch(`${url}/api/v2/setup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...user, org: TEST_ORG, bucket: TEST_BUCKET, retentionPeriodSeconds: 0 }),
  });
  if (!response.ok) throw new Error(`POST /api/v2/setup failed: ${response.status} ${await response.text()}`);
  const body = z.object({ org: z.object({ id: z.string() }) }).parse(await response.json());
  return { orgId: body.org.id };
}

// ---------------------------------------------------------------------------------------------
// 3. Testcontainers

async function dockerEngineAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function startInfluxContainer(): Promise<InfluxServer> {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import("testcontainers");
  const token = randomBytes(32).toString("base64url");
  // A fixed host port, so the URL stays the same across pause() and resume().
  const hostPort = await freePort();
  const container = await new GenericContainer("influxdb:2")
    .withEnvironment({
      DOCKER_INFLUXDB_INIT_MODE: "setup",
      DOCKER_INFLUXDB_INIT_USERNAME: "envmon-test",
      DOCKER_INFLUXDB_INIT_PASSWORD: randomBytes(18).toString("base64url"),
      DOCKER_INFLUXDB_INIT_ORG: TEST_ORG,
      DOCKER_INFLUXDB_INIT_BUCKET: TEST_BUCKET,
      DOCKER_INFLUXDB_INIT_ADMIN_TOKEN: token,
    })
    .withExposedPorts({ container: 8086, host: hostPort })
    .withWaitStrategy(Wait.forHttp("/health", 8086).forStatusCode(200))
    .withStartupTimeout(120_000)
    .start();
  const url = `http://${container.getHost()}:${hostPort}`;
  const runtime = await getContainerRuntimeClient();
  const handle = runtime.container.getById(container.getId());
  const version = (await pingVersion(url)) ?? "unknown";
  const api = createInfluxApi(url, token);
  return {
    url,
    token,
    org: TEST_ORG,
    bucket: TEST_BUCKET,
    version,
    source: "container",
    async stop() {
      await container.stop({ remove: true, removeVolumes: true });
    },
    createBucket: (name, retentionSeconds) =>
      api.createBucket(version, TEST_ORG, undefined, name, retentionSeconds),
    pause: () => runtime.container.stop(handle, { timeout: STOP_TIMEOUT_MS / 1000 }),
    async resume() {
      await runtime.container.start(handle);
      const deadline = Date.now() + STARTUP_TIMEOUT_MS;
      while (!(await isHealthy(url))) {
        if (Date.now() > deadline)
          throw new Error(`the influxdb:2 container was not healthy within ${STARTUP_TIMEOUT_MS} ms`);
        await sleep(100);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

function createInfluxApi(url: string, token: string) {
  const headers = { authorization: `Token ${token}`, "content-type": "application/json" };

  async function orgIdByName(org: string): Promise<string> {
    const response = await fetch(`${url}/api/v2/orgs?org=${encodeURIComponent(org)}`, { headers });
    if (!response.ok)
      throw new Error(`GET /api/v2/orgs?org=${org} failed: ${response.status} ${await response.text()}`);
    const body = z.object({ orgs: z.array(z.object({ id: z.string() })) }).parse(await response.json());
    const id = body.orgs[0]?.id;
    if (!id) throw new Error(`InfluxDB org "${org}" not found`);
    return id;
  }

  async function createBucket(
    version: string,
    org: string,
    knownOrgId: string | undefined,
    name: string,
    retentionSeconds = 0,
  ): Promise<void> {
    if (version.startsWith("1.")) {
      // 1.8 has no bucket API: a bucket is a database (+ retention policy) created in InfluxQL.
      const duration = retentionSeconds > 0 ? ` WITH DURATION ${retentionSeconds}s` : "";
      const query = `CREATE DATABASE "${name.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"${duration}`;
      const response = await fetch(`${url}/query`, {
        method: "POST",
        headers: { authorization: `Token ${token}`, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ q: query }),
      });
      if (!response.ok) throw new Error(`${query} failed: ${response.status} ${await response.text()}`);
      return;
    }
    const orgID = knownOrgId ?? (await orgIdByName(org));
    const response = await fetch(`${url}/api/v2/buckets`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        orgID,
        name,
        retentionRules: retentionSeconds > 0 ? [{ type: "expire", everySeconds: retentionSeconds }] : [],
      }),
    });
    if (response.ok) return;
    const text = await response.text();
    // 2.x answers 422 "bucket with name … already exists"; keep createBucket idempotent.
    if ((response.status === 422 || response.status === 409) && /already exists/i.test(text)) return;
    throw new Error(`creating bucket "${name}" failed: ${response.status} ${text}`);
  }

  return { createBucket };
}

/** The server's version from GET /ping (1.8, 2.x and 3 all answer it), or undefined when it does not answer. */
async function pingVersion(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/ping`);
    await response.arrayBuffer();
    const version = response.headers.get("x-influxdb-version");
    return version ? version.replace(/^v/, "") : "unknown";
  } catch {
    return undefined;
  }
}

async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
