/**
 * The inbox the FTP server writes station files into (vsftpd, pure-ftpd… with one account per
 * facility). Each scan lists the inbox; a file is read only once its size and modification time
 * have stayed the same for `settleMs` (an upload in progress grows) and, when the FTP server keeps
 * a transfer log (INDUSTRIAL_FTP_XFERLOG), once the log says the upload completed: a stalled upload
 * is then never read half. Each file is judged (model/file-judgement.ts), its measuring values go through the
 * ingest like any reading, every value is recorded with its quality flag, and the file is moved to
 * archive/processed/ or archive/rejected/ (with a .reason.txt beside it).
 *
 * Across restarts: the record (keyed by the content's sha256) is written after the ingest stored
 * the readings and before the file is moved. A crash before the record leaves the file in the inbox
 * and it is done again (the ingest replaces points with the same device, metric and time); a crash
 * after it leaves a record without `archived_as`, and the next scan only finishes the move.
 */
import { createHash } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { Clock } from "../../kernel/clock.js";
import type { FacilitiesFile } from "../model/facilities.js";
import { type FileJudgement, judgeStationFile, REJECTIONS } from "../model/file-judgement.js";
import { MAX_STATION_FILE_BYTES } from "../model/station-file.js";
import type { MappedValue } from "../model/station-parameters.js";
import type {
  FileOutcome,
  FileProblems,
  StationFileRecord,
  StationFileRepository,
} from "../store/station-file-repository.js";
import type { UploadCompletions } from "./xferlog-completions.js";

/** One message of device protocol v1 holds at most this many entries. */
const MAX_ENTRIES_PER_MESSAGE = 1000;

export interface InboxIntakeOptions {
  readonly inboxDir: string;
  /** processed/ and rejected/ are made here. */
  readonly archiveDir: string;
  readonly settleMs: number;
  readonly scanIntervalMs: number;
}

export interface ReadingEntry {
  readonly ts: number;
  readonly values: Readonly<Record<string, number>>;
}

export interface InboxIntakeDeps {
  readonly facilities: FacilitiesFile;
  readonly repository: StationFileRepository;
  /** Stores readings of a station through the ingest; resolves once they are durable. */
  readonly submit: (deviceId: string, entries: readonly ReadingEntry[]) => Promise<void>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Told about each file once it is recorded and archived. */
  readonly onFile?: (record: StationFileRecord) => void;
  /** The FTP server's word that an upload is complete (its transfer log); without it, settling alone. */
  readonly completions?: UploadCompletions;
}

export interface InboxIntake {
  start(): Promise<void>;
  /** One scan: files that have settled are processed; returns how many. */
  scanOnce(): Promise<number>;
  stop(): Promise<void>;
}

interface Sighting {
  readonly size: number;
  readonly mtimeMs: number;
  readonly since: number;
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const found: string[] = [];
  for (const entry of entries) {
    // Dot-files are uploads some servers name temporarily (pure-ftpd's .pureftpd-upload.*).
    if (entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(full, base)));
    else if (entry.isFile()) found.push(path.relative(base, full));
  }
  return found;
}

async function moveFile(from: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    await copyFile(from, to);
    await unlink(from);
  }
}

/** Readings of the measuring values, grouped by time, in messages of at most 1000 entries. */
export function readingMessages(values: readonly MappedValue[]): ReadingEntry[][] {
  const byTs = new Map<number, Record<string, number>>();
  for (const v of values) {
    if (v.status !== "measuring") continue;
    const entry = byTs.get(v.ts) ?? {};
    entry[v.metric] = v.value;
    byTs.set(v.ts, entry);
  }
  const entries = [...byTs].sort(([a], [b]) => a - b).map(([ts, vals]) => ({ ts, values: vals }));
  const messages: ReadingEntry[][] = [];
  for (let i = 0; i < entries.length; i += MAX_ENTRIES_PER_MESSAGE) {
    messages.push(entries.slice(i, i + MAX_ENTRIES_PER_MESSAGE));
  }
  return messages;
}

function reasonText(record: { name: string; outcome: FileOutcome; problems: FileProblems }): string {
  const lines = [`${record.name}: ${record.outcome}`];
  if (record.problems.reason) lines.push(record.problems.reason);
  for (const p of record.problems.lines)
    lines.push(`dòng ${p.line} · line ${p.line}: ${p.reason}: ${p.message}`);
  return `${lines.join("\r\n")}\r\n`;
}

