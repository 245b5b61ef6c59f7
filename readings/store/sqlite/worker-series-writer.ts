import { Worker } from "node:worker_threads";
import type { SeriesWriter } from "./sqlite-series-writer.js";
import type { WireRow, WriteAnswer, WriteRequest } from "./sqlite-write-worker.js";

const BOOTSTRAP = new URL("./sqlite-write-worker-bootstrap.mjs", import.meta.url);

/**
 * A SeriesWriter whose commits happen in a worker thread with its own connection to the same
 * database file (WAL lets the main thread's reads go on meanwhile). A worker that dies fails the
 * writes it held — the ingest retries them — and is replaced on the next write.
 */
export function createWorkerSeriesWriter(dataDir: string): SeriesWriter {
  type Waiting = Map<number, { resolve: () => void; reject: (error: Error) => void }>;
  // Each worker answers only for the writes it was given, so a dying worker cannot fail the
  // writes of its replacement.
  let current: { worker: Worker; waiting: Waiting } | undefined;
  let nextId = 1;

  function failAll(waiting: Waiting, error: Error): void {
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
  }

  function ensureWorker(): { worker: Worker; waiting: Waiting } {
    if (current) return current;
    const worker = new Worker(BOOTSTRAP, { workerData: { dataDir }, execArgv: [] });
    const waiting: Waiting = new Map();
    const started = { worker, waiting };
    worker.on("message", (answer: WriteAnswer) => {
      const pending = waiting.get(answer.id);
      waiting.delete(answer.id);
      if (answer.error === undefined) pending?.resolve();
      else pending?.reject(new Error(`SQLite write failed: ${answer.error}`));
    });
    worker.on("error", (error: unknown) => {
      if (current === started) current = undefined;
      failAll(waiting, error instanceof Error ? error : new Error(String(error)));
    });
    worker.on("exit", (code) => {
      if (current === started) current = undefined;
      failAll(waiting, new Error(`SQLite write worker exited (${code})`));
    });
    current = started;
    return started;
  }

  return {
    write(readings) {
      if (readings.length === 0) return Promise.resolve();
      const id = nextId++;
      const rows: WireRow[] = readings.map((r) => [r.deviceId, r.metric, r.ts, r.value]);
      return new Promise<void>((resolve, reject) => {
        const { worker, waiting } = ensureWorker();
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, rows } satisfies WriteRequest);
      });
    },

    async close() {
      const running = current;
      if (!running) return;
      current = undefined;
      const exited = new Promise<void>((resolve) => running.worker.once("exit", () => resolve()));
      running.worker.postMessage({ close: true } satisfies WriteRequest);
      await exited;
    },
  };
}
