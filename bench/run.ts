/**
 * End-to-end benchmark: a load generator in another process publishes over MQTT to the service
 * (embedded SQLite store); we measure readings/s durably stored, publish → Socket.IO latency and
 * the service's memory. Security is on as in production: the bench devices are registered once
 * (bench-fleet.ts) and each connects with its own secret; the screen logs in. Results go to
 * bench/results/. Not part of `npm test`.
 */
import { z } from "zod";
import { alertLatencyRun, loadRules } from "./alert-bench.js";
import { type BenchFleet, prepareBenchFleet } from "./bench-fleet.js";
import { runInfluxBench } from "./influx-bench.js";
import { percentile, startLatencyProbe } from "./latency-probe.js";
import { devicesFor, METRICS_PER_READING, runLoadGenerator, sleep } from "./load-run.js";
import { machineInfo, saveResult } from "./machine.js";
import { SYSTEMS } from "./peer-summary.js";
import { peersDeviceCount, runPeersBench } from "./peers-bench.js";
import { type ServiceUnderTest, startServiceUnderTest } from "./service-under-test.js";

const STORED = "envmon_ingest_readings_stored_total";
const E2E_RATES = [1000, 5000, 10_000, 20_000];
const PEER_RATES = [5000, 10_000, 20_000, 40_000];
const MB = 1024 * 1024;

const flagsSchema = z.object({
  /** Offered readings/s of the e2e runs (default 1000,5000,10000,20000) and the peers runs (5000…40000). */
  rates: z
    .string()
    .regex(/^[1-9]\d*(,[1-9]\d*)*$/, "--rates must be a comma-separated list of readings per second")
    .transform((s) => s.split(",").map(Number))
    .optional(),
  /** Offered rates for messages that carry 10 readings each, as a data logger or gateway sends them. */
  batchRates: z
    .string()
    .regex(/^(\d+(,\d+)*)?$/, "--batchRates must be a comma-separated list of readings per second")
    .default("20000")
    .transform((s) => (s === "" ? [] : s.split(",").map(Number))),
  duration: z.coerce.number().int().min(5).max(600).default(30),
  idle: z.coerce.number().int().min(0).max(600).default(30),
  /** Which benchmarks: the end-to-end ingest runs, the alert runs, the InfluxDB store, the peers, or all. */
  suite: z
    .enum(["all", "e2e", "alerts", "influx", "peers"], {
      error: "--suite must be all, e2e, alerts, influx or peers",
    })
    .default("all"),
  /** Peers suite: idle device connections for the admission and memory run (0 skips it). */
  idleConnections: z.coerce
    .number({ error: "--idleConnections must be a number" })
    .int("--idleConnections must be a whole number")
    .min(0, "--idleConnections must be 0 or more")
    .max(15_000, "--idleConnections must be at most 15000 (the file descriptor limit is near)")
    .default(10_000),
  /** Peers suite: seconds the idle connections are held before their memory is read. */
  idleHold: z.coerce.number().int().min(1).max(600).default(10),
  /** Peers suite: which systems, comma-separated. */
  systems: z
    .string()
    .transform((s) => s.split(","))
    .pipe(z.array(z.enum(SYSTEMS, { error: `--systems must be a list of ${SYSTEMS.join(", ")}` })))
    .default([...SYSTEMS]),
  /** Rules loaded for the "with rules" throughput comparison. */
  rules: z.coerce.number().int().min(1).max(100_000).default(10_000),
});

function parseFlags(argv: string[]) {
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, "");
    const value = argv[i + 1];
    if (!key || value === undefined) throw new Error(`expected --flag value pairs, got '${argv.join(" ")}'`);
    raw[key] = value;
  }
  const parsed = flagsSchema.strict().safeParse(raw);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join("; "));
  return parsed.data;
}

/** The load generator with each of `devicesFor(rate, batch)` registered devices on its own connection. */
const runLoad = (fleet: BenchFleet, mqttUrl: string, rate: number, durationS: number, batch: number) =>
  runLoadGenerator({
    credentialsFile: fleet.credentialsFile,
    mqttUrl,
    rate,
    durationS,
    batch,
    devices: devicesFor(rate, batch),
  });

