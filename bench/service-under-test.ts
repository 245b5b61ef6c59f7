import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServiceProcess } from "../test/support/service-process.js";
import { type BenchFleet, copyOfTemplate } from "./bench-fleet.js";

/** Resident set size of a process in bytes, from /proc (Linux). */
function rssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

export interface ServiceUnderTest {
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly pid: number;
  /** `Authorization: Bearer …` of the admin, for /api/v1. */
  authHeaders(): Promise<Record<string, string>>;
  /** The /ops handshake `auth` of the admin. */
  socketAuth(): Promise<Record<string, unknown>>;
  /** `Authorization: Bearer <METRICS_TOKEN>`, for /metrics. */
  metricsHeaders(): Record<string, string>;
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
  const service = await startServiceProcess({
    env: {
      LOG_LEVEL: "error",
      // The bench's hundreds of devices all connect from 127.0.0.1 within seconds; in the field each
      // has its own address, and the per-address limit (20/s by default) is about one address.
      MQTT_MAX_CONNECTIONS_PER_IP_PER_S: "100000",
      ...(fleet ? { BOOTSTRAP_ADMIN_PASSWORD: fleet.adminPassword } : {}),
      ...env,
    },
    dataDir,
  });
  const pid = service.child.pid as number;
  let peak = rssBytes(pid) ?? 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid) ?? 0);
  }, 200);
  return {
    httpUrl: service.httpUrl,
    mqttUrl: service.mqttUrl,
    pid,
    authHeaders: () => service.authHeaders(),
    socketAuth: () => service.socketAuth(),
    metricsHeaders: () => service.metricsHeaders(),
    peakRssBytes: () => Math.max(peak, rssBytes(pid) ?? 0),
    currentRssBytes: () => rssBytes(pid) ?? 0,
    resetPeak: () => {
      peak = rssBytes(pid) ?? 0;
    },
    async stop() {
      clearInterval(sampler);
      const code = await service.stop("SIGTERM");
      rmSync(dataDir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`service exited with ${code}:\n${service.output()}`);
    },
  };
}

/** Reads one counter or gauge (summing its label sets) from the service's /metrics. */
export async function scrapeMetric(
  service: Pick<ServiceUnderTest, "httpUrl" | "metricsHeaders">,
  name: string,
): Promise<number> {
  const response = await fetch(`${service.httpUrl}/metrics`, { headers: service.metricsHeaders() });
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}: ${await response.text()}`);
  const text = await response.text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.split(" ").at(-1));
  }
  return total;
}
