/**
 * InfluxDB store benchmark (issue 3), at the store level against a real local influxd:
 * 1. sustained readings/s written through `store.write` by concurrent writers in batches of
 *    ~5000 readings (6 metrics each, 1000 devices), with the latency of each write();
 * 2. an outage run at a fixed rate with InfluxDB stopped for the middle third, then a count of
 *    what InfluxDB holds against what write() acknowledged (nothing lost, nothing doubled).
 * Results go to bench/results/influx-<time>.json and influx-latest.json. Not part of `npm test`.
 *
 *   npx tsx bench/influx-bench.ts [--duration 30] [--outage-rate 5000] [--outage-duration 180]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import pino from "pino";
import { Registry } from "prom-client";
import { z } from "zod";
import type { MetricKey } from "../kernel/catalogue.js";
import { systemClock } from "../kernel/clock.js";
import type { SeriesPoint } from "../kernel/series.js";
import { HOUR_MS } from "../kernel/time.js";
import { parseConfig } from "../platform/config.js";
import {
  createInfluxTimeSeriesStore,
  type InfluxTimeSeriesStore,
  influxStoreOptionsFromConfig,
} from "../readings/store/influx/influx-time-series-store.js";
import { createInfluxStoreMetrics, type InfluxStoreMetrics } from "../readings/store/influx/metrics.js";
import { acquireInfluxServer, type InfluxServer } from "../test/support/influxdb-server.js";
import { openSqliteFixture, type SqliteFixture } from "../test/support/sqlite-fixture.js";

const METRICS: readonly MetricKey[] = ["pm25", "pm10", "o3", "no2", "temperature", "humidity"];
/** Spacing of one device's readings; timestamps start two hours back, so they never pass "now". */
const READING_STEP_MS = 100;
const SAMPLE_EVERY_MS = 100;
const DRAIN_TIMEOUT_MS = 10 * 60_000;

const flagsSchema = z
  .object({
    /** Seconds of the sustained run. */
    duration: z.coerce
      .number({ error: "--duration must be a number of seconds" })
      .int("--duration must be whole seconds")
      .min(5, "--duration must be at least 5 s")
      .max(600, "--duration must be at most 600 s")
      .default(30),
    "outage-rate": z.coerce
      .number({ error: "--outage-rate must be readings per second" })
      .int("--outage-rate must be an integer")
      .min(100, "--outage-rate must be at least 100 readings/s")
      .max(100_000, "--outage-rate must be at most 100000 readings/s")
      .default(5000),
    /** Seconds of the outage run; InfluxDB is stopped from 1/3 to 2/3 of it. */
    "outage-duration": z.coerce
      .number({ error: "--outage-duration must be a number of seconds" })
      .int("--outage-duration must be whole seconds")
      .min(30, "--outage-duration must be at least 30 s")
      .max(1800, "--outage-duration must be at most 1800 s")
      .default(180),
    devices: z.coerce
      .number({ error: "--devices must be a number" })
      .int("--devices must be an integer")
      .min(1, "--devices must be at least 1")
      .max(100_000, "--devices must be at most 100000")
      .default(1000),
    /** Readings per store.write() in the sustained run (the ingest's batch). */
    batch: z.coerce
      .number({ error: "--batch must be a number" })
      .int("--batch must be an integer")
      .min(1, "--batch must be at least 1")
      .max(100_000, "--batch must be at most 100000")
      .default(5000),
    /** Concurrent callers of store.write() in the sustained run. */
    writers: z.coerce
      .number({ error: "--writers must be a number" })
      .int("--writers must be an integer")
      .min(1, "--writers must be at least 1")
      .max(64, "--writers must be at most 64")
      .default(4),
    runs: z
      .enum(["all", "sustained", "outage"], { error: "--runs must be all, sustained or outage" })
      .default("all"),
  })
  .strict();

type Flags = z.infer<typeof flagsSchema>;

/** `--flag value` pairs as given on the command line. */
function flagPairs(argv: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (!key?.startsWith("--") || value === undefined) {
      throw new Error(`expected --flag value pairs, got '${argv.join(" ")}'`);
    }
    raw[key.slice(2)] = value;
  }
  return raw;
}

function validateFlags(raw: Readonly<Record<string, unknown>>): Flags {
  const parsed = flagsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues
        .map((issue) =>
          issue.code === "unrecognized_keys"
            ? `unknown flag(s): ${issue.keys.map((k) => `--${k}`).join(", ")}`
            : issue.message,
        )
        .join("; "),
    );
  }
  return parsed.data;
}

