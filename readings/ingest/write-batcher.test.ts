import { afterEach, describe, expect, it, vi } from "vitest";
import { createDeferred, type Deferred } from "../../test/support/deferred.js";
import { type BatchItem, createWriteBatcher, type WriteBatcherOptions } from "./write-batcher.js";

interface TestItem extends BatchItem {
  readonly id: number;
}

/** A flush the test settles by hand: every call waits for the test to resolve or reject it. */
function heldFlush() {
  const calls: Array<{ ids: number[]; done: Deferred<void> }> = [];
  const flush = (items: readonly TestItem[]) => {
    const done = createDeferred<void>();
    calls.push({ ids: items.map((i) => i.id), done });
    return done.promise;
  };
  return { calls, flush };
}

/** Lets every settled promise and its continuations run (the batcher awaits between steps). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(
  overrides: Partial<WriteBatcherOptions<TestItem>> & Pick<WriteBatcherOptions<TestItem>, "flush">,
) {
  const durable: number[] = [];
  const flushErrors: Array<{ error: unknown; attempt: number }> = [];
  const pendingReports: number[] = [];
  const batcher = createWriteBatcher<TestItem>({
    maxSize: 10,
    maxDelayMs: 60_000,
    maxPending: 1000,
    now: () => Date.now(),
    onFlushError: (error, attempt) => flushErrors.push({ error, attempt }),
    onPendingChange: (n) => pendingReports.push(n),
    retryDelayMs: () => 1,
    ...overrides,
  });
  const item = (id: number, size = 1): TestItem => ({ id, size, onDurable: () => durable.push(id) });
  return { batcher, durable, flushErrors, pendingReports, item };
}

describe("createWriteBatcher", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reports how long work has waited without progress while a batch keeps failing", async () => {
    vi.useFakeTimers();
    let failing = true;
    const { batcher, durable, item } = setup({
      maxDelayMs: 10,
      retryDelayMs: () => 1000,
      flush: async () => {
        if (failing) throw new Error("disk full");
      },
    });
    expect(batcher.stalledForMs()).toBe(0);
    batcher.add(item(1));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(batcher.stalledForMs()).toBeGreaterThanOrEqual(29_000);
    expect(durable).toEqual([]);
    failing = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(durable).toEqual([1]);
    expect(batcher.stalledForMs()).toBe(0);
  });

  it("flushes as soon as maxSize units are waiting, without waiting for the delay", async () => {
    const { calls, flush } = heldFlush();
    const { batcher, item, durable } = setup({ flush, maxSize: 3 });
    batcher.add(item(1));
    batcher.add(item(2));
    expect(calls).toHaveLength(0);
    batcher.add(item(3));
    expect(calls.map((c) => c.ids)).toEqual([[1, 2, 3]]);
    calls[0]?.done.resolve();
    await batcher.drain();
    expect(durable).toEqual([1, 2, 3]);
    expect(calls).toHaveLength(1);
  });

  it("flushes a partial batch maxDelayMs after its first item arrived", async () => {
    vi.useFakeTimers();
    const { calls, flush } = heldFlush();
    const { batcher, item } = setup({ flush, maxSize: 100, maxDelayMs: 100 });
    batcher.add(item(1));
    await vi.advanceTimersByTimeAsync(60);
    batcher.add(item(2));
    await vi.advanceTimersByTimeAsync(39);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.ids)).toEqual([[1, 2]]);
    // The next item starts a fresh window once the batch is written.
    calls[0]?.done.resolve();
    await vi.advanceTimersByTimeAsync(0);
    batcher.add(item(3));
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.ids)).toEqual([[1, 2], [3]]);
    calls[1]?.done.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(batcher.pending()).toBe(0);
  });

  it("calls onDurable in arrival order, and only after the batch's flush resolved", async () => {
    const { calls, flush } = heldFlush();
    const log: Array<string | number> = [];
    const batcher = createWriteBatcher<TestItem>({
      maxSize: 2,
      maxDelayMs: 60_000,
      maxPending: 1000,
      now: () => Date.now(),
      flush,
      onFlushError: () => {},
    });
    for (let id = 1; id <= 5; id++) batcher.add({ id, size: 1, onDurable: () => log.push(id) });

    expect(calls.map((c) => c.ids)).toEqual([[1, 2]]);
    await settle();
    expect(log).toEqual([]);

    log.push("flush 1 resolved");
    calls[0]?.done.resolve();
    await settle();
    // Items that waited during the first write go out next, still at most maxSize each.
    expect(calls.map((c) => c.ids)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(log).toEqual(["flush 1 resolved", 1, 2]);

    log.push("flush 2 resolved");
    calls[1]?.done.resolve();
    await settle();
    expect(calls[2]?.ids).toEqual([5]);
    expect(log).toEqual(["flush 1 resolved", 1, 2, "flush 2 resolved", 3, 4]);

    log.push("flush 3 resolved");
    calls[2]?.done.resolve();
    await batcher.drain();
    expect(log).toEqual(["flush 1 resolved", 1, 2, "flush 2 resolved", 3, 4, "flush 3 resolved", 5]);
  });

  it("retries a flush that throws, with the same batch, losing and duplicating nothing", async () => {
    const attempts: Array<{ ids: number[]; ok: boolean; durableBefore: number[] }> = [];
    let failuresLeft = 2;
    const durableLog: number[] = [];
    const flushErrors: Array<{ message: string; attempt: number }> = [];
    const batcher = createWriteBatcher<TestItem>({
      now: () => Date.now(),
      maxSize: 4,
      maxDelayMs: 60_000,
      maxPending: 1000,
      retryDelayMs: () => 1,
      onFlushError: (error, attempt) => flushErrors.push({ message: (error as Error).message, attempt }),
      async flush(items) {
        await settle();
        const ok = failuresLeft-- <= 0;
        attempts.push({ ids: items.map((i) => i.id), ok, durableBefore: [...durableLog] });
        if (!ok) throw new Error("disk is full");
      },
    });
    for (let id = 1; id <= 10; id++) batcher.add({ id, size: 1, onDurable: () => durableLog.push(id) });
    await batcher.drain();

    expect(attempts.map((a) => [a.ids, a.ok])).toEqual([
      [[1, 2, 3, 4], false],
      [[1, 2, 3, 4], false],
      [[1, 2, 3, 4], true],
      [[5, 6, 7, 8], true],
      [[9, 10], true],
    ]);
    // Nothing is reported durable while its batch keeps failing.
    expect(attempts.map((a) => a.durableBefore)).toEqual([
      [],
      [],
      [],
      [1, 2, 3, 4],
      [1, 2, 3, 4, 5, 6, 7, 8],
    ]);
    expect(flushErrors).toEqual([
      { message: "disk is full", attempt: 1 },
      { message: "disk is full", attempt: 2 },
    ]);
    const written = attempts.filter((a) => a.ok).flatMap((a) => a.ids);
    expect(written).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(durableLog).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(batcher.pending()).toBe(0);
  });

  it("asks the caller to wait once maxPending items are held, until a flush makes room", async () => {
    const { calls, flush } = heldFlush();
    const { batcher, item, pendingReports } = setup({ flush, maxSize: 2, maxPending: 3 });
    expect(batcher.add(item(1))).toBeUndefined();
    expect(batcher.add(item(2))).toBeUndefined();
    expect(calls.map((c) => c.ids)).toEqual([[1, 2]]);

    const wait = batcher.add(item(3));
    expect(wait).toBeInstanceOf(Promise);
    expect(batcher.pending()).toBe(3);
    let roomGiven = false;
    void wait?.then(() => {
      roomGiven = true;
    });
    await settle();
    await settle();
    expect(roomGiven).toBe(false);

    calls[0]?.done.resolve();
    await settle();
    expect(roomGiven).toBe(true);
    expect(batcher.pending()).toBe(1);
    // With room again, adding does not ask to wait.
    expect(batcher.add(item(4))).toBeUndefined();

    calls[1]?.done.resolve();
    await settle();
    calls[2]?.done.resolve();
    await batcher.drain();
    expect(calls.map((c) => c.ids)).toEqual([[1, 2], [3], [4]]);
    expect(pendingReports.at(-1)).toBe(0);
    expect(Math.max(...pendingReports)).toBe(3);
  });

  it("drain flushes at once and resolves only when everything added is durable", async () => {
    const { calls, flush } = heldFlush();
    const { batcher, item, durable } = setup({ flush, maxSize: 2 });
    await batcher.drain(); // nothing held: resolves at once

    batcher.add(item(1));
    batcher.add(item(2));
    batcher.add(item(3));
    expect(calls).toHaveLength(1);
    let drained = false;
    const drain = batcher.drain().then(() => {
      drained = true;
    });
    calls[0]?.done.resolve();
    await settle();
    expect(durable).toEqual([1, 2]);
    expect(drained).toBe(false);
    expect(calls.map((c) => c.ids)).toEqual([[1, 2], [3]]);
    calls[1]?.done.resolve();
    await drain;
    expect(durable).toEqual([1, 2, 3]);
    expect(batcher.pending()).toBe(0);
  });

  it("drain does not wait for the delay of a partial batch", async () => {
    const { calls, flush } = heldFlush();
    const { batcher, item, durable } = setup({ flush, maxSize: 100, maxDelayMs: 60_000 });
    batcher.add(item(1));
    const drain = batcher.drain();
    expect(calls.map((c) => c.ids)).toEqual([[1]]);
    calls[0]?.done.resolve();
    await drain;
    expect(durable).toEqual([1]);
  });

  it("never builds a batch over maxSize units, except a single oversize item on its own", async () => {
    const batches: Array<Array<{ id: number; size: number }>> = [];
    const { batcher, durable } = setup({
      maxSize: 10,
      async flush(items) {
        batches.push(items.map((i) => ({ id: i.id, size: i.size })));
        await settle();
      },
    });
    const sizes = [3, 4, 2, 15, 1, 1, 6, 5, 5, 10, 11];
    sizes.forEach((size, index) => {
      batcher.add({ id: index + 1, size, onDurable: () => durable.push(index + 1) });
    });
    await batcher.drain();
    expect(batches.map((b) => b.map((i) => i.size))).toEqual([
      [3, 4, 2],
      [15],
      [1, 1, 6],
      [5, 5],
      [10],
      [11],
    ]);
    expect(durable).toEqual(sizes.map((_, index) => index + 1));
  });

  it("keeps every promise under random sizes, failures and backpressure (seeded)", async () => {
    // A small linear congruential generator, so that a failure reproduces exactly.
    let seed = 20261121;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const maxSize = 8;
    const successful: Array<Array<{ id: number; size: number }>> = [];
    const durable: number[] = [];
    const resolvedIds = new Set<number>();
    const batcher = createWriteBatcher<TestItem>({
      now: () => Date.now(),
      maxSize,
      maxDelayMs: 2,
      maxPending: 12,
      retryDelayMs: () => 1,
      onFlushError: () => {},
      async flush(items) {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 3)));
        if (random() < 0.25) throw new Error("transient write failure");
        successful.push(items.map((i) => ({ id: i.id, size: i.size })));
        for (const i of items) resolvedIds.add(i.id);
      },
    });
    const count = 300;
    const durableBeforeItsFlush: number[] = [];
    for (let id = 1; id <= count; id++) {
      const size = random() < 0.05 ? maxSize + 1 + Math.floor(random() * 5) : 1 + Math.floor(random() * 4);
      const wait = batcher.add({
        id,
        size,
        onDurable: () => {
          if (!resolvedIds.has(id)) durableBeforeItsFlush.push(id);
          durable.push(id);
        },
      });
      expect(batcher.pending()).toBeLessThanOrEqual(12);
      if (wait) await wait;
      else if (random() < 0.1) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await batcher.drain();

    const ids = Array.from({ length: count }, (_, i) => i + 1);
    expect(successful.flatMap((b) => b.map((i) => i.id))).toEqual(ids);
    expect(durable).toEqual(ids);
    expect(durableBeforeItsFlush).toEqual([]);
    for (const batch of successful) {
      const total = batch.reduce((sum, i) => sum + i.size, 0);
      if (batch.length > 1) expect(total).toBeLessThanOrEqual(maxSize);
    }
  });
});
