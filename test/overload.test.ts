/**
 * Overload: devices offer far more than this machine can store. The service must push back
 * (devices see slower PUBACKs, not errors), keep its memory bounded instead of queueing, and lose
 * nothing it acknowledged. The throughput and memory figures themselves are measured by
 * `npm run bench`; this test checks the behaviour, with a bound far above what a bounded service
 * needs and far below what an unbounded queue reached (1–1.8 GB at 20k offered, issue 11).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFleetCredentials } from "../simulators/fleet-credentials-file.js";
import { pollUntil } from "./support/poll.js";
import { metricSamples } from "./support/prometheus-text.js";
import { type ServiceProcess, startServiceProcess } from "./support/service-process.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEVICES = 300;
const METRICS_PER_MESSAGE = 6;
/** Far beyond what 2 cores store (about 5–10k messages/s), and the generator shares them. */
const OFFERED_PER_S = 40_000;
const DURATION_S = 8;
const IN_FLIGHT_PER_DEVICE = 10;
/** Resident memory the service may reach: bounded work, not a queue of everything offered. */
const RSS_BOUND_BYTES = 512 * 1024 * 1024;

const rssOf = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
};

describe("under overload", () => {
  let service: ServiceProcess;
  let credentialsFile: string;

  beforeAll(async () => {
    // A small pending window makes storage the bottleneck at once.
    service = await startServiceProcess({
      env: { INGEST_MAX_PENDING: "500", MQTT_MAX_CONNECTIONS_PER_IP_PER_S: "100000" },
    });
    const secrets = new Map<string, string>();
    for (let i = 0; i < DEVICES; i++) {
      const id = `load-${String(i + 1).padStart(5, "0")}`;
      secrets.set(id, await service.registerDevice({ id }));
    }
    credentialsFile = join(service.dataDir, "overload-credentials.json");
    await writeFleetCredentials(credentialsFile, secrets, new Date());
  });

  afterAll(async () => {
    await service?.stop();
  });

  it("slows devices down, keeps memory bounded, and stores everything it acknowledged", async () => {
    const pid = service.child.pid as number;
    let peakRss = rssOf(pid);
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssOf(pid));
    }, 100);
    const generator = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "simulators/load-generator.ts",
        ...["--broker", service.mqttUrl, "--credentials", credentialsFile, "--devices", String(DEVICES)],
        ...["--rate", String(OFFERED_PER_S), "--duration", String(DURATION_S), "--qos", "1"],
        // Each device's own window of unacknowledged messages: what slows it down when PUBACKs do.
        ...["--max-inflight", String(IN_FLIGHT_PER_DEVICE)],
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    generator.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    generator.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => generator.once("exit", resolve));
    clearInterval(sampler);
    expect(code, stderr.slice(-2000)).toBe(0);
    const summary = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
      sent: number;
      acked: number;
      errors: number;
      ackedRate: number;
    };

    // Devices saw slower acknowledgements, never errors.
    expect(summary.errors, JSON.stringify(summary)).toBe(0);
    expect(summary.acked).toBeGreaterThan(0);
    expect(summary.ackedRate).toBeLessThan(OFFERED_PER_S * 0.9);
    expect(peakRss, `peak RSS ${Math.round(peakRss / 2 ** 20)} MB`).toBeLessThan(RSS_BOUND_BYTES);

    // Everything acknowledged is stored (and nothing waits any more).
    const stored = await pollUntil("the service to store what it acknowledged", async () => {
      const response = await fetch(`${service.httpUrl}/metrics`, { headers: service.metricsHeaders() });
      const text = await response.text();
      const readings = [...metricSamples(text, "envmon_ingest_readings_stored_total").values()].reduce(
        (a, b) => a + b,
        0,
      );
      const pending = [...metricSamples(text, "envmon_ingest_pending_messages").values()].reduce(
        (a, b) => a + b,
        0,
      );
      return pending === 0 && readings >= summary.acked * METRICS_PER_MESSAGE ? readings : undefined;
    });
    expect(stored).toBeGreaterThanOrEqual(summary.acked * METRICS_PER_MESSAGE);
  }, 120_000);
});
