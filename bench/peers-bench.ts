/**
 * Side-by-side benchmark (issue 11, `npm run bench -- --suite peers`): the same load generator and
 * devices against
 *   mosquitto  Debian's Mosquitto alone (password file, ACL, no storage): what a broker acknowledges;
 *   telegraf   Mosquitto + Telegraf (mqtt_consumer QoS 1 persistent session → influxdb_v2) into a
 *              local influxd: the usual do-it-yourself pipeline;
 *   sqlite     the project with its embedded SQLite store;
 *   influxdb   the project with its InfluxDB store (same influxd);
 * at each offered rate, then N idle device connections (admission time and memory) against
 * Mosquitto and the project. Figures in the README's "Peers" section. Not part of `npm test`.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import mqtt from "mqtt";
import { z } from "zod";
import { deviceTopic } from "../kernel/topics.js";
import { readFleetCredentials } from "../simulators/fleet-credentials-file.js";
import { acquireInfluxServer, type InfluxServer } from "../test/support/influxdb-server.js";
import { MOSQUITTO_BINARY } from "../test/support/mosquitto-process.js";
import type { BenchFleet } from "./bench-fleet.js";
import { influxQL } from "./influx-bench.js";
import { percentile, startLatencyProbe } from "./latency-probe.js";
import { devicesFor, METRICS_PER_READING, runLoadGenerator, sleep } from "./load-run.js";
import { loadAverage, machineInfo, saveResult } from "./machine.js";
import { READINGS_MEASUREMENT, telegrafField } from "./peer-configs.js";
import {
  type MosquittoPeer,
  startBareAedes,
  startMosquittoPeer,
  startTelegrafPeer,
  type TelegrafPeer,
  telegrafBinary,
} from "./peer-processes.js";
import {
  compareRuns,
  describeComparison,
  describeRun,
  type RunFigures,
  ratio,
  SYSTEM_NAMES,
  type SystemKey,
} from "./peer-summary.js";
import { findProcess, startRssSampler } from "./process-memory.js";
import { type ServiceUnderTest, startServiceUnderTest } from "./service-under-test.js";
import { startStoredLatencyProbe, type VisibleReadings } from "./stored-latency-probe.js";

const run = promisify(execFile);
const MB = 1024 * 1024;
const STORED_METRIC = "envmon_ingest_readings_stored_total";
/** The metric whose points are counted and polled (every reading carries all 6). */
const PROBED_METRIC = "pm25";
/** Devices whose readings the publish → stored probe polls for. */
const PROBED_DEVICES = 2;
const PROBE_INTERVAL_MS = 50;
/** Load that is not yet in the store after this long once the load ended counts as lost. */
const DRAIN_TIMEOUT_MS = 180_000;
/** Store counts unchanged this many polls (1 s apart), spool empty: the system has caught up. */
const QUIET_POLLS = 3;
/** The first seconds of load (connections, JIT, batches filling) are left out of rates and latency. */
const WARM_UP_MS = 5000;

/** Telegraf and Mosquitto settings of the pipeline the project is compared with. */
const TELEGRAF_BATCH = 5000;
const TELEGRAF_MAX_UNDELIVERED = 2 * TELEGRAF_BATCH;
const PEER_LIMITS = {
  /** Telegraf holds up to max_undelivered_messages unacknowledged: let Mosquitto send as many. */
  maxInflightMessages: TELEGRAF_MAX_UNDELIVERED,
  /** About 25 s of the highest offered rate queued for a slow consumer before Mosquitto drops. */
  maxQueuedMessages: 1_000_000,
};

export interface PeersBenchOptions {
  /** Offered readings per second (one reading per message). */
  readonly rates: readonly number[];
  readonly durationS: number;
  /** Idle device connections of the admission and memory run; 0 skips it. */
  readonly idleConnections: number;
  /** Seconds the idle connections are held once all are up (RSS is read at the end). */
  readonly idleHoldS: number;
  readonly systems: readonly SystemKey[];
}

/** Registered devices the suite needs: the largest load's and the idle run's. */
export const peersDeviceCount = (options: PeersBenchOptions) =>
  Math.max(...options.rates.map((rate) => devicesFor(rate)), options.idleConnections);