function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[index] as number) * 10) / 10;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Readings of `devices` devices, round-robin, 6 metrics each. Every (device, time) pair is new, so
 * each acknowledged reading must show up as exactly one point per metric in InfluxDB.
 */
function createReadingGenerator(devices: number, baseTs: number) {
  const ids = Array.from({ length: devices }, (_, i) => `bench-${String(i).padStart(5, "0")}`);
  let next = 0;
  return {
    next(count: number): SeriesPoint[] {
      const points: SeriesPoint[] = new Array(count * METRICS.length);
      let at = 0;
      for (let r = 0; r < count; r++, next++) {
        const deviceId = ids[next % devices] as string;
        const ts = baseTs + Math.floor(next / devices) * READING_STEP_MS;
        const wiggle = (next % 997) / 10;
        for (let m = 0; m < METRICS.length; m++) {
          points[at++] = { deviceId, metric: METRICS[m] as MetricKey, ts, value: 10 + m * 5 + wiggle };
        }
      }
      return points;
    },
    /** Newest timestamp handed out so far. */
    lastTs: () => baseTs + Math.floor(Math.max(0, next - 1) / devices) * READING_STEP_MS,
  };
}

interface BenchStore {
  readonly store: InfluxTimeSeriesStore;
  readonly metrics: InfluxStoreMetrics;
  readonly fixture: SqliteFixture;
  close(): Promise<void>;
}

/** The store as the service builds it from its configuration, on a fresh bucket and DATA_DIR. */
async function openBenchStore(server: InfluxServer, bucket: string): Promise<BenchStore> {
  await server.createBucket(bucket);
  await server.createBucket(`${bucket}_hourly`);
  const fixture = await openSqliteFixture(systemClock, "envmon-influx-bench-");
  const config = parseConfig({
    DATA_DIR: fixture.dataDir,
    INFLUX_URL: server.url,
    INFLUX_TOKEN: server.token,
    INFLUX_ORG: server.org,
    INFLUX_BUCKET: bucket,
  });
  const options = influxStoreOptionsFromConfig(config);
  if (!options) throw new Error("the InfluxDB settings were not taken up by the configuration");
  const metrics = createInfluxStoreMetrics(new Registry(), systemClock);
  // Rollups are left out: the figures are those of the write path alone.
  const store = await createInfluxTimeSeriesStore(
    { ...options, rollups: { run: false } },
    {
      deadLetters: fixture.deadLetters,
      deviceTags: async (id) => ({ area: `area-${Number(id.slice(-5)) % 40}`, kind: "air" }),
      metrics,
      logger: pino({ level: "silent" }),
      clock: systemClock,
    },
  );
  return {
    store,
    metrics,
    fixture,
    async close() {
      await store.close();
      await fixture.close();
    },
  };
}

const queryAnswerSchema = z.object({
  results: z.array(
    z.object({
      error: z.string().optional(),
      series: z
        .array(z.object({ columns: z.array(z.string()), values: z.array(z.array(z.unknown())) }))
        .optional(),
    }),
  ),
});

/** The series of one InfluxQL query over /query (db=<bucket>: InfluxDB 2.x maps buckets automatically). */
export async function influxQL(
  server: Pick<InfluxServer, "url" | "token">,
  bucket: string,
  query: string,
): Promise<Array<{ columns: string[]; values: unknown[][] }>> {
  const url = `${server.url}/query?${new URLSearchParams({ db: bucket, q: query, epoch: "ms" })}`;
  const response = await fetch(url, { headers: { authorization: `Token ${server.token}` } });
  if (!response.ok) throw new Error(`query failed: ${response.status} ${await response.text()}`);
  const answer = queryAnswerSchema.parse(await response.json());
  const result = answer.results[0];
  if (result?.error) throw new Error(`query failed: ${result.error}`);
  return result?.series ?? [];
}

/** Points per metric in the bucket's raw measurement, counted by InfluxDB (InfluxQL over /query). */
async function countPoints(
  server: InfluxServer,
  bucket: string,
  fromTs: number,
  toTs: number,
): Promise<Record<string, number>> {
  const query = `SELECT count(*) FROM "readings" WHERE time >= ${fromTs}ms AND time <= ${toTs}ms`;
  const series = (await influxQL(server, bucket, query))[0];
  const counts: Record<string, number> = {};
  for (const metric of METRICS) {
    const column = series?.columns.indexOf(`count_${metric}`) ?? -1;
    const value = column >= 0 ? series?.values[0]?.[column] : 0;
    counts[metric] = typeof value === "number" ? value : 0;
  }
  return counts;
}

