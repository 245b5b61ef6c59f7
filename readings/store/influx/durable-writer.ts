import type { Logger } from "pino";
import type { Clock } from "../../../kernel/clock.js";
import type { Spool, SpoolStats } from "./spool.js";
import { classifyWriteFailure, type WriteFailure, type WriteFailureKind } from "./write-failure.js";

/**
 * Gets line-protocol lines into InfluxDB without ever losing one. A `write` resolves once each of
 * its lines is in InfluxDB, in the spool (fsynced), or — refused by the server for its content —
 * handed to `onRejected`; it rejects only when none of that was possible (the spool is full or
 * the disk failed), so the caller keeps the data and tries again.
 *
 * Order is kept: while anything waits in the spool, new batches join the spool behind it rather
 * than overtaking it, so a replayed old value can never overwrite a newer one. One request is in
 * flight at a time; writes that arrive meanwhile form the next batch, sent as soon as it returns
 * (so no write waits longer than one request), or at once when it reaches batchLines.
 */
export interface DurableWriterOptions {
  /** Most lines in one request. */
  readonly batchLines: number;
  /** First retry delay while InfluxDB is unreachable; doubles up to retryMaxMs. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Requests one rejected batch may spend finding which of its lines the server refuses. */
  readonly isolateBudget: number;
}

