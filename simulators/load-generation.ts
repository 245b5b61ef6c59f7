/**
 * Benchmark load paced by a token bucket refilled in small timer ticks, with a bounded number of
 * unacknowledged messages per connection. Either each registered device on its own connection
 * with its own secret (a credentials file; what a broker that checks devices requires), or many
 * made-up device ids multiplexed over a few anonymous connections (a broker that does not check).
 * Every reading's `ts` is its publish time so a subscriber can measure end-to-end latency (moved
 * on by a millisecond or two where a device's readings would otherwise share an instant).
 */
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { deviceTopic } from "../kernel/topics.js";
import { readFleetCredentials } from "./fleet-credentials-file.js";
import type { LoadGeneratorOptions } from "./load-generator-flags.js";
import { LOAD_METRICS } from "./load-generator-flags.js";
import { createSeededRandom, type RandomSource } from "./random.js";

export interface LoadSummary {
  readonly offeredRate: number;
  /** Length of the sending window, s. */
  readonly durationS: number;
  /** Readings handed to the clients. */
  readonly sent: number;
  /** Readings whose message was acknowledged (QoS 1) or written to the socket (QoS 0). */
  readonly acked: number;
  readonly errors: number;
  readonly achievedRate: number;
  readonly ackedRate: number;
  readonly startedAt: string;
  readonly endedAt: string;
}

export interface LoadProgress {
  readonly elapsedS: number;
  readonly sent: number;
  readonly acked: number;
  readonly errors: number;
  readonly inFlight: number;
}

const TICK_MS = 5;
/** The bucket holds at most this much of the rate, so a stalled loop does not release a burst. */
const BURST_SECONDS = 0.1;
/** Per connection, from its turn to CONNACK; the broker may be checking hundreds of secrets. */
const CONNECT_TIMEOUT_MS = 30_000;
/** Connections being set up at once: a thousand devices do not all knock in the same millisecond. */
const CONNECTS_AT_ONCE = 32;
const DRAIN_TIMEOUT_MS = 5_000;

interface LoadConnection {
  readonly client: MqttClient;
  readonly deviceIds: readonly string[];
  nextDevice: number;
  inFlight: number;
}

export async function runLoadGeneration(
  options: LoadGeneratorOptions,
  hooks: {
    readonly onProgress?: (progress: LoadProgress) => void;
    /** Every connection is up and sending starts now (connecting many devices takes a while). */
    readonly onSending?: (connections: number) => void;
    readonly signal?: AbortSignal;
  } = {},
): Promise<LoadSummary> {
  const random = createSeededRandom(options.seed);
  const metrics = LOAD_METRICS.slice(0, options.metrics);
  const counts = { sent: 0, acked: 0, errors: 0 };
  const connections = await connectAll(await connectionPlan(options), options.brokerUrl, counts);
  hooks.onSending?.(connections.length);

  const startedAtMs = Date.now();
  const startedAt = performance.now();
  let tokens = 0;
  let lastRefill = startedAt;
  let cursor = 0;

  // A store keeps one value per device, metric and instant, so a device's readings get distinct
  // times even when several leave in the same millisecond (a window reopening, a batch).
  const lastTsOf = new Map<string, number>();

  const publishOne = (connection: LoadConnection) => {
    const deviceId = connection.deviceIds[connection.nextDevice] as string;
    const firstTs = Math.max(Date.now(), (lastTsOf.get(deviceId) ?? 0) + 1);
    lastTsOf.set(deviceId, firstTs + options.batch - 1);
    const readings = [];
    for (let i = 0; i < options.batch; i += 1)
      readings.push({ ts: firstTs + i, values: plausibleAirValues(metrics, random) });
    connection.nextDevice = (connection.nextDevice + 1) % connection.deviceIds.length;
    const body = options.batch === 1 ? readings[0] : readings;
    connection.inFlight += 1;
    counts.sent += options.batch;
    connection.client.publish(
      deviceTopic(deviceId, "readings"),
      JSON.stringify(body),
      { qos: options.qos },
      (error) => {
        connection.inFlight -= 1;
        if (error) counts.errors += 1;
        else counts.acked += options.batch;
      },
    );
  };

  /** Spends the tokens on connections that have room; returns when the bucket or the room runs out. */
  const spend = () => {
    while (tokens >= options.batch) {
      let chosen: LoadConnection | null = null;
      for (let tried = 0; tried < connections.length && !chosen; tried += 1) {
        const candidate = connections[cursor] as LoadConnection;
        cursor = (cursor + 1) % connections.length;
        if (candidate.inFlight < options.maxInFlight && candidate.client.connected) chosen = candidate;
      }
      if (!chosen) return;
      publishOne(chosen);
      tokens -= options.batch;
    }
  };

  const sendingFinished = new Promise<number>((resolve) => {
    const endAt = startedAt + options.durationS * 1000;
    let lastProgress = startedAt;
    const tick = () => {
      const current = performance.now();
      const until = Math.min(current, endAt);
      tokens = Math.min(
        tokens + ((until - lastRefill) * options.rate) / 1000,
        Math.max(options.batch, options.rate * BURST_SECONDS),
      );
      lastRefill = until;
      spend();
      if (current - lastProgress >= 1000) {
        lastProgress = current;
        hooks.onProgress?.({
          elapsedS: (current - startedAt) / 1000,
          ...counts,
          inFlight: totalInFlight(connections),
        });
      }
      if (current >= endAt || hooks.signal?.aborted) {
        resolve(Math.min(current, endAt));
        return;
      }
      setTimeout(tick, TICK_MS);
    };
    tick();
  });

  const sendingEndedAt = await sendingFinished;
  const endedAtMs = startedAtMs + (sendingEndedAt - startedAt);
  await drain(connections);
  await Promise.all(connections.map((connection) => connection.client.endAsync(true)));

  const durationS = (sendingEndedAt - startedAt) / 1000;
  const perSecond = (count: number) => (durationS > 0 ? Math.round((count / durationS) * 10) / 10 : 0);
  return {
    offeredRate: options.rate,
    durationS: Math.round(durationS * 1000) / 1000,
    sent: counts.sent,
    acked: counts.acked,
    errors: counts.errors,
    achievedRate: perSecond(counts.sent),
    ackedRate: perSecond(counts.acked),
    startedAt: new Date(startedAtMs).toISOString(),
    endedAt: new Date(endedAtMs).toISOString(),
  };
}