/** Non-zero counters of the store's write failures (by kind) and written lines (by path). */
async function writeCounters(metrics: InfluxStoreMetrics) {
  const nonZero = (
    values: ReadonlyArray<{ value: number; labels: Partial<Record<string, string | number>> }>,
    label: string,
  ) => {
    const out: Record<string, number> = {};
    for (const v of values) if (v.value > 0) out[String(v.labels[label])] = v.value;
    return out;
  };
  return {
    writeFailures: nonZero((await metrics.writeFailures.get()).values, "kind"),
    linesWritten: nonZero((await metrics.linesWritten.get()).values, "path"),
  };
}

/** Peak spool depth, sampled; and when the spool first became empty after a given moment. */
function startSpoolSampler(store: InfluxTimeSeriesStore) {
  let peakLines = 0;
  let peakBytes = 0;
  let peakOldestAgeMs = 0;
  let watchFrom: number | undefined;
  let emptyAfterWatch: number | undefined;
  const timer = setInterval(() => {
    const status = store.status();
    peakLines = Math.max(peakLines, status.spool.lines);
    peakBytes = Math.max(peakBytes, status.spool.bytes);
    peakOldestAgeMs = Math.max(peakOldestAgeMs, status.oldestSpooledAgeMs ?? 0);
    const now = Date.now();
    if (watchFrom !== undefined && emptyAfterWatch === undefined && status.spool.lines === 0) {
      emptyAfterWatch = now;
    }
  }, SAMPLE_EVERY_MS);
  return {
    peak: () => ({ lines: peakLines, bytes: peakBytes, oldestAgeMs: peakOldestAgeMs }),
    /** From now on, note the first sample with an empty spool. */
    watchForEmpty(from: number) {
      watchFrom = from;
      emptyAfterWatch = undefined;
    },
    emptyAfterWatch: () => emptyAfterWatch,
    stop: () => clearInterval(timer),
  };
}

async function waitForEmptySpool(store: InfluxTimeSeriesStore): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (store.status().spool.lines > 0) {
    if (Date.now() > deadline) {
      throw new Error(
        `the spool still holds ${store.status().spool.lines} lines after ${DRAIN_TIMEOUT_MS} ms`,
      );
    }
    await sleep(SAMPLE_EVERY_MS);
  }
}

function tally(acked: number, counts: Record<string, number>) {
  const counted = counts[METRICS[0] as string] ?? 0;
  return {
    counted,
    countedPerMetric: counts,
    allMetricsEqual: METRICS.every((m) => counts[m] === counted),
    lost: Math.max(0, acked - counted),
    duplicated: Math.max(0, counted - acked),
  };
}

async function sustainedRun(server: InfluxServer, flags: Flags) {
  const bucket = `bench_sustained_${Date.now()}`;
  const opened = await openBenchStore(server, bucket);
  const baseTs = Date.now() - 2 * HOUR_MS;
  const generator = createReadingGenerator(flags.devices, baseTs);
  const sampler = startSpoolSampler(opened.store);
  try {
    const latenciesMs: number[] = [];
    const acks: Array<{ at: number; readings: number }> = [];
    let acked = 0;
    let failed = 0;
    const cpuAtStart = process.cpuUsage();
    const started = performance.now();
    const deadline = started + flags.duration * 1000;
    const writer = async () => {
      while (performance.now() < deadline) {
        const points = generator.next(flags.batch);
        const calledAt = performance.now();
        try {
          await opened.store.write(points);
        } catch {
          failed += flags.batch;
          continue;
        }
        const resolvedAt = performance.now();
        latenciesMs.push(resolvedAt - calledAt);
        acked += flags.batch;
        acks.push({ at: resolvedAt, readings: flags.batch });
      }
    };
    await Promise.all(Array.from({ length: flags.writers }, writer));
    const ended = performance.now();
    const cpu = process.cpuUsage(cpuAtStart);
    // Steady state: what was acknowledged after the first 5 s (connections and JIT warm up).
    const steadyFrom = started + Math.min(5000, (ended - started) / 2);
    const steadyReadings = acks.filter((a) => a.at >= steadyFrom).reduce((n, a) => n + a.readings, 0);
    await waitForEmptySpool(opened.store);
    const counts = await countPoints(server, bucket, baseTs, generator.lastTs());
    const deadLetters = (await opened.fixture.deadLetters.list({ limit: 1000 })).length;
    return {
      bucket,
      devices: flags.devices,
      metricsPerReading: METRICS.length,
      readingsPerWrite: flags.batch,
      writers: flags.writers,
      durationS: flags.duration,
      wallS: seconds(ended - started),
      writes: latenciesMs.length,
      acknowledgedReadings: acked,
      failedReadings: failed,
      readingsPerS: Math.round(acked / ((ended - started) / 1000)),
      steadyReadingsPerS: Math.round(steadyReadings / ((ended - steadyFrom) / 1000)),
      pointsPerS: Math.round((acked * METRICS.length) / ((ended - started) / 1000)),
      writeLatencyMs: {
        p50: percentile(latenciesMs, 50),
        p99: percentile(latenciesMs, 99),
        max: percentile(latenciesMs, 100),
        note: "store.write() call → resolve, per write of readingsPerWrite readings (includes waiting behind other writers' batches)",
      },
      benchProcessCpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / (ended - started)) * 100),
      spoolPeak: sampler.peak(),
      ...tally(acked, counts),
      deadLetters,
      ...(await writeCounters(opened.metrics)),
    };
  } finally {
    sampler.stop();
    await opened.close();
  }
}

