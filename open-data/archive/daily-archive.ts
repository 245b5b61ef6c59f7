/**
 * Daily archives: one gzip-compressed CSV per local day (Asia/Ho_Chi_Minh, UTC+7) with every raw
 * reading of every published station, written once the day is over, kept `retentionDays`. Each
 * archive has a small JSON record beside it (rows, bytes, SHA-256) that the catalogue lists.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { Logger } from "pino";
import { z } from "zod";
import { DAY_MS, HOUR_MS, VIETNAM_UTC_OFFSET_MS } from "../../kernel/time.js";
import { csvHeader, csvLine } from "../model/readings-csv.js";
import { observedValue, type StaCatalogue } from "../model/sta-model.js";
import type { ObservationStore } from "../sta/observation-query.js";

const gzipAsync = promisify(gzip);

export const ARCHIVE_NAME = /^readings-(\d{4}-\d{2}-\d{2})\.csv\.gz$/;
const archiveName = (day: string) => `readings-${day}.csv.gz`;
const recordName = (day: string) => `readings-${day}.json`;
const PAGE = 20_000;
/** Days built per tick at most, newest first, so a long retention fills in gradually. */
const DAYS_PER_TICK = 3;

export const archiveRecordSchema = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  file: z.string().regex(ARCHIVE_NAME),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  generatedAt: z.string(),
  /** First and last instant of the local day, UTC. */
  from: z.string(),
  to: z.string(),
});
export type ArchiveRecord = z.infer<typeof archiveRecordSchema>;

/** The local day (YYYY-MM-DD) an instant falls in, and the UTC span of a local day. */
export const localDayOf = (ms: number) => new Date(ms + VIETNAM_UTC_OFFSET_MS).toISOString().slice(0, 10);
export const localDaySpan = (day: string) => {
  const start = Date.parse(`${day}T00:00:00Z`) - VIETNAM_UTC_OFFSET_MS;
  return { from: start, to: start + DAY_MS };
};

export interface DailyArchiveOptions {
  readonly dir: string;
  readonly retentionDays: number;
}

export interface DailyArchive {
  /** Writes (or rewrites) the archive of one local day. */
  build(day: string): Promise<ArchiveRecord>;
  /** Archives kept now, newest first. */
  list(): Promise<ArchiveRecord[]>;
  /** Path of an archive file by name, or undefined when it is not one of ours. */
  pathOf(file: string): string | undefined;
  /** Builds missing days (newest first, a few per call) and deletes those past retention. */
  tick(): Promise<void>;
  start(intervalMs?: number): void;
  stop(): Promise<void>;
}

export function createDailyArchive(
  options: DailyArchiveOptions,
  deps: {
    readonly catalogue: () => Promise<StaCatalogue>;
    readonly store: ObservationStore;
    readonly now: () => number;
    readonly logger: Logger;
  },
): DailyArchive {
  const { dir } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function build(day: string): Promise<ArchiveRecord> {
    const { from, to } = localDaySpan(day);
    const catalogue = await deps.catalogue();
    const chunks = [csvHeader()];
    let rows = 0;
    for (const d of catalogue.datastreams) {
      for (let start = from; ; ) {
        const points = await deps.store.observations({
          deviceId: d.station.deviceId,
          metric: d.series,
          from: start,
          to,
          order: "asc",
          offset: 0,
          limit: PAGE,
        });
        for (const p of points) {
          chunks.push(
            csvLine({
              station: d.station.deviceId,
              stationName: d.station.name,
              area: d.station.area,
              metric: d.key,
              ts: p.ts,
              value: observedValue(d, p.value),
              unit: d.unit.symbol,
            }),
          );
        }
        rows += points.length;
        const last = points[points.length - 1];
        if (points.length < PAGE || !last) break;
        start = last.ts + 1;
      }
    }
    const compressed = await gzipAsync(Buffer.from(chunks.join(""), "utf8"), { level: 9 });
    const record: ArchiveRecord = {
      day,
      file: archiveName(day),
      rows,
      bytes: compressed.length,
      sha256: createHash("sha256").update(compressed).digest("hex"),
      generatedAt: new Date(deps.now()).toISOString(),
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    };
    await mkdir(dir, { recursive: true });
    // Written beside, then renamed: a reader never sees half a file.
    const tmp = join(dir, `.${record.file}.tmp`);
    await writeFile(tmp, compressed);
    await rename(tmp, join(dir, record.file));
    const tmpRecord = join(dir, `.${recordName(day)}.tmp`);
    await writeFile(tmpRecord, `${JSON.stringify(record, null, 2)}\n`);
    await rename(tmpRecord, join(dir, recordName(day)));
    return record;
  }

  async function list(): Promise<ArchiveRecord[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const records: ArchiveRecord[] = [];
    for (const name of names) {
      const match = ARCHIVE_NAME.exec(name);
      if (!match) continue;
      try {
        const parsed = archiveRecordSchema.safeParse(
          JSON.parse(await readFile(join(dir, recordName(match[1] as string)), "utf8")),
        );
        if (parsed.success) records.push(parsed.data);
      } catch {
        // An archive without its record is not listed (it is rebuilt on the next tick).
      }
    }
    return records.sort((a, b) => (a.day < b.day ? 1 : -1));
  }

  async function tick(): Promise<void> {
    const today = localDayOf(deps.now());
    const yesterdayStart = localDaySpan(today).from - DAY_MS;
    const kept = new Set((await list()).map((r) => r.day));
    const catalogue = await deps.catalogue();
    // Days before the first station was published hold nothing to archive.
    const firstPublished = Math.min(
      ...catalogue.stations.map((s) => s.publishedAt),
      Number.POSITIVE_INFINITY,
    );
    let built = 0;
    for (let i = 0; i < options.retentionDays && built < DAYS_PER_TICK; i += 1) {
      const dayStart = yesterdayStart - i * DAY_MS;
      if (dayStart + DAY_MS <= firstPublished - DAY_MS) break;
      const day = localDayOf(dayStart + HOUR_MS);
      if (kept.has(day)) continue;
      const record = await build(day);
      deps.logger.info({ day, rows: record.rows, bytes: record.bytes }, "daily open-data archive written");
      built += 1;
    }
    // Retention: anything older than retentionDays before today goes.
    const oldest = localDayOf(yesterdayStart - (options.retentionDays - 1) * DAY_MS + HOUR_MS);
    for (const record of await list()) {
      if (record.day < oldest) {
        await rm(join(dir, record.file), { force: true });
        await rm(join(dir, recordName(record.day)), { force: true });
      }
    }
  }

  return {
    build,
    list,
    pathOf(file) {
      return ARCHIVE_NAME.test(file) ? join(dir, file) : undefined;
    },
    tick,
    start(intervalMs = HOUR_MS) {
      const run = () => {
        if (running) return;
        running = tick()
          .catch((error: unknown) =>
            deps.logger.warn({ err: error }, "daily open-data archive failed; retried later"),
          )
          .finally(() => {
            running = undefined;
          });
      };
      run();
      timer = setInterval(run, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
