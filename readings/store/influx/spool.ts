import { randomUUID } from "node:crypto";
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  truncate,
  unlink,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Clock } from "../../../kernel/clock.js";

/**
 * A durable, append-only queue of line-protocol batches for the time InfluxDB cannot take them.
 *
 * Segment files `<seq>.spool` hold one JSON record per line: `{"at":<spooled ms>,"lines":[…]}`.
 * Every append is fsynced before it resolves. Records are replayed oldest first; `ack` moves a
 * cursor (`<seq>.replayed`, a byte offset: losing it only means replaying again, which InfluxDB
 * absorbs because a point written twice is the same point) and deletes a segment once all of it
 * is replayed. A torn record at the end of a segment (a crash mid-append, never acknowledged)
 * is cut off when the spool opens. One process at a time: a lock file holds the owner's pid.
 */

export interface SpoolOptions {
  readonly dir: string;
  /** Disk the segments may use; an append that would pass it is refused. */
  readonly maxBytes: number;
  /** Share of maxBytes at which the alarm is raised. */
  readonly alarmRatio?: number;
  /** A new segment starts once the current one reaches this size. */
  readonly segmentBytes?: number;
}

export interface SpoolDeps {
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface SpoolStats {
  /** Line-protocol lines waiting to be replayed. */
  readonly lines: number;
  readonly records: number;
  /** Disk used by the segments (a replayed part of the oldest segment counts until it is deleted). */
  readonly bytes: number;
  readonly maxBytes: number;
  /** When the oldest waiting record was spooled; null when empty. */
  readonly oldestAt: number | null;
  /** bytes ≥ alarmRatio × maxBytes. */
  readonly alarm: boolean;
  /** The last append was refused for lack of room, and nothing was freed since. */
  readonly full: boolean;
}

/** Records taken from the head of the spool, to be acknowledged once written. */
export interface SpoolBatch {
  readonly lines: string[];
  /** Sequence number of the last record in the batch. */
  readonly throughRecord: number;
}

export interface Spool {
  /** Durable once resolved; rejects with SpoolFullError when it would pass maxBytes. */
  append(lines: readonly string[]): Promise<void>;
  isEmpty(): boolean;
  /** The oldest records, up to maxLines lines (always at least one record); undefined when empty. */
  peek(maxLines: number): Promise<SpoolBatch | undefined>;
  /** Forgets the records of a peeked batch (they are in InfluxDB or dead-lettered). */
  ack(batch: SpoolBatch): Promise<void>;
  stats(): SpoolStats;
  close(): Promise<void>;
}

export class SpoolFullError extends Error {
  constructor(needed: number, used: number, max: number) {
    super(
      `InfluxDB spool is full: ${used} of ${max} bytes used, a batch needs ${needed} more; ` +
        "the write is refused so that the sender keeps the data",
    );
    this.name = "SpoolFullError";
  }
}

interface Segment {
  readonly seq: number;
  readonly path: string;
  bytes: number;
  /** Records not yet acknowledged. */
  pending: number;
  /** Records that could not be read when the spool opened. */
  corrupt: number;
}

interface RecordRef {
  readonly id: number;
  readonly segment: Segment;
  readonly offset: number;
  readonly length: number;
  readonly lines: number;
  readonly at: number;
}

const SEGMENT_SUFFIX = ".spool";
const CURSOR_SUFFIX = ".replayed";
const LOCK_FILE = "spool.lock";
const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;

const segmentName = (seq: number) => `${String(seq).padStart(12, "0")}${SEGMENT_SUFFIX}`;
const cursorPathOf = (segmentPath: string) =>
  `${segmentPath.slice(0, -SEGMENT_SUFFIX.length)}${CURSOR_SUFFIX}`;
const cursorPath = (segment: { readonly path: string }) => cursorPathOf(segment.path);

interface StoredRecord {
  readonly at: number;
  readonly lines: string[];
}

function parseRecord(text: string): StoredRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<StoredRecord>;
    if (typeof value.at !== "number" || !Array.isArray(value.lines)) return undefined;
    if (!value.lines.every((l) => typeof l === "string")) return undefined;
    return { at: value.at, lines: value.lines };
  } catch {
    return undefined;
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Tells this process's lock from a stale one left with the same pid (a container restarted). */
const PROCESS_TOKEN = randomUUID();

/** When a process started (Linux clock ticks since boot); null where /proc is not available. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at field 3; starttime is field 22.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

interface LockOwner {
  readonly pid: number;
  readonly token: string;
  readonly started: string | null;
}

function readLockOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, "utf8")) as Partial<LockOwner>;
    if (typeof owner.pid !== "number" || typeof owner.token !== "string") return undefined;
    return {
      pid: owner.pid,
      token: owner.token,
      started: typeof owner.started === "string" ? owner.started : null,
    };
  } catch {
    return undefined;
  }
}

/** Takes the spool directory for this process; a lock left by a process that is gone is taken over. */
function acquireLock(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, token: PROCESS_TOKEN, started: processStartTime(process.pid) };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = readLockOwner(path);
      if (owner?.token === PROCESS_TOKEN) {
        throw new Error(`InfluxDB spool ${dir} is already open in this process`);
      }
      const sameProcess =
        owner !== undefined &&
        owner.pid !== process.pid &&
        processAlive(owner.pid) &&
        (owner.started === null || owner.started === processStartTime(owner.pid));
      if (sameProcess) {
        throw new Error(
          `InfluxDB spool ${dir} is in use by process ${owner.pid}; give each process its own spool`,
        );
      }
      unlinkSync(path);
    }
  }
  throw new Error(`could not lock InfluxDB spool ${dir}`);
}

