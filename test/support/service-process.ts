import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DeviceProfile } from "../../devices/model/device.js";
import { METRIC_KEYS } from "../../kernel/catalogue.js";
import { freePort } from "./free-port.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ADMIN = "admin";
/** Log in again when the cached access token has less than this left. */
const TOKEN_RENEW_MARGIN_MS = 60_000;

/** What registerDevice sends when the caller leaves a field out. */
export const TEST_AREA = { code: "khu-thu-nghiem", name: "Khu thử nghiệm" } as const;

export type TestDeviceProfile = Partial<Omit<DeviceProfile, "floodLevels">> &
  Pick<DeviceProfile, "id"> & { readonly floodLevels?: DeviceProfile["floodLevels"] };

export interface ServiceProcess {
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** The password user `admin` was created with (BOOTSTRAP_ADMIN_PASSWORD of this start). */
  readonly adminPassword: string;
  /** METRICS_TOKEN of this start (random unless `env` brings one): /metrics needs it. */
  readonly metricsToken: string;
  /** `Authorization: Bearer <METRICS_TOKEN>`, for GET /metrics on the HTTP port. */
  metricsHeaders(): Record<string, string>;
  /** Everything the process wrote, for assertions and failure messages. */
  output(): string;
  /** Sends the signal (SIGTERM by default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /**
   * POST /api/v1/auth/login and the access token. Without arguments: the admin's, cached (logins
   * are rate-limited) and renewed shortly before it expires.
   */
  login(username?: string, password?: string): Promise<string>;
  /** `Authorization: Bearer <admin token>` for calls to /api/v1. */
  authHeaders(): Promise<Record<string, string>>;
  /** The Socket.IO /ops handshake `auth` of the admin; extra fields (lastAlertId) are merged in. */
  socketAuth(extra?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /**
   * Registers a station as an admin would (POST /api/v1/devices) and returns its MQTT secret.
   * Missing fields get test defaults; metrics default to the whole catalogue, so a test device may
   * send any metric the service knows.
   */
  registerDevice(profile: TestDeviceProfile): Promise<string>;
}

/** The MQTT identity of a registered device: client id = username = device id, password = secret. */
export function deviceMqttOptions(deviceId: string, secret: string) {
  return { clientId: deviceId, username: deviceId, password: secret };
}

/** mosquitto_pub / mosquitto_sub arguments that connect as a registered device. */
export function mosquittoDeviceArgs(deviceId: string, secret: string): string[] {
  return ["-i", deviceId, "-u", deviceId, "-P", secret];
}

/** A password for BOOTSTRAP_ADMIN_PASSWORD or MQTT_SERVICE_PASSWORD: random, never a default. */
export function randomPassword(): string {
  return randomBytes(18).toString("base64url");
}

async function readAnswer(response: Response, what: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(
      `${what} answered ${response.status} with a body that is not JSON: ${text.slice(0, 300)}`,
    );
  }
}

/**
 * Starts the real service (service/main.ts) as a child process and waits until /readyz says ready.
 * The first admin gets a random BOOTSTRAP_ADMIN_PASSWORD unless `env` brings one (a restart on the
 * same DATA_DIR must bring the first start's `adminPassword`).
 */
export async function startServiceProcess(
  options: { env?: Record<string, string>; dataDir?: string } = {},
): Promise<ServiceProcess> {
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "envmon-test-"));
  const adminPassword = options.env?.BOOTSTRAP_ADMIN_PASSWORD ?? randomPassword();
  const metricsToken = options.env?.METRICS_TOKEN ?? randomBytes(24).toString("base64url");
  const child = spawn(process.execPath, ["--import", "tsx", "service/main.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      HTTP_PORT: String(httpPort),
      MQTT_PORT: String(mqttPort),
      BIND_HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      DEMO: "0",
      ...options.env,
      BOOTSTRAP_ADMIN_PASSWORD: adminPassword,
      METRICS_TOKEN: metricsToken,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${httpUrl}/readyz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`service not ready within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  let adminToken: { token: string; expiresAt: number } | undefined;
  let adminLogin: Promise<string> | undefined;

  async function logIn(username: string, password: string) {
    const response = await fetch(`${httpUrl}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    const body = (await readAnswer(response, "POST /api/v1/auth/login")) as {
      token?: string;
      expiresIn?: number;
    };
    if (response.status !== 200 || typeof body.token !== "string") {
      throw new Error(`login as ${username} refused: ${response.status} ${JSON.stringify(body)}`);
    }
    return { token: body.token, expiresAt: Date.now() + (body.expiresIn ?? 0) * 1000 };
  }

  const service: ServiceProcess = {
    httpUrl,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    dataDir,
    child,
    adminPassword,
    metricsToken,
    metricsHeaders: () => ({ authorization: `Bearer ${metricsToken}` }),
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    async login(username = ADMIN, password = adminPassword) {
      if (username !== ADMIN || password !== adminPassword) return (await logIn(username, password)).token;
      if (adminToken && adminToken.expiresAt - Date.now() > TOKEN_RENEW_MARGIN_MS) return adminToken.token;
      // Concurrent callers share one login.
      adminLogin ??= logIn(ADMIN, adminPassword)
        .then((fresh) => {
          adminToken = fresh;
          return fresh.token;
        })
        .finally(() => {
          adminLogin = undefined;
        });
      return adminLogin;
    },
    async authHeaders() {
      return { authorization: `Bearer ${await service.login()}` };
    },
    async socketAuth(extra = {}) {
      return { ...extra, token: await service.login() };
    },
    async registerDevice(profile) {
      const body = {
        name: `Trạm thử nghiệm ${profile.id}`,
        kind: "air",
        lat: 11.31,
        lon: 106.1,
        metrics: [...METRIC_KEYS],
        ...(profile.area === undefined ? { area: TEST_AREA.code, areaName: TEST_AREA.name } : {}),
        ...profile,
      };
      const response = await fetch(`${httpUrl}/api/v1/devices`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(await service.authHeaders()) },
        body: JSON.stringify(body),
      });
      const answer = (await readAnswer(response, "POST /api/v1/devices")) as { secret?: string };
      if (response.status !== 201 || typeof answer.secret !== "string") {
        throw new Error(`registering ${profile.id} refused: ${response.status} ${JSON.stringify(answer)}`);
      }
      return answer.secret;
    },
  };
  return service;
}