async function outageRun(server: InfluxServer, flags: Flags) {
  const bucket = `bench_outage_${Date.now()}`;
  const opened = await openBenchStore(server, bucket);
  const rate = flags["outage-rate"];
  const durationMs = flags["outage-duration"] * 1000;
  const pauseAtMs = Math.round(durationMs / 3);
  const resumeAtMs = Math.round((2 * durationMs) / 3);
  const baseTs = Date.now() - 2 * HOUR_MS;
  const generator = createReadingGenerator(flags.devices, baseTs);
  const sampler = startSpoolSampler(opened.store);
  const started = Date.now();
  const at = () => Date.now() - started;
  const outage: {
    pauseCalledAtS?: number;
    stoppedAtS?: number;
    resumeCalledAtS?: number;
    healthyAgainAtS?: number;
  } = {};
  const timeline: Array<Record<string, number | string>> = [];
  try {
    let generated = 0;
    let acked = 0;
    let failed = 0;
    const failures = new Set<string>();
    const latenciesMs: number[] = [];
    const inFlight = new Set<Promise<void>>();

    const outageDone = (async () => {
      await sleep(pauseAtMs - at());
      outage.pauseCalledAtS = seconds(at());
      process.stderr.write(`  ${outage.pauseCalledAtS} s: stopping influxd…\n`);
      await server.pause();
      outage.stoppedAtS = seconds(at());
      await sleep(resumeAtMs - at());
      outage.resumeCalledAtS = seconds(at());
      process.stderr.write(`  ${outage.resumeCalledAtS} s: starting influxd again…\n`);
      await server.resume();
      outage.healthyAgainAtS = seconds(at());
      sampler.watchForEmpty(Date.now());
      process.stderr.write(
        `  ${outage.healthyAgainAtS} s: influxd healthy; spool ${opened.store.status().spool.lines} lines\n`,
      );
    })();

    let nextTimelineAt = 0;
    // Paced like devices sending: every 100 ms whatever is due, each write() left to resolve on its own.
    while (at() < durationMs) {
      const due = Math.floor((rate * Math.min(at(), durationMs)) / 1000) - generated;
      if (due > 0) {
        const points = generator.next(due);
        generated += due;
        const calledAt = performance.now();
        const write = opened.store.write(points).then(
          () => {
            latenciesMs.push(performance.now() - calledAt);
            acked += due;
          },
          (error: unknown) => {
            failed += due;
            failures.add(error instanceof Error ? error.message : String(error));
          },
        );
        inFlight.add(write);
        void write.finally(() => inFlight.delete(write));
      }
      if (at() >= nextTimelineAt) {
        const status = opened.store.status();
        timeline.push({
          atS: seconds(at()),
          generated,
          acked,
          spoolLines: status.spool.lines,
          mode: status.mode,
        });
        nextTimelineAt += 10_000;
      }
      await sleep(100);
    }
    const loadEndedAt = Date.now();
    await Promise.all(inFlight);
    await outageDone;
    process.stderr.write(
      `  load done at ${seconds(at())} s: generated ${generated}, acknowledged ${acked}; waiting for the spool to drain…\n`,
    );
    await waitForEmptySpool(opened.store);
    const drainedAt = Date.now();
    timeline.push({ atS: seconds(at()), generated, acked, spoolLines: 0, mode: "drained" });
    const emptyAt = sampler.emptyAfterWatch() ?? drainedAt;
    const healthyAgainMs = (outage.healthyAgainAtS ?? 0) * 1000 + started;
    const counts = await countPoints(server, bucket, baseTs, generator.lastTs());
    const deadLetters = (await opened.fixture.deadLetters.list({ limit: 1000 })).length;
    return {
      bucket,
      devices: flags.devices,
      metricsPerReading: METRICS.length,
      rate,
      durationS: flags["outage-duration"],
      outage: {
        ...outage,
        plannedS: { pauseAt: pauseAtMs / 1000, resumeAt: resumeAtMs / 1000 },
        how: "influxd stopped with SIGTERM (data kept), started again on the same port",
      },
      generated,
      acknowledged: acked,
      failedWrites: { readings: failed, reasons: [...failures] },
      ...tally(acked, counts),
      spooledAtPeak: sampler.peak(),
      replay: {
        msFromHealthyToEmptySpool: Math.max(0, emptyAt - healthyAgainMs),
        drainedAfterLoadEndMs: Math.max(0, drainedAt - loadEndedAt),
        note: "spool emptied while new writes kept arriving at the same rate (they queue behind the spool)",
      },
      writeLatencyMs: {
        p50: percentile(latenciesMs, 50),
        p99: percentile(latenciesMs, 99),
        max: percentile(latenciesMs, 100),
        note: `store.write() call → resolve, one write per 100 ms of ${rate} readings/s`,
      },
      deadLetters,
      ...(await writeCounters(opened.metrics)),
      timeline,
    };
  } finally {
    sampler.stop();
    await opened.close();
  }
}