async function throughputRun(
  fleet: BenchFleet,
  rate: number,
  durationS: number,
  batch: number,
  prepare?: (service: ServiceUnderTest) => Promise<void>,
) {
  const service = await startServiceUnderTest({ DEMO: "0" }, fleet);
  try {
    await prepare?.(service);
    const probe = await startLatencyProbe(service.httpUrl, await service.socketAuth());
    service.resetPeak();
    const storedAtStart = await service.scrapeMetric(STORED);
    const started = Date.now();
    const load = runLoad(fleet, service.mqttUrl, rate, durationS, batch);
    await load.sending;
    const connectedAfterMs = Date.now() - started;
    // Sustained rate: what became durable between 5 s into the load and its end.
    await sleep(5000);
    const windowStart = { at: Date.now(), stored: await service.scrapeMetric(STORED) };
    const summary = await load.done;
    const windowEnd = { at: Date.now(), stored: await service.scrapeMetric(STORED) };
    // Then let the service catch up with what it had accepted.
    let stored = windowEnd.stored;
    const drainStarted = Date.now();
    for (let quiet = 0; quiet < 3 && Date.now() - drainStarted < 60_000; ) {
      await sleep(500);
      const now = await service.scrapeMetric(STORED);
      quiet = now === stored ? quiet + 1 : 0;
      stored = now;
    }
    probe.close();
    const storedReadings = (stored - storedAtStart) / METRICS_PER_READING;
    const latencies = probe.latenciesMs(windowStart.at);
    const warmUp = probe.latenciesMs().slice(0, probe.events() - latencies.length);
    return {
      offeredRate: rate,
      readingsPerMessage: batch,
      durationS,
      devices: devicesFor(rate, batch),
      connections: devicesFor(rate, batch),
      devicesConnectedAfterMs: connectedAfterMs,
      generator: summary,
      sustainedDurableReadingsPerS: Math.round(
        (windowEnd.stored - windowStart.stored) /
          METRICS_PER_READING /
          ((windowEnd.at - windowStart.at) / 1000),
      ),
      storedReadings,
      lostReadings: summary.acked - storedReadings,
      catchUpAfterLoadMs: Date.now() - drainStarted - 1500,
      wallS: (Date.now() - started) / 1000,
      latency: {
        events: probe.events(),
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: percentile(latencies, 100),
        note: "events after the first 5 s of load (the ingest and the live feed warm up)",
        warmUp: { events: warmUp.length, p50Ms: percentile(warmUp, 50), p99Ms: percentile(warmUp, 99) },
      },
      peakRssMB: Math.round(service.peakRssBytes() / MB),
    };
  } finally {
    await service.stop();
  }
}

async function idleDemoRun(seconds: number) {
  const service = await startServiceUnderTest({ DEMO: "1" });
  try {
    await sleep(seconds * 1000);
    return {
      seconds,
      rssMB: Math.round(service.currentRssBytes() / MB),
      peakRssMB: Math.round(service.peakRssBytes() / MB),
    };
  } finally {
    await service.stop();
  }
}

const flags = parseFlags(process.argv.slice(2));
// InfluxDB is measured at the store, against a local influxd (see bench/influx-bench.ts).
if (flags.suite === "influx" || flags.suite === "all") await runInfluxBench({ duration: flags.duration });
if (flags.suite === "influx") process.exit(0);
const machine = machineInfo();
process.stderr.write(`bench: ${machine.cores} cores, ${machine.cpu}\n`);

const e2e = flags.suite === "all" || flags.suite === "e2e";
const alertSuite = flags.suite === "all" || flags.suite === "alerts";
const peers =
  flags.suite === "all" || flags.suite === "peers"
    ? {
        rates: flags.rates ?? PEER_RATES,
        durationS: flags.duration,
        idleConnections: flags.idleConnections,
        idleHoldS: flags.idleHold,
        systems: [...new Set(flags.systems)],
      }
    : null;
/** Offered rate of the alert suite's throughput runs; its latency run sends 5000 readings/s. */
const ALERT_SUITE_RATE = 10_000;
const ALERT_BACKGROUND_RATE = 5000;
const idle = e2e && flags.idle > 0 ? await idleDemoRun(flags.idle) : null;
if (idle) process.stderr.write(`idle with demo fleet: ${idle.rssMB} MB RSS (peak ${idle.peakRssMB} MB)\n`);
const runs = [];
const scenarios = e2e
  ? [
      ...(flags.rates ?? E2E_RATES).map((rate) => ({ rate, batch: 1 })),
      ...flags.batchRates.map((rate) => ({ rate, batch: 10 })),
    ]
  : [];
