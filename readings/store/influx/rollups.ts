import { open, readFile, rename, writeFile } from "node:fs/promises";
import type { Logger } from "pino";
import type { Clock } from "../../../kernel/clock.js";
import { HOUR_MS } from "../../../kernel/time.js";
import type { InfluxHttp, InfluxQLResult } from "./influx-http.js";
import { identifier, timeRange } from "./influxql.js";
import {
  type DeviceTags,
  floatValue,
  isStorableField,
  lineTimestamp,
  RAW_MEASUREMENT,
  ROLLUP_MEASUREMENT,
  seriesTags,
} from "./line-protocol.js";

/**
 * Hourly rollups (mean, min, max, count of every field per device), computed by the service: one
 * InfluxQL query per closed hour over the raw bucket, written back as line protocol into the
 * rollup bucket (no Flux tasks, so it works wherever InfluxQL does).
 *
 * The watermark W says hours before W are rolled up; it is stored in the rollup bucket
 * (measurement `rollup_progress`) so every process reads the same one. Lines stored later for an
 * hour before W (a device's backlog, a spool replayed after an outage) mark that hour dirty; dirty
 * hours are recomputed on the next tick and, until then, read from raw data in this process.
 * The dirty set is fsynced to a file before the write that caused it is acknowledged, so a crash
 * cannot leave an hour stale. Recomputing an hour rewrites the same points: safe to repeat, and
 * safe for two processes to do.
 */
export const PROGRESS_MEASUREMENT = "rollup_progress";

export interface RollupOptions {
  readonly rawBucket: string;
  readonly rollupBucket: string;
  /** An hour is rolled up this long after it ends, so that late readings make it in. */
  readonly graceMs: number;
  readonly tickMs: number;
  /** Hours computed per tick at most (catching up after a long pause is spread out). */
  readonly hoursPerTick: number;
  readonly batchLines: number;
  /** Where the dirty hours are kept; absent: in memory only (tests, read-only processes). */
  readonly dirtyFile?: string;
}

export interface RollupDeps {
  readonly http: InfluxHttp;
  readonly tagsOf: (deviceIds: readonly string[]) => Promise<ReadonlyMap<string, DeviceTags>>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onHourRolledUp?: (hour: number, lines: number) => void;
}

/** What the reader may take from the rollups. */
export interface RollupCoverage {
  /** Hours starting before this are rolled up (except dirty ones); null: none are. */
  readonly watermark: number | null;
  readonly dirty: ReadonlySet<number>;
}

export interface Rollups {
  /** Loads the watermark and the dirty hours; starts the timer when `run` is set. */
  start(run: boolean): Promise<void>;
  stop(): Promise<void>;
  /** Marks the rolled-up hours these stored lines touch; resolves once the marks are durable. */
  noteStored(lines: readonly string[]): Promise<void> | undefined;
  /** One tick: recompute dirty hours, then advance the watermark over closed hours. */
  tick(): Promise<void>;
  /** Ticks until nothing is due (tests, tools). */
  catchUp(): Promise<void>;
  coverage(): Promise<RollupCoverage>;
}

const hourOf = (ts: number) => Math.floor(ts / HOUR_MS) * HOUR_MS;

export const rollupField = (field: string, aggregate: "mean" | "min" | "max" | "count") =>
  `${field}_${aggregate}`;

const AGGREGATE_COLUMN = /^(mean|min|max|count)_(.+)$/;

