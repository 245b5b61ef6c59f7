import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServiceProcess } from "../test/support/service-process.js";
import { type BenchFleet, copyOfTemplate } from "./bench-fleet.js";
import { startRssSampler } from "./process-memory.js";

export interface ServiceUnderTest {
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly pid: number;
  /** METRICS_TOKEN of this start: /metrics may require it as `Authorization: Bearer`. */
  readonly metricsToken: string;
  /** Reads one counter or gauge (summing its label sets) from the service's /metrics. */
  scrapeMetric(name: string): Promise<number>;
  /** `Authorization: Bearer …` of the admin, for /api/v1. */
  authHeaders(): Promise<Record<string, string>>;
  /** The /ops handshake `auth` of the admin. */
  socketAuth(): Promise<Record<string, unknown>>;
  /** Highest RSS seen since start or the last reset, sampled every 200 ms. */
  peakRssBytes(): number;
  currentRssBytes(): number;
  resetPeak(): void;
  stop(): Promise<void>;
}

/**
 * Starts the service for one run: on a copy of the bench fleet's template (its devices registered,
 * its admin's password) when given, else on an empty DATA_DIR.
 */
export async function startServiceUnderTest(
  env: Record<string, string>,
  fleet?: BenchFleet,
): Promise<ServiceUnderTest> {
  const dataDir = fleet ? copyOfTemplate(fleet) : mkdtempSync(join(tmpdir(), "envmon-bench-"));
  // The bench's environment may bring a METRICS_TOKEN; otherwise one is made for this start.
  const metricsToken =
    env.METRICS_TOKEN ?? process.env.METRICS_TOKEN ?? randomBytes(24).toString("base64url");
  const service = await startServiceProcess({
    env: {
      LOG_LEVEL: "error",
      METRICS_TOKEN: metricsToken,
      // The bench's hundreds of devices all connect from 127.0.0.1 within seconds; in the field each
      // has its own address, and the per-address limit (20/s by default) is about one address.
      MQTT_MAX_CONNECTIONS_PER_IP_PER_S: "100000",
      ...(fleet ? { BOOTSTRAP_ADMIN_PASSWORD: fleet.adminPassword } : {}),
      ...env,
    },
    dataDir,
  });
  const pid = service.child.pid as number;
  const memory = startRssSampler({ service: pid });
  return {
    httpUrl: service.httpUrl,
    mqttUrl: service.mqttUrl,
    pid,
    metricsToken,
    scrapeMetric: (name) => scrapeMetric(service.httpUrl, name, metricsToken),
    authHeaders: () => service.authHeaders(),
    socketAuth: () => service.socketAuth(),
    peakRssBytes: () => memory.peakTotalBytes(),
    currentRssBytes: () => memory.currentBytes().service ?? 0,
    resetPeak: () => memory.resetPeak(),
    async stop() {
      memory.stop();
      const code = await service.stop("SIGTERM");
      rmSync(dataDir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`service exited with ${code}:\n${service.output()}`);
    },
  };
}

/**
 * Reads one counter or gauge (summing its label sets) from a service's /metrics, with the token as
 * `Authorization: Bearer` when given (METRICS_TOKEN; a service that does not ask for one ignores it).
 */
export async function scrapeMetric(httpUrl: string, name: string, token?: string): Promise<number> {
  const response = await fetch(`${httpUrl}/metrics`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}: ${text.slice(0, 200)}`);
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.split(" ").at(-1));
  }
  return total;
}