/** A system under load, as the measurement sees it. */
interface Subject {
  readonly system: SystemKey;
  readonly mqttUrl: string;
  /** The system's own processes (broker + consumer, or the service), summed for its RSS. */
  readonly processes: Readonly<Record<string, number>>;
  /** The influxd it writes to: its memory is reported apart. */
  readonly influxdPid?: number;
  /** Readings the system has made durable (what it acknowledges after), now. */
  durableReadings?(sinceTs: number): Promise<number>;
  /** Readings a reader finds in the store, now (cheap: polled during the run). */
  storedReadings?(sinceTs: number): Promise<number>;
  /**
   * Distinct readings of these devices in the store, counted once the system has caught up (a
   * reading written twice counts once); storedReadings when absent.
   */
  distinctStoredReadings?(devices: readonly string[], sinceTs: number): Promise<number>;
  /** Lines (readings) in the project's InfluxDB spool, not yet in InfluxDB. */
  spooledLines?(): Promise<number>;
  /** The probed devices' readings in the store (publish → stored latency). */
  visibleReadings?(devices: readonly string[]): VisibleReadings;
  /** The project's operator screen (publish → screen latency). */
  readonly screen?: ServiceUnderTest;
  /** Counters read once the system has caught up (the project's ingest and store). */
  counters?(): Promise<Record<string, number>>;
}

const latencySummary = (values: readonly number[]) => ({
  samples: values.length,
  p50Ms: percentile(values, 50),
  p99Ms: percentile(values, 99),
  maxMs: percentile(values, 100),
});

/**
 * The project's main-thread V8 heap in use, from its /metrics once a second: beside the RSS it
 * tells live objects (work waiting) from garbage not yet collected and from memory outside the heap.
 */
function startHeapSampler(service: ServiceUnderTest) {
  let peakBytes = 0;
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    service
      .scrapeMetric("nodejs_heap_size_used_bytes")
      .then((bytes) => {
        peakBytes = Math.max(peakBytes, bytes);
      })
      .catch(() => undefined)
      .finally(() => {
        polling = false;
      });
  }, 1000);
  return {
    peakMB: () => Math.round(peakBytes / MB),
    stop: () => clearInterval(timer),
  };
}

