/**
 * Collects work items and flushes them in batches: when `maxSize` units are waiting or
 * `maxDelayMs` after the first one arrived. Flushes run one at a time, in order; a failed
 * flush is retried with backoff and nothing is dropped. `onDurable` of each item runs in
 * arrival order after its batch succeeded.
 */
export interface BatchItem {
  /** How much of the batch size this item uses (readings in it). */
  readonly size: number;
  readonly onDurable: () => void;
}

export interface WriteBatcherOptions<T extends BatchItem> {
  readonly maxSize: number;
  readonly maxDelayMs: number;
  /** Items held (waiting or being written) before `add` asks the caller to wait. */
  readonly maxPending: number;
  readonly flush: (items: readonly T[]) => Promise<void>;
  readonly onFlushError: (error: unknown, attempt: number) => void;
  readonly onPendingChange?: (pending: number) => void;
  readonly retryDelayMs?: (attempt: number) => number;
  /** The service's clock (epoch ms), for how long work has been stalled. */
  readonly now: () => number;
}

export interface WriteBatcher<T extends BatchItem> {
  /** Returns a promise when the caller should stop producing until there is room. */
  add(item: T): Promise<void> | undefined;
  /** Resolves when everything added so far is durable. */
  drain(): Promise<void>;
  pending(): number;
  /** How long work has waited without any batch becoming durable; 0 when nothing waits. */
  stalledForMs(): number;
}

const defaultRetryDelay = (attempt: number) => Math.min(5000, 50 * 2 ** Math.min(attempt, 7));

export function createWriteBatcher<T extends BatchItem>(options: WriteBatcherOptions<T>): WriteBatcher<T> {
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  const waiting: T[] = [];
  let waitingSize = 0;
  let inFlight = 0;
  // When the batcher last made progress, or when work arrived with nothing pending.
  let progressAt = options.now();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let roomWaiters: Array<() => void> = [];
  let drainWaiters: Array<() => void> = [];

  const pending = () => waiting.length + inFlight;
  const report = () => options.onPendingChange?.(pending());

  function settleWaiters(): void {
    if (pending() < options.maxPending && roomWaiters.length > 0) {
      const wake = roomWaiters;
      roomWaiters = [];
      for (const resolve of wake) resolve();
    }
    if (pending() === 0 && drainWaiters.length > 0) {
      const wake = drainWaiters;
      drainWaiters = [];
      for (const resolve of wake) resolve();
    }
  }

  async function writeWithRetry(batch: T[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await options.flush(batch);
        return;
      } catch (error) {
        options.onFlushError(error, attempt);
        await new Promise((resolve) => setTimeout(resolve, retryDelay(attempt)));
      }
    }
  }

  /** Oldest items up to maxSize units (at least one item, however large). */
  function takeBatch(): T[] {
    let size = 0;
    let count = 0;
    while (count < waiting.length && (count === 0 || size + (waiting[count] as T).size <= options.maxSize)) {
      size += (waiting[count] as T).size;
      count++;
    }
    waitingSize -= size;
    return waiting.splice(0, count);
  }

  async function flushLoop(): Promise<void> {
    while (waiting.length > 0) {
      const batch = takeBatch();
      inFlight = batch.length;
      await writeWithRetry(batch);
      for (const item of batch) item.onDurable();
      inFlight = 0;
      progressAt = options.now();
      report();
      settleWaiters();
    }
  }

  function startFlush(): void {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (flushing) return;
    flushing = flushLoop().finally(() => {
      flushing = undefined;
      // Items that arrived during the last write wait for their own timer or size trigger.
      if (waiting.length > 0) schedule();
    });
  }

  function schedule(): void {
    if (flushing) return; // the running loop picks waiting items up
    if (waitingSize >= options.maxSize) startFlush();
    else if (!timer) timer = setTimeout(startFlush, options.maxDelayMs);
  }

  return {
    add(item) {
      if (pending() === 0) progressAt = options.now();
      waiting.push(item);
      waitingSize += item.size;
      report();
      schedule();
      if (pending() < options.maxPending) return undefined;
      return new Promise<void>((resolve) => roomWaiters.push(resolve));
    },

    drain() {
      if (pending() === 0) return Promise.resolve();
      const done = new Promise<void>((resolve) => drainWaiters.push(resolve));
      startFlush();
      return done;
    },

    pending,
    stalledForMs: () => (pending() === 0 ? 0 : options.now() - progressAt),
  };
}
