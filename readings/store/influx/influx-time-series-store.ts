import { join } from "node:path";
import type { Logger } from "pino";
import type { Clock } from "../../../kernel/clock.js";
import { DEAD_LETTER_PAYLOAD_BYTES } from "../../../kernel/limits.js";
import type { RejectionReason } from "../../../kernel/rejections.js";
import type { SeriesPoint } from "../../../kernel/series.js";
import { isValidDeviceId } from "../../../kernel/topics.js";
import type { ServiceConfig } from "../../../platform/config.js";
import type { DeadLetterRepository, NewDeadLetter } from "../dead-letter-repository.js";
import type { TimeSeriesStore } from "../time-series-store.js";
import { createDeviceTagCache, type DeviceTagLookup } from "./device-tags.js";
import { createDurableWriter, type DurableWriterStatus } from "./durable-writer.js";
import { createInfluxHttp } from "./influx-http.js";
import { createInfluxReader } from "./influx-reader.js";
import {
  type DeviceTags,
  lineDeviceId,
  lineFieldNames,
  type RefusedPoint,
  readingLines,
} from "./line-protocol.js";
import type { InfluxStoreMetrics } from "./metrics.js";
import { createRollups, type Rollups } from "./rollups.js";
import { openSpool } from "./spool.js";

export interface InfluxStoreOptions {
  readonly url: string;
  readonly token: string;
  readonly org: string;
  readonly bucket: string;
  /** Hourly rollups; `<bucket>_hourly` by convention. */
  readonly rollupBucket: string;
  /** Lines per write request (INFLUX_BATCH_LINES). */
  readonly batchLines: number;
  /** Local spool for batches InfluxDB cannot take now; one directory per process. */
  readonly spoolDir: string;
  readonly spoolMaxBytes: number;
  /** Socket timeout of one request to InfluxDB. */
  readonly requestTimeoutMs?: number;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  readonly rollups?: {
    /** Compute rollups in this process (every process that writes should). */
    readonly run: boolean;
    readonly graceMs?: number;
    readonly tickMs?: number;
    readonly hoursPerTick?: number;
  };
  /** How long a device's area and kind tags are cached. */
  readonly tagCacheTtlMs?: number;
}