/** One throughput run: the load against `subject`, its window, its drain and its figures. */
async function measure(subject: Subject, fleet: BenchFleet, rate: number, durationS: number) {
  const devices = devicesFor(rate);
  const probedDevices = fleet.loadDeviceIds.slice(0, PROBED_DEVICES);
  const memory = startRssSampler(subject.processes);
  const influxdMemory =
    subject.influxdPid === undefined ? undefined : startRssSampler({ influxd: subject.influxdPid });
  const screen = subject.screen
    ? await startLatencyProbe(subject.screen.httpUrl, await subject.screen.socketAuth())
    : undefined;
  const heap = subject.screen ? startHeapSampler(subject.screen) : undefined;
  const sinceTs = Date.now();
  const durableBaseline = (await subject.durableReadings?.(sinceTs)) ?? 0;
  const storedBaseline = (await subject.storedReadings?.(sinceTs)) ?? 0;
  const durable = async () => ((await subject.durableReadings?.(sinceTs)) ?? 0) - durableBaseline;
  const stored = async () => ((await subject.storedReadings?.(sinceTs)) ?? 0) - storedBaseline;
  const storedProbe = subject.visibleReadings
    ? startStoredLatencyProbe(subject.visibleReadings(probedDevices), {
        intervalMs: PROBE_INTERVAL_MS,
        startTs: sinceTs,
      })
    : undefined;
  /** Both counts, timed at the middle of the queries (an InfluxDB count takes a while under load). */
  const snapshot = async () => {
    const before = Date.now();
    const [d, s] = await Promise.all([durable(), stored()]);
    return { at: (before + Date.now()) / 2, durable: d, stored: s };
  };
  try {
    const load = runLoadGenerator({
      credentialsFile: fleet.credentialsFile,
      mqttUrl: subject.mqttUrl,
      rate,
      durationS,
      devices,
    });
    await load.sending;
    await sleep(WARM_UP_MS);
    const windowStart = await snapshot();
    const summary = await load.done;
    const windowEnd = await snapshot();
    const loadEndedAt = Date.now();
    // Then let the system catch up with what it acknowledged.
    let last = windowEnd;
    let spooled = 0;
    let quiet = 0;
    while (quiet < QUIET_POLLS && Date.now() - loadEndedAt < DRAIN_TIMEOUT_MS) {
      await sleep(1000);
      const now = await snapshot();
      spooled = (await subject.spooledLines?.()) ?? 0;
      quiet = now.stored === last.stored && now.durable === last.durable && spooled === 0 ? quiet + 1 : 0;
      last = now;
    }
    const drainTimedOut = quiet < QUIET_POLLS;
    const counters = (await subject.counters?.()) ?? null;
    const loadDevices = fleet.loadDeviceIds.slice(0, devices);
    const distinct = subject.distinctStoredReadings
      ? await subject.distinctStoredReadings(loadDevices, sinceTs)
      : last.stored;
    const caughtUpAfterMs = Math.max(0, Date.now() - loadEndedAt - QUIET_POLLS * 1000);
    await storedProbe?.stop();
    screen?.close();
    const windowS = (windowEnd.at - windowStart.at) / 1000;
    const perS = (count: number) => (windowS > 1 ? Math.round(count / windowS) : null);
    const hasStore = subject.storedReadings !== undefined;
    const storedLatencies = storedProbe?.latenciesMs(windowStart.at) ?? [];
    const screenLatencies = screen?.latenciesMs(windowStart.at) ?? [];
    const peaks = memory.peakBytes();
    return {
      system: subject.system,
      name: SYSTEM_NAMES[subject.system],
      offeredRate: rate,
      durationS,
      devices,
      devicesConnectedAfterMs: (load.sendingSince() ?? 0) - (load.connectingSince() ?? 0),
      generator: summary,
      ackedReadingsPerS: Math.round(summary.ackedRate),
      sustainedDurableReadingsPerS: hasStore ? perS(windowEnd.durable - windowStart.durable) : null,
      sustainedStoredReadingsPerS: hasStore ? perS(windowEnd.stored - windowStart.stored) : null,
      durableReadings: hasStore ? last.durable : null,
      storedReadings: hasStore ? distinct : null,
      lostReadings: hasStore ? summary.acked - distinct : null,
      /** Readings the system wrote more than once (redelivered to its consumer), so counted twice as durable. */
      writtenAgainReadings: hasStore ? last.durable - distinct : null,
      spooledReadingsAtEnd: subject.spooledLines ? spooled : null,
      caughtUpAfterLoadMs: hasStore ? caughtUpAfterMs : null,
      drainTimedOut: hasStore && drainTimedOut,
      latency: {
        note: `after the first ${WARM_UP_MS / 1000} s of load`,
        stored: storedProbe
          ? {
              ...latencySummary(storedLatencies),
              resolutionMs: storedProbe.resolutionMs(),
              probedDevices,
              pollIntervalMs: PROBE_INTERVAL_MS,
              failedPolls: storedProbe.failures(),
            }
          : null,
        screen: screen ? { events: screen.events(), ...latencySummary(screenLatencies) } : null,
      },
      peakRssMB: Math.round(memory.peakTotalBytes() / MB),
      peakRssPerProcessMB: Object.fromEntries(
        Object.entries(peaks).map(([name, bytes]) => [name, Math.round(bytes / MB)]),
      ),
      influxdPeakRssMB: influxdMemory ? Math.round(influxdMemory.peakTotalBytes() / MB) : null,
      /** The service's main-thread heap in use at its peak (sampled once a second); null for the peers. */
      peakHeapUsedMB: heap ? heap.peakMB() : null,
      counters,
    };
  } finally {
    await storedProbe?.stop();
    screen?.close();
    memory.stop();
    influxdMemory?.stop();
    heap?.stop();
  }
}

type RunResult = Awaited<ReturnType<typeof measure>>;