interface PlannedConnection {
  readonly deviceIds: readonly string[];
  readonly login: Pick<IClientOptions, "clientId" | "username" | "password">;
}

/** Which connections to open and which device ids each one publishes for. */
async function connectionPlan(options: LoadGeneratorOptions): Promise<PlannedConnection[]> {
  if (options.credentialsFile !== undefined) {
    const credentials = [...(await readFleetCredentials(options.credentialsFile))];
    if (credentials.length < options.devices) {
      throw new Error(
        `${options.credentialsFile} has ${credentials.length} devices, --devices asks for ${options.devices}`,
      );
    }
    return credentials.slice(0, options.devices).map(([deviceId, secret]) => ({
      deviceIds: [deviceId],
      login: { clientId: deviceId, username: deviceId, password: secret },
    }));
  }
  const deviceIdsPerConnection: string[][] = Array.from({ length: options.connections }, () => []);
  const width = String(options.devices).length;
  for (let device = 0; device < options.devices; device += 1) {
    deviceIdsPerConnection[device % options.connections]?.push(
      `load-${String(device + 1).padStart(width, "0")}`,
    );
  }
  return deviceIdsPerConnection.map((deviceIds, index) => ({
    deviceIds,
    login: { clientId: `loadgen-${process.pid}-${index + 1}` },
  }));
}

async function connectAll(
  plan: readonly PlannedConnection[],
  brokerUrl: string,
  counts: { errors: number },
): Promise<LoadConnection[]> {
  const connections: LoadConnection[] = [];
  let next = 0;
  const connectNext = async (): Promise<void> => {
    while (next < plan.length) {
      const planned = plan[next++] as PlannedConnection;
      const client = mqtt.connect(brokerUrl, {
        ...planned.login,
        protocolVersion: 4,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: CONNECT_TIMEOUT_MS,
      });
      connections.push({ client, deviceIds: planned.deviceIds, nextDevice: 0, inFlight: 0 });
      await waitForConnect(client, `${brokerUrl} as ${planned.login.clientId}`);
      client.on("error", () => {
        counts.errors += 1;
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONNECTS_AT_ONCE, plan.length) }, connectNext));
  } catch (error) {
    next = plan.length; // the other workers stop taking new connections
    await Promise.all(connections.map((connection) => connection.client.endAsync(true)));
    throw error;
  }
  return connections;
}

function waitForConnect(client: MqttClient, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)),
      CONNECT_TIMEOUT_MS,
    );
    const cleanUp = () => {
      clearTimeout(timer);
      client.off("connect", succeed);
      client.off("error", fail);
      client.off("close", closed);
    };
    const succeed = () => {
      cleanUp();
      resolve();
    };
    const fail = (error: Error) => {
      cleanUp();
      reject(new Error(`could not connect to ${target}: ${error.message}`));
    };
    const closed = () => fail(new Error("connection closed"));
    client.on("connect", succeed);
    client.on("error", fail);
    client.on("close", closed);
  });
}

function totalInFlight(connections: readonly LoadConnection[]): number {
  return connections.reduce((sum, connection) => sum + connection.inFlight, 0);
}

/** Waits (bounded) for outstanding acknowledgements so they count. */
async function drain(connections: readonly LoadConnection[]): Promise<void> {
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (totalInFlight(connections) > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// Typical readings of a Tây Ninh air station; exact realism does not matter for throughput.
const TYPICAL_AIR_VALUES: Readonly<Record<(typeof LOAD_METRICS)[number], readonly [number, number, number]>> =
  {
    pm25: [8, 60, 1],
    pm10: [15, 110, 1],
    o3: [20, 140, 1],
    no2: [10, 80, 1],
    so2: [3, 40, 1],
    co: [400, 2500, 0],
    temperature: [23, 34, 1],
    humidity: [55, 95, 0],
  };

function plausibleAirValues(
  metrics: readonly (typeof LOAD_METRICS)[number][],
  random: RandomSource,
): Record<string, number> {
  const values: Record<string, number> = {};
  for (const key of metrics) {
    const [low, high, decimals] = TYPICAL_AIR_VALUES[key];
    const factor = 10 ** decimals;
    values[key] = Math.round((low + (high - low) * random()) * factor) / factor;
  }
  return values;
}