export interface InfluxStoreDeps {
  readonly deadLetters: Pick<DeadLetterRepository, "insertMany">;
  /** The registry's area and kind of a device (null when unknown). */
  readonly deviceTags: DeviceTagLookup;
  readonly metrics: InfluxStoreMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface InfluxStoreStatus extends DurableWriterStatus {
  /** "spooling" while anything waits in the spool (new writes queue behind it). */
  readonly mode: "direct" | "spooling";
  /** Age of the oldest spooled batch in ms; null when the spool is empty. */
  readonly oldestSpooledAgeMs: number | null;
}

export interface InfluxTimeSeriesStore extends TimeSeriesStore {
  status(): InfluxStoreStatus;
  /** Resolves once everything spooled has been replayed into InfluxDB. */
  drained(): Promise<void>;
  readonly rollups: Pick<Rollups, "tick" | "catchUp">;
}

/** Reason of a dead letter for a line InfluxDB refused. */
export const STORAGE_REJECTED: RejectionReason = "storage_rejected";

export const DEAD_LETTER_TOPIC = "influxdb/write";

const NO_TAGS: DeviceTags = { area: null, kind: null };

const PROBLEM_MESSAGES: Record<RefusedPoint["problem"], string> = {
  invalid_device_id: "device id cannot be stored: letters, digits, '-' or '_', at most 64",
  unknown_metric: "series name is neither a catalogue metric nor a derived series (idx:…)",
  non_finite_value: "value must be a finite number",
  invalid_timestamp: "timestamp must be whole milliseconds between 1970 and 2262",
};

const clip = (text: string) => text.slice(0, DEAD_LETTER_PAYLOAD_BYTES);

export async function createInfluxTimeSeriesStore(
  options: InfluxStoreOptions,
  deps: InfluxStoreDeps,
): Promise<InfluxTimeSeriesStore> {
  const { metrics, logger, clock } = deps;
  const http = createInfluxHttp({
    url: options.url,
    token: options.token,
    org: options.org,
    timeoutMs: options.requestTimeoutMs ?? 10_000,
    maxLinesPerRequest: options.batchLines,
  });
  const spool = await openSpool(
    {
      dir: options.spoolDir,
      maxBytes: options.spoolMaxBytes,
      segmentBytes: Math.min(16 * 1024 * 1024, Math.max(64 * 1024, Math.floor(options.spoolMaxBytes / 8))),
    },
    { clock, logger },
  );
  metrics.observeSpool(() => spool.stats());
  const tags = createDeviceTagCache(deps.deviceTags, { ttlMs: options.tagCacheTtlMs ?? 300_000, clock });
  const rollupRun = options.rollups?.run ?? true;
  const rollups = createRollups(
    {
      rawBucket: options.bucket,
      rollupBucket: options.rollupBucket,
      graceMs: options.rollups?.graceMs ?? 120_000,
      tickMs: options.rollups?.tickMs ?? 60_000,
      hoursPerTick: options.rollups?.hoursPerTick ?? 24,
      batchLines: options.batchLines,
      dirtyFile: join(options.spoolDir, "rollup-dirty-hours.json"),
    },
    {
      http,
      tagsOf: (ids) => tags.tagsOf(ids),
      clock,
      logger,
      onHourRolledUp: () => metrics.rollupHours.inc(),
    },
  );

  async function recordRefusedLines(lines: readonly string[], reason: string): Promise<void> {
    const receivedAt = clock.now();
    const letters = lines.map((line): NewDeadLetter => {
      const fields = lineFieldNames(line);
      return {
        receivedAt,
        deviceId: lineDeviceId(line),
        topic: DEAD_LETTER_TOPIC,
        reason: STORAGE_REJECTED,
        message: clip(`InfluxDB refused the line: ${reason}`),
        ...(fields.length === 1 ? { metric: fields[0] as string } : {}),
        payload: clip(line),
        truncated: line.length > DEAD_LETTER_PAYLOAD_BYTES,
      };
    });
    await deps.deadLetters.insertMany(letters);
    metrics.linesDeadLettered.inc(lines.length);
    logger.error({ lines: lines.length, reason }, "lines refused by InfluxDB recorded as dead letters");
  }

  const writer = createDurableWriter(
    {
      batchLines: options.batchLines,
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxMs: options.retryMaxMs ?? 5_000,
      isolateBudget: 64,
    },
    {
      send: async (lines) => {
        const end = metrics.writeSeconds.startTimer();
        try {
          await http.writeLines(options.bucket, lines);
        } finally {
          end();
        }
      },
      spool,
      onRejected: recordRefusedLines,
      onStored: (lines) => rollups.noteStored(lines),
      onFailure: (failure) => metrics.writeFailures.inc({ kind: failure.kind }),
      onWritten: (count, path) => metrics.linesWritten.inc({ path }, count),
      logger,
      clock,
    },
  );

  await rollups.start(rollupRun);
  const reader = createInfluxReader(
    { bucket: options.bucket, rollupBucket: options.rollupBucket },
    { http, coverage: () => rollups.coverage() },
  );

  // Tag lookups are asynchronous; this chain hands batches to the writer in call order.
  let prepared: Promise<unknown> = Promise.resolve();
  let closed = false;

  function refusedLetters(refused: readonly RefusedPoint[]): NewDeadLetter[] {
    const receivedAt = clock.now();
    return refused.map(({ point, problem }) => {
      const payload = JSON.stringify({
        deviceId: point.deviceId,
        metric: point.metric,
        ts: point.ts,
        value: point.value,
      });
      return {
        receivedAt,
        deviceId: typeof point.deviceId === "string" ? clip(point.deviceId) : null,
        topic: DEAD_LETTER_TOPIC,
        reason: problem,
        message: PROBLEM_MESSAGES[problem],
        metric: clip(String(point.metric)),
        payload: clip(payload),
        truncated: payload.length > DEAD_LETTER_PAYLOAD_BYTES,
      };
    });
  }

  return {
    kind: "influxdb",

    write(points: readonly SeriesPoint[]) {
      if (closed) return Promise.reject(new Error("influx store is closed"));
      if (points.length === 0) return Promise.resolve();
      const handedOff = prepared.then(async () => {
        const ids = new Set<string>();
        for (const p of points) if (isValidDeviceId(p.deviceId)) ids.add(p.deviceId);
        const known = await tags.tagsOf(ids);
        const { lines, refused } = readingLines(points, (id) => known.get(id) ?? NO_TAGS);
        // Handed to the writer inside the chain, so batches reach it in call order.
        return { written: writer.write(lines), refused };
      });
      prepared = handedOff.catch(() => undefined);
      return handedOff.then(async ({ written, refused }) => {
        let lettered: Promise<void> | undefined;
        if (refused.length > 0) {
          logger.warn({ points: refused.length }, "points that cannot be stored recorded as dead letters");
          lettered = deps.deadLetters.insertMany(refusedLetters(refused));
        }
        await Promise.all([written, lettered]);
      });
    },

    latest: (filter) => reader.latest(filter),
    range: (query) => reader.range(query),
    observations: (query) => reader.observations(query),
    countObservations: (query) => reader.countObservations(query),

    async ping() {
      if (closed) throw new Error("influx store is closed");
      await http.ping();
    },

    status() {
      const status = writer.status();
      const oldest = status.spool.oldestAt;
      return {
        ...status,
        mode: status.spool.records > 0 ? "spooling" : "direct",
        oldestSpooledAgeMs: oldest === null ? null : Math.max(0, clock.now() - oldest),
      };
    },

    drained: () => writer.drained(),

    rollups: { tick: () => rollups.tick(), catchUp: () => rollups.catchUp() },

    async close() {
      if (closed) return;
      closed = true;
      await prepared;
      await writer.close();
      await rollups.stop();
      await spool.close();
      http.close();
    },
  };
}

/** The store's options from the service configuration; undefined when InfluxDB is not configured. */
export function influxStoreOptionsFromConfig(
  config: Pick<
    ServiceConfig,
    | "INFLUX_URL"
    | "INFLUX_TOKEN"
    | "INFLUX_ORG"
    | "INFLUX_BUCKET"
    | "INFLUX_ROLLUP_BUCKET"
    | "INFLUX_BATCH_LINES"
    | "INFLUX_SPOOL_MAX_BYTES"
    | "DATA_DIR"
  >,
  spoolName = "influx-spool",
): InfluxStoreOptions | undefined {
  const { INFLUX_URL: url, INFLUX_TOKEN: token, INFLUX_ORG: org, INFLUX_BUCKET: bucket } = config;
  if (!url || !token || !org || !bucket) return undefined;
  return {
    url,
    token,
    org,
    bucket,
    rollupBucket: config.INFLUX_ROLLUP_BUCKET ?? `${bucket}_hourly`,
    batchLines: config.INFLUX_BATCH_LINES,
    spoolDir: join(config.DATA_DIR, spoolName),
    spoolMaxBytes: config.INFLUX_SPOOL_MAX_BYTES,
  };
}