const figuresOf = (r: RunResult): RunFigures => ({
  system: r.system,
  offeredRate: r.offeredRate,
  ackedReadingsPerS: r.ackedReadingsPerS,
  sustainedStoredReadingsPerS: r.sustainedStoredReadingsPerS,
  storedP50Ms: r.latency.stored?.p50Ms ?? null,
  storedP99Ms: r.latency.stored?.p99Ms ?? null,
  peakRssMB: r.peakRssMB,
  lostReadings: r.lostReadings,
});

// --- InfluxDB reads ------------------------------------------------------------------------------

const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Points of `field` since `sinceTs` in the bucket: readings, since every reading carries it. */
const influxCount = (server: InfluxServer, bucket: string, field: string) => async (sinceTs: number) => {
  const series = await influxQL(
    server,
    bucket,
    `SELECT count("${field}") FROM "${READINGS_MEASUREMENT}" WHERE time >= ${sinceTs}ms`,
  );
  const value = series[0]?.values[0]?.[1];
  return typeof value === "number" ? value : 0;
};

const influxVisible =
  (server: InfluxServer, bucket: string, field: string) =>
  (devices: readonly string[]): VisibleReadings => {
    for (const id of devices) if (!DEVICE_ID.test(id)) throw new Error(`not a device id: ${id}`);
    const which = devices.map((id) => `"device" = '${id}'`).join(" OR ");
    return async (afterTs) => {
      const series = await influxQL(
        server,
        bucket,
        `SELECT "${field}", "device" FROM "${READINGS_MEASUREMENT}" WHERE (${which}) AND time > ${afterTs}ms`,
      );
      const columns = series[0]?.columns ?? [];
      const time = columns.indexOf("time");
      const device = columns.indexOf("device");
      return (series[0]?.values ?? []).map((row) => ({ device: String(row[device]), ts: Number(row[time]) }));
    };
  };

// --- The project's reads -------------------------------------------------------------------------

const pointsSchema = z.object({ points: z.array(z.object({ ts: z.string() })) });
const countedPointsSchema = pointsSchema.extend({ truncated: z.boolean() });

/** The probed devices' readings through the project's API, as an operator's client reads them. */
const apiVisible =
  (service: ServiceUnderTest) =>
  (devices: readonly string[]): VisibleReadings =>
  async (afterTs) => {
    const headers = await service.authHeaders();
    const lists = await Promise.all(
      devices.map(async (device) => {
        const query = new URLSearchParams({ device, metric: PROBED_METRIC, from: String(afterTs + 1) });
        const response = await fetch(`${service.httpUrl}/api/v1/readings?${query}`, { headers });
        if (!response.ok) throw new Error(`GET /api/v1/readings: ${response.status}`);
        const body = pointsSchema.parse(await response.json());
        return body.points.map((p) => ({ device, ts: Date.parse(p.ts) }));
      }),
    );
    return lists.flat();
  };

