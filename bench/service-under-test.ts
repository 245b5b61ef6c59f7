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
  /** The samples of these metrics, keyed `name{labels}`. */
  scrapeSamples(names: readonly string[]): Promise<Record<string, number>>;
  /** `Authorization: Bearer …` of the admin, for /api/v1. */
  authHeaders(): Promise<Record<string, string>>;
  /** The /ops handshake `auth` of the admin. */
  socketAuth(): Promise<Record<string, unknown>>;
  /** Highest RSS seen since start or the last reset, sampled every 200 ms. */
  peakRssBytes(): number;
  currentRssBytes(): number;
  /** What the service wrote to stdout and stderr so far (LOG_LEVEL=error: its errors). */
  output(): string;
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
    scrapeSamples: (names) => scrapeSamples(service.httpUrl, names, metricsToken),
    authHeaders: () => service.authHeaders(),
    socketAuth: () => service.socketAuth(),
    peakRssBytes: () => memory.peakTotalBytes(),
    currentRssBytes: () => memory.currentBytes().service ?? 0,
    output: () => service.output(),
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
 * The samples of some metrics on a service's /metrics, keyed as written (`name{label="…"}`), with
 * the token as `Authorization: Bearer` when given (METRICS_TOKEN; a service that does not ask for
 * one ignores it).
 */
export async function scrapeSamples(
  httpUrl: string,
  names: readonly string[],
  token?: string,
): Promise<Record<string, number>> {
  const response = await fetch(`${httpUrl}/metrics`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}: ${text.slice(0, 200)}`);
  const samples: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (name === undefined || !names.includes(name)) continue;
    const at = line.lastIndexOf(" ");
    samples[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return samples;
}

/** Reads one counter or gauge (summing its label sets) from a service's /metrics. */
export async function scrapeMetric(httpUrl: string, name: string, token?: string): Promise<number> {
  const samples = await scrapeSamples(httpUrl, [name], token);
  return Object.values(samples).reduce((sum, value) => sum + value, 0);
}