export function createRollups(options: RollupOptions, deps: RollupDeps): Rollups {
  const { http, clock, logger } = deps;
  let watermark: number | undefined; // undefined: not loaded yet
  let loadedAt = 0;
  let runsHere = false;
  const dirty = new Set<number>();
  // Dirty hours being recomputed: still written to the file until they are done.
  const recomputing = new Set<number>();
  // Hours stored before the watermark was known; sorted out once it is.
  const touchedEarly = new Set<number>();
  let computing: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<boolean> | undefined;
  let persistChain: Promise<void> = Promise.resolve();
  let stopped = false;

  function persistDirty(): Promise<void> {
    const file = options.dirtyFile;
    if (!file) return Promise.resolve();
    const snapshot = JSON.stringify([...new Set([...dirty, ...recomputing])].sort((a, b) => a - b));
    const write = persistChain.then(async () => {
      const temporary = `${file}.tmp`;
      await writeFile(temporary, snapshot);
      const handle = await open(temporary, "r+");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
    });
    persistChain = write.catch(() => undefined);
    return write;
  }

  async function loadDirty(): Promise<void> {
    if (!options.dirtyFile) return;
    const text = await readFile(options.dirtyFile, "utf8").catch(() => "[]");
    try {
      const hours = JSON.parse(text) as unknown;
      if (Array.isArray(hours)) {
        for (const h of hours) if (Number.isSafeInteger(h) && h % HOUR_MS === 0) dirty.add(h);
      }
    } catch {
      logger.warn({ file: options.dirtyFile }, "unreadable dirty-hours file ignored");
    }
  }

  async function readWatermark(): Promise<number | null> {
    const [result] = await http.query(options.rollupBucket, [
      `SELECT last(${identifier("through")}) FROM ${identifier(PROGRESS_MEASUREMENT)}`,
    ]);
    const value = result?.series?.[0]?.values?.[0]?.[1];
    return typeof value === "number" && Number.isSafeInteger(value) ? value : null;
  }

  async function saveWatermark(value: number): Promise<void> {
    await http.writeLines(options.rollupBucket, [
      `${PROGRESS_MEASUREMENT} through=${floatValue(value)} ${value}`,
    ]);
  }

  /** Where to start when nothing was ever rolled up: the hour of the oldest raw point, or now. */
  async function initialWatermark(): Promise<number> {
    const [result] = await http.query(options.rawBucket, [
      `SELECT * FROM ${identifier(RAW_MEASUREMENT)} ORDER BY time ASC LIMIT 1`,
    ]);
    const first = result?.series?.[0]?.values?.[0]?.[0];
    return typeof first === "number" ? hourOf(first) : hourOf(clock.now());
  }

  async function ensureWatermark(): Promise<number | null> {
    // A process that does not compute rollups follows the one that does.
    if (watermark !== undefined && !runsHere && clock.now() - loadedAt > options.tickMs) {
      const stored = await readWatermark();
      if (stored !== null && stored > watermark) watermark = stored;
      loadedAt = clock.now();
    }
    if (watermark === undefined) {
      if (!runsHere && loadedAt > 0 && clock.now() - loadedAt < options.tickMs) return null;
      const stored = await readWatermark();
      loadedAt = clock.now();
      if (stored !== null) {
        watermark = stored;
      } else if (runsHere) {
        watermark = await initialWatermark();
        await saveWatermark(watermark);
      } else {
        // Nobody computes rollups yet: everything is read from raw data.
        return null;
      }
      let added = false;
      for (const hour of touchedEarly) {
        if (hour < watermark && !dirty.has(hour)) {
          dirty.add(hour);
          added = true;
        }
      }
      touchedEarly.clear();
      if (added) await persistDirty();
    }
    return watermark;
  }

  function parseAggregates(result: InfluxQLResult | undefined) {
    const perDevice = new Map<
      string,
      Map<string, { mean?: number; min?: number; max?: number; count?: number }>
    >();
    for (const series of result?.series ?? []) {
      const device = series.tags?.device;
      const row = series.values[0];
      if (!device || !row) continue;
      const fields = new Map<string, { mean?: number; min?: number; max?: number; count?: number }>();
      series.columns.forEach((column, i) => {
        const match = AGGREGATE_COLUMN.exec(column);
        const value = row[i];
        if (!match || typeof value !== "number") return;
        const [, aggregate, field] = match as unknown as [string, "mean" | "min" | "max" | "count", string];
        if (!isStorableField(field)) return;
        let entry = fields.get(field);
        if (!entry) {
          entry = {};
          fields.set(field, entry);
        }
        entry[aggregate] = value;
      });
      perDevice.set(device, fields);
    }
    return perDevice;
  }

  /** Computes one hour for every device from raw data and writes it to the rollup bucket. */
  async function computeHour(hour: number): Promise<number> {
    const [result] = await http.query(options.rawBucket, [
      `SELECT mean(*), min(*), max(*), count(*) FROM ${identifier(RAW_MEASUREMENT)} ` +
        `WHERE ${timeRange(hour, hour + HOUR_MS)} GROUP BY ${identifier("device")}`,
    ]);
    const perDevice = parseAggregates(result);
    const tags = await deps.tagsOf([...perDevice.keys()]);
    const lines: string[] = [];
    for (const [device, fields] of perDevice) {
      let fieldSet = "";
      for (const [field, a] of fields) {
        if (!a.count || a.mean === undefined || a.min === undefined || a.max === undefined) continue;
        fieldSet +=
          `${fieldSet ? "," : ""}${rollupField(field, "mean")}=${floatValue(a.mean)},` +
          `${rollupField(field, "min")}=${floatValue(a.min)},${rollupField(field, "max")}=${floatValue(a.max)},` +
          `${rollupField(field, "count")}=${a.count}i`;
      }
      if (!fieldSet) continue;
      lines.push(
        `${ROLLUP_MEASUREMENT}${seriesTags(device, tags.get(device) ?? { area: null, kind: null })} ${fieldSet} ${hour}`,
      );
    }
    for (let start = 0; start < lines.length; start += options.batchLines) {
      await http.writeLines(options.rollupBucket, lines.slice(start, start + options.batchLines));
    }
    deps.onHourRolledUp?.(hour, lines.length);
    return lines.length;
  }

  /** Returns whether anything is still due. */
  async function tickOnce(): Promise<boolean> {
    let budget = options.hoursPerTick;
    const loaded = await ensureWatermark();
    if (loaded === null) return false;
    let current = loaded;
    const dirtyNow = [...dirty].sort((a, b) => a - b).slice(0, budget);
    for (const hour of dirtyNow) {
      if (stopped) return false;
      // Out of the set first: a line stored while it is computed marks it again.
      dirty.delete(hour);
      recomputing.add(hour);
      try {
        await computeHour(hour);
      } catch (error) {
        dirty.add(hour);
        throw error;
      } finally {
        recomputing.delete(hour);
      }
      budget--;
    }
    if (dirtyNow.length > 0) await persistDirty();
    while (budget > 0 && !stopped && current + HOUR_MS + options.graceMs <= clock.now()) {
      computing = current;
      try {
        await computeHour(current);
        await saveWatermark(current + HOUR_MS);
      } finally {
        computing = undefined;
      }
      current += HOUR_MS;
      watermark = current;
      budget--;
    }
    return dirty.size > 0 || current + HOUR_MS + options.graceMs <= clock.now();
  }

  /** Resolves whether more is due; a tick already running is joined, never doubled. */
  function tick(): Promise<boolean> {
    running ??= tickOnce().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      tick()
        .catch((error: unknown) => logger.warn({ err: error }, "tick failed; retried next tick"))
        .finally(schedule);
    }, options.tickMs);
  }

  return {
    async start(run) {
      runsHere = run;
      await loadDirty();
      try {
        await ensureWatermark();
      } catch (error) {
        // InfluxDB down at start: writes still go to the spool; the watermark loads on the first tick.
        logger.warn({ err: error }, "watermark not loaded yet");
      }
      if (run) schedule();
    },

    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
      await persistChain;
    },

    noteStored(lines) {
      // Only the process that computes rollups can act on the marks.
      if (!runsHere) return undefined;
      let added = false;
      let previous = Number.NaN;
      for (const line of lines) {
        const hour = hourOf(lineTimestamp(line));
        if (hour === previous) continue;
        previous = hour;
        if (watermark === undefined) {
          touchedEarly.add(hour);
        } else if ((hour < watermark || hour === computing) && !dirty.has(hour)) {
          dirty.add(hour);
          added = true;
        }
      }
      return added ? persistDirty() : undefined;
    },

    async tick() {
      await tick();
    },

    async catchUp() {
      while ((await tick()) && !stopped) {
        // next tick at once
      }
    },

    async coverage() {
      try {
        await ensureWatermark();
      } catch {
        // Unknown watermark: everything is read from raw data.
      }
      return { watermark: watermark ?? null, dirty };
    },
  };
}