const deviceCounts = [
  ...scenarios.map(({ rate, batch }) => devicesFor(rate, batch)),
  ...(alertSuite ? [devicesFor(ALERT_SUITE_RATE), devicesFor(ALERT_BACKGROUND_RATE)] : []),
  ...(peers ? [peersDeviceCount(peers)] : []),
];
let fleet: BenchFleet | undefined;
if (deviceCounts.length > 0) {
  const registeredAt = Date.now();
  fleet = await prepareBenchFleet(Math.max(...deviceCounts));
  process.stderr.write(
    `registered ${fleet.loadDeviceIds.length} bench devices in ${Math.round((Date.now() - registeredAt) / 1000)} s\n`,
  );
}
const benchFleet = () => {
  if (!fleet) throw new Error("no bench fleet registered");
  return fleet;
};
for (const { rate, batch } of scenarios) {
  process.stderr.write(
    `offered ${rate} readings/s (${batch} per message) from ${devicesFor(rate, batch)} devices for ${flags.duration} s…\n`,
  );
  const run = await throughputRun(benchFleet(), rate, flags.duration, batch);
  process.stderr.write(
    `  durable ${run.sustainedDurableReadingsPerS}/s, p50 ${run.latency.p50Ms} ms, p99 ${run.latency.p99Ms} ms, ` +
      `peak RSS ${run.peakRssMB} MB, lost ${run.lostReadings}, devices connected after ${run.devicesConnectedAfterMs} ms\n`,
  );
  runs.push(run);
}

let alerts: Record<string, unknown> | null = null;
if (alertSuite) {
  const backgroundRate = ALERT_BACKGROUND_RATE;
  process.stderr.write(`alert latency with ${backgroundRate} readings/s in the background…\n`);
  const latency = await alertLatencyRun({
    backgroundRate,
    durationS: flags.duration,
    spacingMs: 250,
    env: {},
    fleet: benchFleet(),
    runLoad: (mqttUrl, rate, durationS) => runLoad(benchFleet(), mqttUrl, rate, durationS, 1),
  });
  process.stderr.write(
    `  p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms over ${latency.alertEvents} alerts\n`,
  );
  // Saturating offered rate: the comparison is of what the service sustains, rules or not.
  const rate = ALERT_SUITE_RATE;
  process.stderr.write(`throughput at ${rate} readings/s offered, no rules…\n`);
  const withoutRules = await throughputRun(benchFleet(), rate, flags.duration, 1);
  process.stderr.write(`  durable ${withoutRules.sustainedDurableReadingsPerS}/s\n`);
  process.stderr.write(`throughput at ${rate} readings/s offered, ${flags.rules} rules…\n`);
  const withRules = await throughputRun(benchFleet(), rate, flags.duration, 1, (service) =>
    loadRules(service.httpUrl, flags.rules, benchFleet().loadDeviceIds.slice(0, devicesFor(rate)), () =>
      service.authHeaders(),
    ),
  );
  process.stderr.write(`  durable ${withRules.sustainedDurableReadingsPerS}/s\n`);
  alerts = {
    latency,
    throughput: {
      offeredRate: rate,
      rules: flags.rules,
      withoutRules: withoutRules.sustainedDurableReadingsPerS,
      withRules: withRules.sustainedDurableReadingsPerS,
      slowdownPercent:
        Math.round(
          (1 - withRules.sustainedDurableReadingsPerS / withoutRules.sustainedDurableReadingsPerS) * 1000,
        ) / 10,
      lostWithRules: withRules.lostReadings,
    },
  };
}

// The peers (Mosquitto, Telegraf) side by side with the project: bench/peers-bench.ts.
if (peers) await runPeersBench(peers, benchFleet());
fleet?.remove();
if (flags.suite === "peers") process.exit(0);
const result = {
  at: new Date().toISOString(),
  machine,
  store: "sqlite",
  security: "devices registered, one connection per device with its own secret; /ops with a token",
  idle,
  runs,
  alerts,
};
saveResult(flags.suite, result.at, result);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