export async function openSpool(options: SpoolOptions, deps: SpoolDeps): Promise<Spool> {
  const { dir, maxBytes } = options;
  const alarmRatio = options.alarmRatio ?? 0.8;
  const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  const { clock, logger } = deps;
  await mkdir(dir, { recursive: true });
  const releaseLock = acquireLock(dir);

  const segments: Segment[] = [];
  const records: RecordRef[] = [];
  let nextRecordId = 1;
  let pendingLines = 0;
  let totalBytes = 0;

  try {
    const names = (await readdir(dir)).filter((n) => n.endsWith(SEGMENT_SUFFIX)).sort();
    for (const name of names) {
      const seq = Number(name.slice(0, -SEGMENT_SUFFIX.length));
      if (!Number.isSafeInteger(seq)) continue;
      const path = join(dir, name);
      const content = await readFile(path);
      const cursorText = await readFile(cursorPathOf(path), "utf8").catch(() => "0");
      const replayedUpTo = Number(cursorText.trim()) || 0;
      const segment: Segment = { seq, path, bytes: content.length, pending: 0, corrupt: 0 };
      let offset = 0;
      while (offset < content.length) {
        const newline = content.indexOf(10, offset);
        if (newline < 0) break; // torn tail: cut off below
        const end = newline + 1;
        if (end > replayedUpTo) {
          const record = parseRecord(content.subarray(offset, newline).toString("utf8"));
          if (record) {
            records.push({
              id: nextRecordId++,
              segment,
              offset,
              length: end - offset,
              lines: record.lines.length,
              at: record.at,
            });
            segment.pending++;
            pendingLines += record.lines.length;
          } else {
            segment.corrupt++;
          }
        }
        offset = end;
      }
      if (offset < content.length) {
        logger.warn(
          { segment: path, bytes: content.length - offset },
          "influx spool: cutting off a torn record at the end of a segment (never acknowledged)",
        );
        await truncate(path, offset);
        segment.bytes = offset;
      }
      if (segment.corrupt > 0) {
        logger.error(
          { segment: path, corrupt: segment.corrupt },
          "influx spool: records that cannot be read were skipped; the segment is kept as .corrupt",
        );
      }
      if (segment.pending === 0) {
        await removeSegmentFiles(segment);
      } else {
        segments.push(segment);
        totalBytes += segment.bytes;
      }
    }
  } catch (error) {
    releaseLock();
    throw error;
  }
  if (records.length > 0) {
    logger.info(
      { lines: pendingLines, records: records.length, bytes: totalBytes },
      "influx spool: waiting records found; they are replayed when InfluxDB answers",
    );
  }

  // Appends always go to a segment this process created, never after a possibly torn tail.
  let active: { segment: Segment; handle: FileHandle } | undefined;
  let nextSeq = (segments.at(-1)?.seq ?? 0) + 1;
  let appendChain: Promise<void> = Promise.resolve();
  let closed = false;
  let full = false;

  async function removeSegmentFiles(segment: Segment): Promise<void> {
    if (segment.corrupt > 0) {
      // Keep what could not be read for a person to look at; it no longer counts as spooled.
      await rename(segment.path, `${segment.path}.corrupt`);
    } else {
      await rm(segment.path, { force: true });
    }
    await rm(cursorPath(segment), { force: true });
  }

  async function dropSegment(segment: Segment): Promise<void> {
    await removeSegmentFiles(segment);
    const at = segments.indexOf(segment);
    if (at >= 0) segments.splice(at, 1);
    totalBytes -= segment.bytes;
    full = false;
  }

  async function sealActive(): Promise<void> {
    if (!active) return;
    const { handle } = active;
    active = undefined;
    await handle.close();
  }

  async function activeSegment(): Promise<{ segment: Segment; handle: FileHandle }> {
    if (active && active.segment.bytes < segmentBytes) return active;
    await sealActive();
    const seq = nextSeq++;
    const path = join(dir, segmentName(seq));
    const handle = await open(path, "a");
    await fsyncDirectory(dir);
    const segment: Segment = { seq, path, bytes: 0, pending: 0, corrupt: 0 };
    segments.push(segment);
    active = { segment, handle };
    return active;
  }

  async function appendNow(lines: readonly string[]): Promise<void> {
    if (closed) throw new Error("influx spool is closed");
    const at = clock.now();
    const data = Buffer.from(`${JSON.stringify({ at, lines })}\n`, "utf8");
    if (totalBytes + data.length > maxBytes) {
      full = true;
      throw new SpoolFullError(data.length, totalBytes, maxBytes);
    }
    const target = await activeSegment();
    const before = target.segment.bytes;
    try {
      await target.handle.write(data);
      await target.handle.datasync();
    } catch (error) {
      // Never leave half a record for the next append to run into.
      await target.handle.truncate(before).catch(() => undefined);
      await sealActive().catch(() => undefined);
      throw error;
    }
    target.segment.bytes += data.length;
    target.segment.pending++;
    totalBytes += data.length;
    pendingLines += lines.length;
    records.push({
      id: nextRecordId++,
      segment: target.segment,
      offset: before,
      length: data.length,
      lines: lines.length,
      at,
    });
  }

  async function readRecords(refs: readonly RecordRef[]): Promise<string[]> {
    const lines: string[] = [];
    let index = 0;
    while (index < refs.length) {
      const first = refs[index] as RecordRef;
      // Records of one segment are contiguous: read them with one call.
      let last = index;
      while (last + 1 < refs.length && (refs[last + 1] as RecordRef).segment === first.segment) last++;
      const lastRef = refs[last] as RecordRef;
      const start = first.offset;
      const length = lastRef.offset + lastRef.length - start;
      const handle = await open(first.segment.path, "r");
      const buffer = Buffer.alloc(length);
      try {
        let read = 0;
        while (read < length) {
          const { bytesRead } = await handle.read(buffer, read, length - read, start + read);
          if (bytesRead === 0)
            throw new Error(`influx spool: ${first.segment.path} is shorter than expected`);
          read += bytesRead;
        }
      } finally {
        await handle.close();
      }
      for (let i = index; i <= last; i++) {
        const ref = refs[i] as RecordRef;
        const text = buffer
          .subarray(ref.offset - start, ref.offset - start + ref.length - 1)
          .toString("utf8");
        const record = parseRecord(text);
        if (!record)
          throw new Error(`influx spool: record at ${ref.segment.path}:${ref.offset} cannot be read`);
        for (const line of record.lines) lines.push(line);
      }
      index = last + 1;
    }
    return lines;
  }

  return {
    append(lines) {
      const result = appendChain.then(() => appendNow(lines));
      appendChain = result.catch(() => undefined);
      return result;
    },

    isEmpty: () => records.length === 0,

    async peek(maxLines) {
      if (records.length === 0) return undefined;
      const taken: RecordRef[] = [];
      let count = 0;
      for (const ref of records) {
        if (taken.length > 0 && count + ref.lines > maxLines) break;
        taken.push(ref);
        count += ref.lines;
      }
      const lines = await readRecords(taken);
      return { lines, throughRecord: (taken.at(-1) as RecordRef).id };
    },

    async ack(batch) {
      const touched = new Map<Segment, number>();
      while (records.length > 0 && (records[0] as RecordRef).id <= batch.throughRecord) {
        const ref = records.shift() as RecordRef;
        pendingLines -= ref.lines;
        ref.segment.pending--;
        touched.set(ref.segment, ref.offset + ref.length);
      }
      for (const [segment, replayedUpTo] of touched) {
        if (segment.pending > 0) {
          // A hint only (not fsynced): without it the segment is replayed again from its start.
          await writeFile(cursorPath(segment), String(replayedUpTo));
        } else if (active?.segment === segment) {
          // Only between appends: one may be writing to this very segment right now.
          const drop = appendChain.then(async () => {
            if (active?.segment !== segment || segment.pending > 0) return;
            await sealActive();
            await dropSegment(segment);
          });
          appendChain = drop.catch(() => undefined);
          await drop;
        } else {
          await dropSegment(segment);
        }
      }
    },

    stats() {
      const head = records[0];
      return {
        lines: pendingLines,
        records: records.length,
        bytes: totalBytes,
        maxBytes,
        oldestAt: head ? head.at : null,
        alarm: totalBytes >= alarmRatio * maxBytes,
        full,
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      await appendChain;
      await sealActive();
      releaseLock();
    },
  };
}

/** Size on disk of a spool directory's segments, for tools and tests. */
export async function spoolDiskBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.endsWith(SEGMENT_SUFFIX)) total += (await stat(join(dir, name))).size;
  }
  return total;
}

/** Removes a spool directory's files (tests). */
export async function removeSpoolFiles(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) await unlink(join(dir, name));
}