/**
 * Runs the benchmark with these flags (names as on the command line, without "--"; defaults for
 * the rest), writes bench/results/influx-*.json and prints the result. Used by bench/run.ts too.
 */
export async function runInfluxBench(raw: Readonly<Record<string, unknown>> = {}): Promise<void> {
  const flags = validateFlags(raw);
  const machine = {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    note: "influxd, the store and the generator share these cores",
  };
  process.stderr.write(`influx bench: ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}\n`);
  const server = await acquireInfluxServer();
  if (!server) {
    throw new Error(
      "no InfluxDB server: run scripts/install-influxdb.sh (or set INFLUXD_PATH or the INFLUX_* settings)",
    );
  }
  process.stderr.write(`InfluxDB ${server.version} (${server.source}) at ${server.url}\n`);
  try {
    let sustained: Awaited<ReturnType<typeof sustainedRun>> | null = null;
    if (flags.runs !== "outage") {
      process.stderr.write(
        `sustained: ${flags.writers} writers × ${flags.batch} readings per write, ${flags.devices} devices, ${flags.duration} s…\n`,
      );
      sustained = await sustainedRun(server, flags);
      process.stderr.write(
        `  ${sustained.readingsPerS} readings/s (steady ${sustained.steadyReadingsPerS}/s), write p50 ${sustained.writeLatencyMs.p50} ms, ` +
          `p99 ${sustained.writeLatencyMs.p99} ms; counted ${sustained.counted} of ${sustained.acknowledgedReadings} acknowledged\n`,
      );
    }
    let outage: Awaited<ReturnType<typeof outageRun>> | null = null;
    if (flags.runs !== "sustained") {
      process.stderr.write(
        `outage: ${flags["outage-rate"]} readings/s for ${flags["outage-duration"]} s, influxd stopped for the middle third…\n`,
      );
      outage = await outageRun(server, flags);
      process.stderr.write(
        `  generated ${outage.generated}, acknowledged ${outage.acknowledged}, counted ${outage.counted}, ` +
          `lost ${outage.lost}, duplicated ${outage.duplicated}, spool peak ${outage.spooledAtPeak.lines} lines, ` +
          `replay ${outage.replay.msFromHealthyToEmptySpool} ms\n`,
      );
    }
    const result = {
      at: new Date().toISOString(),
      machine: { ...machine, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) },
      store: "influxdb",
      influxdb: { version: server.version, source: server.source },
      level: "store (createInfluxTimeSeriesStore, as the service configures it; rollups off), no MQTT",
      flags,
      sustained,
      outage,
    };
    const dir = new URL("results/", import.meta.url);
    mkdirSync(dir, { recursive: true });
    const text = `${JSON.stringify(result, null, 2)}\n`;
    writeFileSync(new URL(`influx-${result.at.replace(/[:.]/g, "-")}.json`, dir), text);
    writeFileSync(new URL("influx-latest.json", dir), text);
    process.stdout.write(text);
  } finally {
    await server.stop();
  }
}

const runDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (runDirectly) await runInfluxBench(flagPairs(process.argv.slice(2)));
