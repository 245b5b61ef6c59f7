/**
 * The load generator (simulators/load-generator.ts) run as a child process by the benches, with
 * how many registered devices offer a given rate. Shared by the end-to-end suite (run.ts), the
 * alert suite and the peers suite (peers-bench.ts), so every system sees the same load.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { SENDING_MARKER } from "../simulators/load-generator-flags.js";
import type { LoadRun } from "./alert-bench.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Metrics in each reading the load generator sends (6 air metrics). */
export const METRICS_PER_READING = 6;

/**
 * The live feed sends operators at most one event per device per 250 ms (LIVE_THROTTLE_MS) and
 * merges what a device sends faster into the next one, whose latency then includes the wait. At 3
 * messages/s per device (safely under 4) every reading's event goes out at once, so latency is the
 * pipeline's.
 */
const MESSAGES_PER_DEVICE_PER_S = 3;
/**
 * Each device has its own connection and secret (a device may publish only as itself), and every
 * connection costs a secret check at CONNECT and a registration before the bench: at most this
 * many. Above MAX_DEVICES × 3 messages/s devices publish faster and their latency includes merging.
 */
export const MAX_DEVICES = 1500;

/** Registered devices that offer `rate` readings/s in messages of `batch` readings. */
export const devicesFor = (rate: number, batch = 1) =>
  Math.min(MAX_DEVICES, Math.max(50, Math.ceil(rate / batch / MESSAGES_PER_DEVICE_PER_S)));

const loadSummarySchema = z
  .object({ sent: z.number(), acked: z.number(), errors: z.number(), ackedRate: z.number() })
  .passthrough();
export type LoadSummary = z.infer<typeof loadSummarySchema>;

export interface LoadGeneratorRun extends LoadRun {
  readonly done: Promise<LoadSummary>;
  /** When the generator began connecting its devices (its first line on stderr), epoch ms. */
  connectingSince(): number | undefined;
  /** When every device was connected and the paced load started, epoch ms. */
  sendingSince(): number | undefined;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * The load generator with `devices` devices of a credentials file, each on its own connection with
 * its own secret, QoS 1, one reading of 6 air metrics per message (or `batch` readings). A `rate`
 * of 0 connects every device and holds the connections idle for `durationS`. `sending` resolves
 * when every device is connected and the paced load starts.
 */
/**
 * Unacknowledged QoS 1 messages a bench device may have out, as a real device's MQTT client allows
 * (20 is the default of mosquitto_pub and of Paho): when PUBACKs slow down, so does the device.
 * With a window of 1,000 a device is a firehose no datalogger is, and every system under test
 * holds whatever it has read of that backlog in memory.
 */
const DEVICE_IN_FLIGHT_WINDOW = 20;

export function runLoadGenerator(options: {
  readonly credentialsFile: string;
  readonly mqttUrl: string;
  readonly rate: number;
  readonly durationS: number;
  readonly devices: number;
  readonly batch?: number;
  /** Progress lines of the generator go to the bench's stderr (default true). */
  readonly echo?: boolean;
}): LoadGeneratorRun {
  const args = [
    "--import",
    "tsx",
    "simulators/load-generator.ts",
    ...["--broker", options.mqttUrl, "--rate", String(options.rate), "--duration", String(options.durationS)],
    ...["--credentials", options.credentialsFile, "--devices", String(options.devices)],
    ...["--metrics", String(METRICS_PER_READING), "--batch", String(options.batch ?? 1)],
    ...["--max-inflight", String(DEVICE_IN_FLIGHT_WINDOW)],
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  let err = "";
  let connectingSince: number | undefined;
  let sendingSince: number | undefined;
  let markSending: () => void = () => {};
  const sending = new Promise<void>((resolve) => {
    markSending = resolve;
  });
  child.stderr.on("data", (chunk: Buffer) => {
    connectingSince ??= Date.now();
    if (options.echo ?? true) process.stderr.write(chunk);
    err += chunk.toString();
    if (sendingSince === undefined && err.includes(SENDING_MARKER)) {
      sendingSince = Date.now();
      markSending();
    }
  });
  const done = new Promise<LoadSummary>((resolve, reject) => {
    child.once("exit", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      try {
        resolve(loadSummarySchema.parse(JSON.parse(line)));
      } catch (error) {
        reject(
          new Error(
            `load generator exited ${code} without a summary: ${String(error)}\n${out}${err.slice(-2000)}`,
          ),
        );
      }
    });
  });
  // Never sending (it failed while connecting): `done` carries the reason.
  return {
    sending: Promise.race([sending, done.then(() => undefined)]),
    done,
    connectingSince: () => connectingSince,
    sendingSince: () => sendingSince,
  };
}
