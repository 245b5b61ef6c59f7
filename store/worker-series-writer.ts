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
  let worker: Worker | undefined;
  let nextId = 1;
  const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

  function failAll(error: Error): void {
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
  }

  function ensureWorker(): Worker {
    if (worker) return worker;
    const started = new Worker(BOOTSTRAP, { workerData: { dataDir }, execArgv: [] });
    started.on("message", (answer: WriteAnswer) => {
      const pending = waiting.get(answer.id);
      waiting.delete(answer.id);
      if (answer.error === undefined) pending?.resolve();
      else pending?.reject(new Error(`SQLite write failed: ${answer.error}`));
    });
    started.on("error", (error: unknown) => {
      worker = undefined;
      failAll(error instanceof Error ? error : new Error(String(error)));
    });
    started.on("exit", (code) => {
      if (worker === started) worker = undefined;
      failAll(new Error(`SQLite write worker exited (${code})`));
    });
    worker = started;
    return started;
  }

  return {
    write(readings) {
      if (readings.length === 0) return Promise.resolve();
      const id = nextId++;
      const rows: WireRow[] = readings.map((r) => [r.deviceId, r.metric, r.ts, r.value]);
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        ensureWorker().postMessage({ id, rows } satisfies WriteRequest);
      });
    },

    async close() {
      const running = worker;
      if (!running) return;
      worker = undefined;
      const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
      running.postMessage({ close: true } satisfies WriteRequest);
      await exited;
    },
  };
}