export function createInboxIntake(options: InboxIntakeOptions, deps: InboxIntakeDeps): InboxIntake {
  const { repository, clock, logger } = deps;
  const sightings = new Map<string, Sighting>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> = Promise.resolve(0);
  let stopped = false;

  async function archive(relative: string, record: StationFileRecord): Promise<void> {
    const folder = record.outcome === "rejected" ? "rejected" : "processed";
    let target = path.join(folder, relative);
    // Two uploads may share a name (a corrected file sent again): keep both.
    try {
      await stat(path.join(options.archiveDir, target));
      target = `${target}.${record.id}`;
    } catch {
      // free
    }
    await moveFile(path.join(options.inboxDir, relative), path.join(options.archiveDir, target));
    if (record.outcome !== "accepted") {
      await writeFile(path.join(options.archiveDir, `${target}.reason.txt`), reasonText(record));
    }
    await repository.markArchived(record.id, target);
  }

  async function store(judged: Extract<FileJudgement, { outcome: "accepted" | "partial" }>): Promise<void> {
    const deviceId = judged.resolved.station.deviceId;
    for (const message of readingMessages(judged.values)) await deps.submit(deviceId, message);
  }

  async function processFile(relative: string): Promise<void> {
    const full = path.join(options.inboxDir, relative);
    const bytes = await readFile(full);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const name = path.basename(relative);
    const folders = path
      .dirname(relative)
      .split(path.sep)
      .filter((p) => p !== "." && p !== "");
    const folder = folders.join("/");
    const known = await repository.findBySha(sha256);
    if (known) {
      if (known.archivedAs === null && known.name === name && known.folder === folder) {
        // Recorded before a restart, not yet moved: finish the move only.
        await archive(relative, known);
        return;
      }
      const duplicate = await repository.record(
        {
          name,
          folder,
          // The content hash stays unique to the first copy; a refused duplicate is told apart by its time.
          sha256: `${sha256}#duplicate-${clock.now()}`,
          deviceId: known.deviceId,
          fileAt: known.fileAt,
          receivedAt: clock.now(),
          outcome: "rejected",
          acceptedLines: 0,
          problems: { reason: REJECTIONS.duplicate(known.name), lines: [] },
        },
        [],
      );
      await archive(relative, duplicate);
      deps.onFile?.(duplicate);
      return;
    }
    const now = clock.now();
    const judged: FileJudgement =
      bytes.length > MAX_STATION_FILE_BYTES
        ? {
            outcome: "rejected",
            reason: REJECTIONS.tooLarge(bytes.length),
            resolved: undefined,
            fileAt: null,
            problems: [],
          }
        : judgeStationFile({ name, folders, text: new TextDecoder().decode(bytes) }, deps.facilities, now);
    if (judged.outcome !== "rejected") await store(judged);
    const deviceId = judged.resolved?.station.deviceId ?? null;
    const record = await repository.record(
      {
        name,
        folder,
        sha256,
        deviceId,
        fileAt: judged.fileAt,
        receivedAt: now,
        outcome: judged.outcome,
        acceptedLines: judged.outcome === "rejected" ? 0 : judged.values.length,
        problems:
          judged.outcome === "rejected"
            ? { reason: judged.reason, lines: judged.problems }
            : { lines: judged.problems },
      },
      judged.outcome === "rejected"
        ? []
        : judged.values.map((v) => ({
            deviceId: deviceId as string,
            metric: v.metric,
            ts: v.ts,
            value: v.value,
            symbol: v.symbol,
            quality: v.status,
          })),
    );
    await archive(relative, record);
    logger.info(
      {
        file: relative,
        deviceId,
        outcome: record.outcome,
        accepted: record.acceptedLines,
        refused: record.refusedLines,
      },
      "station file received",
    );
    deps.onFile?.(record);
  }

  async function scan(): Promise<number> {
    const now = clock.now();
    const files = await listFiles(options.inboxDir);
    const present = new Set(files);
    for (const known of sightings.keys()) if (!present.has(known)) sightings.delete(known);
    let processed = 0;
    for (const relative of files) {
      if (stopped) break;
      let info: import("node:fs").Stats;
      try {
        info = await stat(path.join(options.inboxDir, relative));
      } catch {
        continue; // gone meanwhile
      }
      const before = sightings.get(relative);
      if (!before || before.size !== info.size || before.mtimeMs !== info.mtimeMs) {
        sightings.set(relative, { size: info.size, mtimeMs: info.mtimeMs, since: now });
        continue;
      }
      if (now - before.since < options.settleMs) continue;
      if (deps.completions && !(await deps.completions.isComplete(path.basename(relative), info.size)))
        continue;
      sightings.delete(relative);
      try {
        await processFile(relative);
        processed += 1;
      } catch (error) {
        // Left in the inbox: the next scan tries again.
        logger.error({ err: error, file: relative }, "station file not processed; will retry");
      }
    }
    return processed;
  }

  const scanOnce = (): Promise<number> => {
    const next = running.then(scan, scan);
    running = next.catch(() => 0);
    return next;
  };

  return {
    async start() {
      await mkdir(options.inboxDir, { recursive: true });
      await mkdir(options.archiveDir, { recursive: true });
      const tick = () => {
        if (stopped) return;
        scanOnce()
          .catch((error: unknown) => logger.error({ err: error }, "inbox scan failed"))
          .finally(() => {
            if (!stopped) timer = setTimeout(tick, options.scanIntervalMs);
          });
      };
      timer = setTimeout(tick, 0);
    },
    scanOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