export interface DurableWriterDeps {
  readonly send: (lines: readonly string[]) => Promise<void>;
  readonly spool: Spool;
  /** Lines the server refused for their content, with its reason; must be durable when it resolves. */
  readonly onRejected: (lines: readonly string[], reason: string) => Promise<void>;
  /** Lines now in InfluxDB (directly or replayed); may return a promise to wait for. */
  readonly onStored?: (lines: readonly string[]) => Promise<void> | undefined;
  readonly onFailure?: (failure: WriteFailure) => void;
  readonly onWritten?: (lines: number, path: "direct" | "replay") => void;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface DurableWriterStatus {
  readonly spool: SpoolStats;
  /** Whether the last request InfluxDB answered (or failed to) succeeded; null before any. */
  readonly lastWriteOk: boolean | null;
  readonly lastFailure: {
    readonly kind: WriteFailureKind;
    readonly reason: string;
    readonly at: number;
  } | null;
}

export interface DurableWriter {
  write(lines: readonly string[]): Promise<void>;
  /** Resolves when the spool is empty (everything replayed) or the writer closes. */
  drained(): Promise<void>;
  status(): DurableWriterStatus;
  /** Flushes the buffer (to InfluxDB or the spool), stops replaying; the spool keeps the rest. */
  close(): Promise<void>;
}

interface Entry {
  readonly lines: readonly string[];
  /** Lines already taken into a batch. */
  taken: number;
  /** Lines made durable. */
  durable: number;
  failed: boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface Batch {
  readonly lines: string[];
  readonly parts: Array<{ entry: Entry; count: number }>;
}

export function createDurableWriter(options: DurableWriterOptions, deps: DurableWriterDeps): DurableWriter {
  const { spool, logger, clock } = deps;
  const queue: Entry[] = [];
  let flushing: Promise<void> | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let replaying: Promise<void> | undefined;
  let wakeReplay: (() => void) | undefined;
  let closed = false;
  let stopping = false;
  let lastWriteOk: boolean | null = null;
  let lastFailure: DurableWriterStatus["lastFailure"] = null;
  let drainWaiters: Array<() => void> = [];

  function noteFailure(failure: WriteFailure): void {
    lastWriteOk = false;
    lastFailure = { kind: failure.kind, reason: failure.reason, at: clock.now() };
    deps.onFailure?.(failure);
  }

  async function stored(lines: readonly string[], path: "direct" | "replay"): Promise<void> {
    lastWriteOk = true;
    deps.onWritten?.(lines.length, path);
    await deps.onStored?.(lines);
  }

  // --- the buffer and its flush loop ---------------------------------------------------------

  function takeBatch(): Batch {
    const lines: string[] = [];
    const parts: Batch["parts"] = [];
    while (queue.length > 0 && lines.length < options.batchLines) {
      const entry = queue[0] as Entry;
      const count = Math.min(entry.lines.length - entry.taken, options.batchLines - lines.length);
      for (let i = entry.taken; i < entry.taken + count; i++) lines.push(entry.lines[i] as string);
      entry.taken += count;
      parts.push({ entry, count });
      if (entry.taken === entry.lines.length) queue.shift();
    }
    return { lines, parts };
  }

  function settle(batch: Batch, outcome: { ok: true } | { ok: false; error: unknown }): void {
    for (const { entry, count } of batch.parts) {
      if (entry.failed) continue;
      if (!outcome.ok) {
        entry.failed = true;
        // The rest of this write is not attempted: the caller retries all of it.
        const at = queue.indexOf(entry);
        if (at >= 0) queue.splice(at, 1);
        entry.reject(outcome.error);
        continue;
      }
      entry.durable += count;
      if (entry.durable === entry.lines.length) entry.resolve();
    }
  }

  async function flushLoop(): Promise<void> {
    while (queue.length > 0) {
      const batch = takeBatch();
      try {
        await makeDurable(batch.lines);
        settle(batch, { ok: true });
      } catch (error) {
        settle(batch, { ok: false, error });
      }
    }
  }

  function startFlush(): void {
    if (flushTimer) {
      clearTimeout(flushTimer);
      flushTimer = undefined;
    }
    if (flushing) return;
    flushing = flushLoop().finally(() => {
      flushing = undefined;
      if (queue.length > 0) scheduleFlush();
    });
  }

  function scheduleFlush(): void {
    if (flushing || flushTimer) return;
    // Writes of the same tick share a batch; a full batch goes at once.
    const waiting = queue.reduce((n, e) => n + e.lines.length - e.taken, 0);
    if (waiting >= options.batchLines) startFlush();
    else flushTimer = setTimeout(startFlush, 0);
  }

  async function toSpool(lines: readonly string[]): Promise<void> {
    await spool.append(lines);
    startReplay();
  }

  /** Sends directly, or spools when anything older waits; 4xx lines go to onRejected. */
  async function makeDurable(lines: readonly string[]): Promise<void> {
    if (!spool.isEmpty()) return toSpool(lines);
    let sendError: unknown;
    try {
      await deps.send(lines);
    } catch (error) {
      sendError = error ?? new Error("write failed");
    }
    if (sendError !== undefined) {
      const failure = classifyWriteFailure(sendError);
      noteFailure(failure);
      if (failure.retryable) {
        logger.warn(
          { kind: failure.kind, reason: failure.reason, lines: lines.length },
          "write failed; batch kept in the spool and retried",
        );
        return toSpool(lines);
      }
      const outcome = await isolate(lines, failure, { requests: options.isolateBudget }, "direct");
      if (outcome.rejected.length > 0) await reportRejected(outcome.rejected);
      if (outcome.unsent.length > 0) {
        // InfluxDB stopped answering halfway: the rest waits in the spool, in order.
        for (const part of outcome.unsent) await spool.append(part);
        startReplay();
      }
      return;
    }
    await stored(lines, "direct");
  }

  async function reportRejected(rejected: ReadonlyArray<{ lines: readonly string[]; reason: string }>) {
    for (const { lines, reason } of rejected) await deps.onRejected(lines, reason);
  }

  interface Isolation {
    readonly rejected: Array<{ lines: readonly string[]; reason: string }>;
    /** Parts not sent because the server became unreachable, in order. */
    readonly unsent: Array<readonly string[]>;
    /** The failure that stopped the isolation, when one did. */
    interruptedBy?: WriteFailure;
  }

  /**
   * Finds the lines of a refused batch that the server refuses: halves it, depth first, until each
   * refused line stands alone (a 413 is halved until the parts fit). Parts are sent strictly in
   * the batch's order, so a later line for the same point is always written after an earlier one;
   * resending lines that a partial write already stored is harmless.
   */
  async function isolate(
    lines: readonly string[],
    failure: WriteFailure,
    budget: { requests: number },
    path: "direct" | "replay",
    result: Isolation = { rejected: [], unsent: [] },
  ): Promise<Isolation> {
    if (lines.length === 1 || (failure.kind === "rejected" && budget.requests <= 0)) {
      result.rejected.push({ lines, reason: failure.reason });
      return result;
    }
    const middle = Math.ceil(lines.length / 2);
    for (const half of [lines.slice(0, middle), lines.slice(middle)]) {
      if (result.interruptedBy) {
        result.unsent.push(half);
        continue;
      }
      if (failure.kind === "rejected") budget.requests--;
      let sendError: unknown;
      try {
        await deps.send(half);
      } catch (error) {
        sendError = error ?? new Error("write failed");
      }
      if (sendError === undefined) {
        await stored(half, path);
        continue;
      }
      const halfFailure = classifyWriteFailure(sendError);
      noteFailure(halfFailure);
      if (halfFailure.retryable) {
        result.interruptedBy = halfFailure;
        result.unsent.push(half);
      } else {
        await isolate(half, halfFailure, budget, path, result);
      }
    }
    return result;
  }

  // --- replay ----------------------------------------------------------------------------------

  const retryDelay = (attempt: number, failure: WriteFailure) =>
    Math.max(
      failure.retryAfterMs ?? 0,
      Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** Math.min(attempt - 1, 20)),
    );

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeReplay = undefined;
        resolve();
      }
      wakeReplay = done;
    });
  }

  async function replayLoop(): Promise<void> {
    let attempt = 0;
    while (!stopping) {
      const batch = await spool.peek(options.batchLines);
      if (!batch) return;
      let sendError: unknown;
      try {
        await deps.send(batch.lines);
      } catch (error) {
        sendError = error ?? new Error("write failed");
      }
      if (sendError === undefined) {
        await stored(batch.lines, "replay");
        await spool.ack(batch);
        attempt = 0;
        continue;
      }
      const failure = classifyWriteFailure(sendError);
      noteFailure(failure);
      if (!failure.retryable) {
        const outcome = await isolate(batch.lines, failure, { requests: options.isolateBudget }, "replay");
        if (!outcome.interruptedBy) {
          await reportRejected(outcome.rejected);
          await spool.ack(batch);
          attempt = 0;
          continue;
        }
        // Interrupted: the whole batch is sent again later (what already landed lands again).
      }
      attempt++;
      const delay = retryDelay(attempt, failure);
      logger.warn(
        { kind: failure.kind, reason: failure.reason, attempt, retryInMs: delay, spool: spool.stats() },
        "replay of the spool failed; retrying",
      );
      await sleep(delay);
    }
  }

  function releaseDrainWaiters(): void {
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  function startReplay(): void {
    if (replaying || stopping) return;
    let crashed = false;
    replaying = replayLoop()
      .catch((error: unknown) => {
        crashed = true;
        logger.error({ err: error }, "replay stopped by an error; trying again later");
      })
      .finally(() => {
        replaying = undefined;
        if (stopping || spool.isEmpty()) {
          releaseDrainWaiters();
        } else if (crashed) {
          setTimeout(startReplay, options.retryMaxMs).unref();
        } else {
          // A batch joined the spool after the loop found it empty.
          startReplay();
        }
      });
  }

  if (!spool.isEmpty()) startReplay();

  return {
    write(lines) {
      if (closed) return Promise.reject(new Error("influx store is closed"));
      if (lines.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ lines, taken: 0, durable: 0, failed: false, resolve, reject });
        scheduleFlush();
      });
    },

    drained() {
      if (spool.isEmpty() && !replaying) return Promise.resolve();
      return new Promise<void>((resolve) => drainWaiters.push(resolve));
    },

    status: () => ({ spool: spool.stats(), lastWriteOk, lastFailure }),

    async close() {
      if (closed) return;
      closed = true;
      while (queue.length > 0 || flushing) {
        startFlush();
        await flushing;
      }
      stopping = true;
      wakeReplay?.();
      await replaying;
      releaseDrainWaiters();
    },
  };
}
