/**
 * Alert benchmarks: publish → Socket.IO `alert` latency under background load, and ingest
 * throughput with 10,000 rules loaded against none.
 */
import { connectAsync } from "mqtt";
import { io } from "socket.io-client";
import { type BenchFleet, PROBE_DEVICE } from "./bench-fleet.js";
import { percentile } from "./latency-probe.js";
import { startServiceUnderTest } from "./service-under-test.js";

/** Values above this open the probe rule's alert; LOW clears it. */
const THRESHOLD = 500;
const LOW = 10;

async function postRule(httpUrl: string, rule: object, headers: Record<string, string>): Promise<void> {
  const response = await fetch(`${httpUrl}/api/v1/rules`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(rule),
  });
  if (response.status !== 201) throw new Error(`rule refused: ${response.status} ${await response.text()}`);
}

/** A load generator run: `sending` once its devices are connected and the load starts, `done` at its end. */
export interface LoadRun {
  readonly sending: Promise<void>;
  readonly done: Promise<{ acked: number }>;
}

export type LoadRunner = (mqttUrl: string, rate: number, durationS: number) => LoadRun;

/**
 * A probe device alternates a value over and under a rule's threshold every `spacingMs` while the
 * load generator sends `backgroundRate` readings/s; each opening and clearing is timed from the
 * publish to its `alert` event on /ops.
 */
export async function alertLatencyRun(options: {
  readonly backgroundRate: number;
  readonly durationS: number;
  readonly spacingMs: number;
  readonly runLoad: LoadRunner;
  readonly env: Record<string, string>;
  /** The registered devices: the load's and the probe. */
  readonly fleet: BenchFleet;
}) {
  const service = await startServiceUnderTest({ DEMO: "0", ...options.env }, options.fleet);
  try {
    const headers = await service.authHeaders();
    await postRule(
      service.httpUrl,
      {
        name: "bench probe",
        metric: "cod",
        scope: { device: PROBE_DEVICE },
        condition: { type: "threshold", above: THRESHOLD, clearBelow: THRESHOLD / 2 },
        severity: "major",
        audience: "operators",
        cooldownSeconds: 0,
      },
      headers,
    );
    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    const socket = io(`${service.httpUrl}/ops`, {
      transports: ["websocket"],
      auth: await service.socketAuth(),
    });
    socket.on("alert", (event: { value: number | null; transition: string }) => {
      const sent = event.value === null ? undefined : sentAt.get(event.value);
      if (sent !== undefined && (event.transition === "opened" || event.transition === "cleared")) {
        latencies.push(Date.now() - sent);
      }
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", (error) => reject(new Error(`/ops refused the bench: ${error.message}`)));
    });
    const probe = await connectAsync(service.mqttUrl, {
      clientId: PROBE_DEVICE,
      username: PROBE_DEVICE,
      password: options.fleet.probeSecret,
    });
    const load = options.runLoad(service.mqttUrl, options.backgroundRate, options.durationS);
    // Let the load's devices connect and the load settle before timing.
    await load.sending;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const deadline = Date.now() + (options.durationS - 5) * 1000;
    let sequence = 0;
    while (Date.now() < deadline) {
      sequence++;
      // Over and under the threshold in turn; each value is unique so its event can be matched.
      // Whole numbers: stored values keep the catalogue's decimals, and the event must match exactly.
      const value = sequence % 2 === 1 ? THRESHOLD + 1 + (sequence % 10_000) : LOW + (sequence % 200);
      sentAt.set(value, Date.now());
      await probe.publishAsync(
        `sensors/${PROBE_DEVICE}/readings`,
        JSON.stringify({ values: { cod: value } }),
        {
          qos: 1,
        },
      );
      await new Promise((resolve) => setTimeout(resolve, options.spacingMs));
    }
    await load.done;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    socket.close();
    await probe.endAsync();
    return {
      backgroundRate: options.backgroundRate,
      probes: sequence,
      alertEvents: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: percentile(latencies, 100),
    };
  } finally {
    await service.stop();
  }
}

/** `count` rules that the load generator's readings really hit: 4 metrics on each of its devices in turn. */
export async function loadRules(
  httpUrl: string,
  count: number,
  deviceIds: readonly string[],
  headersOf: () => Promise<Record<string, string>>,
): Promise<void> {
  const metrics = ["pm25", "pm10", "no2", "so2"];
  const pending: Promise<void>[] = [];
  let headers = await headersOf();
  for (let i = 0; i < count; i++) {
    const device = deviceIds[i % deviceIds.length] as string;
    const metric = metrics[Math.floor(i / deviceIds.length) % metrics.length];
    // Thresholds above anything the generator sends: evaluated on every reading, never firing.
    pending.push(
      postRule(
        httpUrl,
        {
          name: `bench ${i}`,
          metric,
          scope: { device },
          condition: { type: "threshold", above: 5000 },
          severity: "minor",
          audience: "operators",
        },
        headers,
      ),
    );
    if (pending.length >= 50) {
      await Promise.all(pending.splice(0));
      headers = await headersOf(); // renewed when the access token nears its expiry
    }
  }
  await Promise.all(pending);
}