/** Readings (pm25 points) of these devices since `sinceTs`, each device's series read through the API. */
const apiDistinctCount =
  (service: ServiceUnderTest) => async (devices: readonly string[], sinceTs: number) => {
    const headers = await service.authHeaders();
    const queue = [...devices];
    let total = 0;
    const worker = async () => {
      for (let device = queue.shift(); device !== undefined; device = queue.shift()) {
        const query = new URLSearchParams({ device, metric: PROBED_METRIC, from: String(sinceTs) });
        const response = await fetch(`${service.httpUrl}/api/v1/readings?${query}`, { headers });
        if (!response.ok) throw new Error(`GET /api/v1/readings?device=${device}: ${response.status}`);
        const body = countedPointsSchema.parse(await response.json());
        if (body.truncated) throw new Error(`${device} has more readings than one API answer holds`);
        total += body.points.length;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return total;
  };

const readyzSchema = z.object({
  details: z.object({ influx: z.object({ spoolLines: z.number() }).optional() }).optional(),
});

/** Lines in the project's InfluxDB spool, from /readyz (its `details`, present with InfluxDB). */
async function spooledLines(service: ServiceUnderTest): Promise<number> {
  const response = await fetch(`${service.httpUrl}/readyz`);
  const body = readyzSchema.parse(await response.json());
  const lines = body.details?.influx?.spoolLines;
  if (lines === undefined) throw new Error("/readyz has no InfluxDB spool details");
  return lines;
}

const projectDurable = (service: ServiceUnderTest) => async () =>
  (await service.scrapeMetric(STORED_METRIC)) / METRICS_PER_READING;

/** The ingest's and the store's counters, to explain a loss or a slow run. */
const PROJECT_COUNTERS = [
  "envmon_ingest_messages_total",
  STORED_METRIC,
  "envmon_ingest_rejected_total",
  "envmon_ingest_batch_write_failures_total",
  "envmon_influx_write_failures_total",
  "envmon_influx_lines_written_total",
  "envmon_influx_lines_dead_lettered_total",
];

// --- The systems ---------------------------------------------------------------------------------

interface Environment {
  readonly fleet: BenchFleet;
  readonly credentials: ReadonlyMap<string, string>;
  readonly influx?: InfluxServer;
  readonly influxdPid?: number;
  readonly telegraf?: string;
}

const bucketName = (system: string, rate: number) => `peers_${system}_${rate}_${Date.now()}`;

async function mosquittoRun(env: Environment, rate: number, durationS: number) {
  const broker = await startMosquittoPeer(env.credentials, PEER_LIMITS);
  try {
    return await measure(
      { system: "mosquitto", mqttUrl: broker.url, processes: { mosquitto: broker.pid } },
      env.fleet,
      rate,
      durationS,
    );
  } finally {
    await broker.stop();
  }
}

/**
 * Publishes old readings (an hour back, outside every count) as the first device until one shows
 * up in InfluxDB: Telegraf is subscribed and writing.
 */
async function waitForTelegrafPipeline(
  env: Environment,
  broker: MosquittoPeer,
  server: InfluxServer,
  bucket: string,
) {
  const [deviceId, secret] = [...env.credentials][0] ?? [];
  if (!deviceId || !secret) throw new Error("no device in the credentials file");
  const client = await mqtt.connectAsync(broker.url, {
    clientId: deviceId,
    username: deviceId,
    password: secret,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const count = influxCount(server, bucket, telegrafField(PROBED_METRIC));
  const deadline = Date.now() + 60_000;
  try {
    for (let i = 0; ; i++) {
      const ts = Date.now() - 3_600_000 + i;
      await client.publishAsync(
        deviceTopic(deviceId, "readings"),
        JSON.stringify({ ts, values: { pm25: 1 } }),
        {
          qos: 1,
        },
      );
      await sleep(500);
      if ((await count(0)) > 0) return;
      if (Date.now() > deadline) throw new Error("Telegraf wrote nothing to InfluxDB within 60 s");
    }
  } finally {
    await client.endAsync();
  }
}

async function telegrafRun(env: Environment, rate: number, durationS: number) {
  const server = env.influx;
  if (!server || !env.telegraf) throw new Error("telegraf run without influxd or telegraf");
  const bucket = bucketName("telegraf", rate);
  await server.createBucket(bucket);
  const broker = await startMosquittoPeer(env.credentials, PEER_LIMITS);
  let telegraf: TelegrafPeer | undefined;
  try {
    telegraf = await startTelegrafPeer(env.telegraf, {
      mqttServer: broker.url.replace(/^mqtt:/, "tcp:"),
      mqttUsername: broker.consumer.username,
      mqttPassword: broker.consumer.password,
      clientId: "envmon-peers-telegraf",
      influxUrl: server.url,
      influxToken: server.token,
      influxOrg: server.org,
      influxBucket: bucket,
      metricBatchSize: TELEGRAF_BATCH,
      maxUndeliveredMessages: TELEGRAF_MAX_UNDELIVERED,
      metricBufferLimit: 1_000_000,
      flushIntervalS: 1,
    });
    await waitForTelegrafPipeline(env, broker, server, bucket);
    const count = influxCount(server, bucket, telegrafField(PROBED_METRIC));
    return await measure(
      {
        system: "telegraf",
        mqttUrl: broker.url,
        processes: { mosquitto: broker.pid, telegraf: telegraf.pid },
        ...(env.influxdPid === undefined ? {} : { influxdPid: env.influxdPid }),
        // Telegraf acknowledges a message to the broker once InfluxDB has it: durable = stored.
        durableReadings: count,
        storedReadings: count,
        visibleReadings: influxVisible(server, bucket, telegrafField(PROBED_METRIC)),
      },
      env.fleet,
      rate,
      durationS,
    );
  } catch (error) {
    throw new Error(`${String(error)}\ntelegraf: ${telegraf?.output() ?? ""}\nmosquitto: ${broker.output()}`);
  } finally {
    await telegraf?.stop();
    await broker.stop();
  }
}

async function projectRun(env: Environment, store: "sqlite" | "influxdb", rate: number, durationS: number) {
  let influxEnv: Record<string, string> = {};
  let bucket = "";
  const server = env.influx;
  if (store === "influxdb") {
    if (!server) throw new Error("influxdb run without influxd");
    bucket = bucketName("project", rate);
    await server.createBucket(bucket);
    await server.createBucket(`${bucket}_hourly`);
    influxEnv = {
      INFLUX_URL: server.url,
      INFLUX_TOKEN: server.token,
      INFLUX_ORG: server.org,
      INFLUX_BUCKET: bucket,
    };
  }
  const service = await startServiceUnderTest({ DEMO: "0", ...influxEnv }, env.fleet);
  let stopped = false;
  try {
    const durable = projectDurable(service);
    const subject: Subject =
      store === "sqlite" || !server
        ? {
            system: "sqlite",
            mqttUrl: service.mqttUrl,
            processes: { service: service.pid },
            // A batch is acknowledged once committed to SQLite, where readers see it.
            durableReadings: durable,
            storedReadings: durable,
            distinctStoredReadings: apiDistinctCount(service),
            visibleReadings: apiVisible(service),
            screen: service,
            counters: () => service.scrapeSamples(PROJECT_COUNTERS),
          }
        : {
            system: "influxdb",
            mqttUrl: service.mqttUrl,
            processes: { service: service.pid },
            ...(env.influxdPid === undefined ? {} : { influxdPid: env.influxdPid }),
            // Acknowledged once in InfluxDB or fsynced in the spool; counted in InfluxDB itself.
            durableReadings: durable,
            storedReadings: influxCount(server, bucket, PROBED_METRIC),
            spooledLines: () => spooledLines(service),
            visibleReadings: influxVisible(server, bucket, PROBED_METRIC),
            screen: service,
            counters: () => service.scrapeSamples(PROJECT_COUNTERS),
          };
    const result = await measure(subject, env.fleet, rate, durationS);
    // A loss is worth its explanation: the service's errors (LOG_LEVEL=error, JSON lines; not its
    // start-up banner) go with the figures.
    const errors = () =>
      service
        .output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .join("\n");
    // A service that does not stop cleanly after the run is a finding, reported with the figures
    // rather than thrown away with them.
    const stopFailure = await service.stop().then(
      () => null,
      (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300),
    );
    stopped = true;
    if (stopFailure) process.stderr.write(`  !!! the service did not stop cleanly: ${stopFailure}\n`);
    const serviceErrors = errors();
    return {
      ...result,
      serviceErrors: serviceErrors === "" ? null : serviceErrors.slice(-8000),
      stopFailure,
    };
  } finally {
    if (!stopped) await service.stop();
  }
}

/**
 * `count` devices connect (each its own connection and secret) and stay idle: time from the first
 * connection attempt until every device has its CONNACK, and the broker's memory then.
 */
async function idleRun(
  target: {
    readonly mqttUrl: string;
    readonly pid: number;
    /** The broker's own count of connected devices, when it has one. */
    connectedDevices?(): Promise<number>;
  },
  credentialsFile: string,
  count: number,
  holdS: number,
) {
  const memory = startRssSampler({ broker: target.pid });
  try {
    const before = memory.currentBytes().broker ?? 0;
    const load = runLoadGenerator({
      credentialsFile,
      mqttUrl: target.mqttUrl,
      rate: 0,
      durationS: holdS + 2,
      devices: count,
      echo: false,
    });
    await load.sending;
    const admissionMs = (load.sendingSince() ?? 0) - (load.connectingSince() ?? 0);
    await sleep(holdS * 1000);
    const idle = memory.currentBytes().broker ?? 0;
    const connectedDevices = (await target.connectedDevices?.()) ?? null;
    const summary = await load.done;
    return {
      connections: count,
      admissionMs,
      connectionsPerS: Math.round((count / admissionMs) * 1000),
      rssBeforeMB: Math.round(before / MB),
      rssIdleMB: Math.round(idle / MB),
      rssPerConnectionKB: Math.round(((idle - before) / 1024 / count) * 10) / 10,
      peakRssMB: Math.round(memory.peakTotalBytes() / MB),
      connectedDevicesReported: connectedDevices,
      errors: summary.errors,
    };
  } finally {
    memory.stop();
  }
}

/** Starts a broker, runs the idle run against it, stops it, and says what it measured. */
async function idleRunOn<T extends { readonly pid: number; stop(): Promise<void> }>(
  label: string,
  start: () => Promise<T>,
  target: (started: T) => Parameters<typeof idleRun>[0],
  env: Environment,
  count: number,
  holdS: number,
) {
  process.stderr.write(`  ${label}…\n`);
  const started = await start();
  let result: Awaited<ReturnType<typeof idleRun>>;
  try {
    result = await idleRun(target(started), env.fleet.credentialsFile, count, holdS);
  } finally {
    await started.stop();
  }
  process.stderr.write(
    `  ${label}: all connected after ${result.admissionMs} ms, RSS ${result.rssIdleMB} MB (before ${result.rssBeforeMB} MB)\n`,
  );
  return result;
}

async function idleComparison(env: Environment, count: number, holdS: number) {
  process.stderr.write(`idle: ${count} device connections held ${holdS} s\n`);
  const mosquitto = await idleRunOn(
    "Mosquitto",
    () => startMosquittoPeer(env.credentials, PEER_LIMITS),
    (broker) => ({ mqttUrl: broker.url, pid: broker.pid }),
    env,
    count,
    holdS,
  );
  const bareAedes = await idleRunOn(
    "Aedes alone (the project's broker library, nothing around it)",
    startBareAedes,
    (broker) => ({ mqttUrl: broker.url, pid: broker.pid }),
    env,
    count,
    holdS,
  );
  const project = await idleRunOn(
    "the project",
    () => startServiceUnderTest({ DEMO: "0" }, env.fleet),
    (service) => ({
      mqttUrl: service.mqttUrl,
      pid: service.pid,
      connectedDevices: () => service.scrapeMetric("envmon_broker_connected_devices"),
    }),
    env,
    count,
    holdS,
  );
  return {
    connections: count,
    holdS,
    mosquitto: {
      ...mosquitto,
      passwordFile: "mosquitto_passwd -U (sha512-pbkdf2)",
      storedDevices: env.credentials.size,
    },
    /** Aedes with in-memory persistence and no authentication: what the project adds is the difference. */
    bareAedes,
    project,
    ratios: {
      admissionMs: ratio(project.admissionMs, mosquitto.admissionMs),
      rssIdleMB: ratio(project.rssIdleMB, mosquitto.rssIdleMB),
      peakRssMB: ratio(project.peakRssMB, mosquitto.peakRssMB),
      rssPerConnectionKBOverBareAedes: ratio(project.rssPerConnectionKB, bareAedes.rssPerConnectionKB),
    },
  };
}

/** The first line a binary prints for `args` (`mosquitto -h` exits 3 after printing its version). */
async function versionOf(binary: string, args: string[]): Promise<string> {
  const firstLine = (text: string) => text.trim().split("\n")[0] || "unknown";
  try {
    const { stdout, stderr } = await run(binary, args);
    return firstLine(stdout || stderr);
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    return firstLine(stdout || stderr);
  }
}

/**
 * Runs the suite on a registered fleet (bench-fleet.ts, at least peersDeviceCount devices), writes
 * bench/results/peers-<time>.json and peers-latest.json, and returns the result.
 */
export async function runPeersBench(options: PeersBenchOptions, fleet: BenchFleet) {
  const machine = { ...machineInfo(), loadAverageAtStart: loadAverage() };
  process.stderr.write(`peers bench: ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}\n`);
  const skipped: Array<{ system: SystemKey; reason: string }> = [];
  const wanted = new Set(options.systems);
  const telegraf = wanted.has("telegraf") ? await telegrafBinary() : undefined;
  if (wanted.has("telegraf") && !telegraf) {
    skipped.push({ system: "telegraf", reason: "no telegraf: run scripts/install-telegraf.sh" });
  }
  const needsInflux = (wanted.has("telegraf") && telegraf !== undefined) || wanted.has("influxdb");
  const influx = needsInflux ? await acquireInfluxServer() : undefined;
  if (needsInflux && !influx) {
    for (const system of ["telegraf", "influxdb"] as const) {
      if (wanted.has(system) && !skipped.some((s) => s.system === system)) {
        skipped.push({
          system,
          reason: "no InfluxDB: run scripts/install-influxdb.sh (or set INFLUXD_PATH)",
        });
      }
    }
  }
  for (const { system, reason } of skipped) {
    process.stderr.write(`!!! SKIPPED ${SYSTEM_NAMES[system]}: ${reason}\n`);
    wanted.delete(system);
  }
  // The fixture does not expose influxd's pid; find it by the address it was told to listen on.
  const influxdPid = influx
    ? findProcess((argv) => argv[0]?.endsWith("influxd") === true && argv.includes(new URL(influx.url).host))
    : undefined;
  const env: Environment = {
    fleet,
    credentials: await readFleetCredentials(fleet.credentialsFile),
    ...(influx ? { influx } : {}),
    ...(influxdPid === undefined ? {} : { influxdPid }),
    ...(telegraf ? { telegraf } : {}),
  };
  try {
    const runs: RunResult[] = [];
    for (const rate of options.rates) {
      for (const system of options.systems.filter((s) => wanted.has(s))) {
        process.stderr.write(
          `offered ${rate} readings/s from ${devicesFor(rate)} devices for ${options.durationS} s: ${SYSTEM_NAMES[system]}…\n`,
        );
        const result =
          system === "mosquitto"
            ? await mosquittoRun(env, rate, options.durationS)
            : system === "telegraf"
              ? await telegrafRun(env, rate, options.durationS)
              : await projectRun(env, system, rate, options.durationS);
        process.stderr.write(`  ${describeRun(figuresOf(result))}\n`);
        runs.push(result);
      }
    }
    const idle =
      options.idleConnections > 0
        ? await idleComparison(env, options.idleConnections, options.idleHoldS)
        : null;
    const comparisons = compareRuns(runs.map(figuresOf));
    for (const comparison of comparisons) process.stderr.write(`${describeComparison(comparison)}\n`);
    const result = {
      at: new Date().toISOString(),
      machine: { ...machine, loadAverageAtEnd: loadAverage() },
      suite: "peers",
      options,
      versions: {
        mosquitto: await versionOf(MOSQUITTO_BINARY, ["-h"]),
        telegraf: telegraf ? await versionOf(telegraf, ["--version"]) : null,
        influxdb: influx?.version ?? null,
      },
      load: {
        generator:
          "simulators/load-generator.ts --credentials: one connection per device with its own secret, QoS 1, one reading of 6 metrics per message, ts = publish time",
        devicesPerRate: Object.fromEntries(options.rates.map((rate) => [rate, devicesFor(rate)])),
      },
      setup: {
        mosquitto: {
          ...PEER_LIMITS,
          passwordFile: true,
          acl: "devices: sensors/<own id>/#",
          persistence: false,
        },
        telegraf: {
          metricBatchSize: TELEGRAF_BATCH,
          maxUndeliveredMessages: TELEGRAF_MAX_UNDELIVERED,
          flushIntervalS: 1,
          input: "mqtt_consumer, QoS 1, persistent session, json parser (ts epoch ms)",
        },
        project:
          "service/main.ts, DEMO=0, LOG_LEVEL=error; SQLite in DATA_DIR, or INFLUX_* to a fresh bucket",
        storedLatency: `polls ${PROBED_DEVICES} devices every ${PROBE_INTERVAL_MS} ms (InfluxQL, or the project's /api/v1/readings for SQLite)`,
      },
      skipped,
      runs,
      comparisons,
      idle,
    };
    const file = saveResult("peers", result.at, result);
    process.stderr.write(`peers: results in ${file}\n`);
    return result;
  } finally {
    await influx?.stop();
  }
}
