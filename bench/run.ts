/**
 * End-to-end benchmark: a load generator in another process publishes over MQTT to the service
 * (embedded SQLite store); we measure readings/s durably stored, publish → Socket.IO latency and
 * the service's memory. Results go to bench/results/. Not part of `npm test`.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { alertLatencyRun, loadRules } from "./alert-bench.js";
import { percentile, startLatencyProbe } from "./latency-probe.js";
import { scrapeMetric, startServiceUnderTest } from "./service-under-test.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const METRICS_PER_READING = 6;
const STORED = "envmon_ingest_readings_stored_total";
const MB = 1024 * 1024;

const flagsSchema = z.object({
  rates: z
    .string()
    .regex(/^\d+(,\d+)*$/, "--rates must be a comma-separated list of readings per second")
    .default("1000,5000,10000,20000")
    .transform((s) => s.split(",").map(Number)),
  /** Offered rates for messages that carry 10 readings each, as a data logger or gateway sends them. */
  batchRates: z
    .string()
    .regex(/^(\d+(,\d+)*)?$/, "--batchRates must be a comma-separated list of readings per second")
    .default("20000")
    .transform((s) => (s === "" ? [] : s.split(",").map(Number))),
  duration: z.coerce.number().int().min(5).max(600).default(30),
  idle: z.coerce.number().int().min(0).max(600).default(30),
  /** Which benchmarks: the end-to-end ingest runs, the alert runs, or both. */
  suite: z.enum(["all", "e2e", "alerts"], { error: "--suite must be all, e2e or alerts" }).default("all"),
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

const loadSummarySchema = z.object({ sent: z.number(), acked: z.number(), errors: z.number() }).passthrough();

function runLoadGenerator(mqttUrl: string, rate: number, durationS: number, batch: number) {
  const devices = devicesFor(rate);
  const args = [
    "--import",
    "tsx",
    "simulators/load-generator.ts",
    ...["--broker", mqttUrl, "--rate", String(rate), "--duration", String(durationS)],
    ...["--connections", "20", "--devices", String(devices), "--metrics", String(METRICS_PER_READING)],
    ...["--batch", String(batch), "--max-inflight", "1000"],
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise<z.infer<typeof loadSummarySchema>>((resolve, reject) => {
    child.once("exit", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      try {
        resolve(loadSummarySchema.parse(JSON.parse(line)));
      } catch (error) {
        reject(new Error(`load generator exited ${code} without a summary: ${String(error)}\n${out}`));
      }
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const devicesFor = (rate: number) => Math.min(5000, Math.max(50, Math.round(rate / 2)));

async function throughputRun(
  rate: number,
  durationS: number,
  batch: number,
  prepare?: (httpUrl: string) => Promise<void>,
) {
  const service = await startServiceUnderTest({ DEMO: "0" });
  try {
    await prepare?.(service.httpUrl);
    const probe = await startLatencyProbe(service.httpUrl);
    service.resetPeak();
    const storedAtStart = await scrapeMetric(service.httpUrl, STORED);
    const started = Date.now();
    const load = runLoadGenerator(service.mqttUrl, rate, durationS, batch);
    // Sustained rate: what became durable between 5 s into the run and its end.
    await sleep(5000);
    const windowStart = { at: Date.now(), stored: await scrapeMetric(service.httpUrl, STORED) };
    const summary = await load;
    const windowEnd = { at: Date.now(), stored: await scrapeMetric(service.httpUrl, STORED) };
    // Then let the service catch up with what it had accepted.
    let stored = windowEnd.stored;
    const drainStarted = Date.now();
    for (let quiet = 0; quiet < 3 && Date.now() - drainStarted < 60_000; ) {
      await sleep(500);
      const now = await scrapeMetric(service.httpUrl, STORED);
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
        note: "events after the first 5 s (connections and device registration warm up)",
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
const machine = {
  cores: availableParallelism(),
  cpu: cpus()[0]?.model ?? "unknown",
  memoryGB: Math.round(totalmem() / 1024 ** 3),
  node: process.version,
};
process.stderr.write(`bench: ${machine.cores} cores, ${machine.cpu}\n`);

const e2e = flags.suite !== "alerts";
const idle = e2e && flags.idle > 0 ? await idleDemoRun(flags.idle) : null;
if (idle) process.stderr.write(`idle with demo fleet: ${idle.rssMB} MB RSS (peak ${idle.peakRssMB} MB)\n`);
const runs = [];
const scenarios = e2e
  ? [
      ...flags.rates.map((rate) => ({ rate, batch: 1 })),
      ...flags.batchRates.map((rate) => ({ rate, batch: 10 })),
    ]
  : [];
for (const { rate, batch } of scenarios) {
  process.stderr.write(`offered ${rate} readings/s (${batch} per message) for ${flags.duration} s…\n`);
  const run = await throughputRun(rate, flags.duration, batch);
  process.stderr.write(
    `  durable ${run.sustainedDurableReadingsPerS}/s, p50 ${run.latency.p50Ms} ms, p99 ${run.latency.p99Ms} ms, ` +
      `peak RSS ${run.peakRssMB} MB, lost ${run.lostReadings}\n`,
  );
  runs.push(run);
}

let alerts: Record<string, unknown> | null = null;
if (flags.suite !== "e2e") {
  const backgroundRate = 5000;
  process.stderr.write(`alert latency with ${backgroundRate} readings/s in the background…\n`);
  const latency = await alertLatencyRun({
    backgroundRate,
    durationS: flags.duration,
    spacingMs: 250,
    env: {},
    runLoad: (mqttUrl, rate, durationS) => runLoadGenerator(mqttUrl, rate, durationS, 1),
  });
  process.stderr.write(
    `  p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms over ${latency.alertEvents} alerts\n`,
  );
  // Saturating offered rate: the comparison is of what the service sustains, rules or not.
  const rate = 10_000;
  process.stderr.write(`throughput at ${rate} readings/s offered, no rules…\n`);
  const withoutRules = await throughputRun(rate, flags.duration, 1);
  process.stderr.write(`  durable ${withoutRules.sustainedDurableReadingsPerS}/s\n`);
  process.stderr.write(`throughput at ${rate} readings/s offered, ${flags.rules} rules…\n`);
  const withRules = await throughputRun(rate, flags.duration, 1, (httpUrl) =>
    loadRules(httpUrl, flags.rules, devicesFor(rate), {}),
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

const result = { at: new Date().toISOString(), machine, store: "sqlite", idle, runs, alerts };
mkdirSync(new URL("results/", import.meta.url), { recursive: true });
const file = new URL(`results/${flags.suite}-${result.at.replace(/[:.]/g, "-")}.json`, import.meta.url);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(
  new URL(`results/${flags.suite}-latest.json`, import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
