/**
 * Worker thread that owns the embedded database's time-series writes, so that building the
 * B-tree pages and the fsync of every commit never block the broker and API event loop.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { SeriesKey } from "../../../kernel/series.js";
import { openSqliteDatabase } from "../../../platform/sqlite/sqlite-database.js";
import { createSeriesBatchWriter } from "./sqlite-series-writer.js";

export type WriteRequest =
  | { readonly id: number; readonly rows: readonly WireRow[] }
  | { readonly close: true };
export type WriteAnswer = { readonly id: number; readonly error?: string };
/** [deviceId, metric, ts, value]: compact to copy between threads. */
export type WireRow = readonly [string, SeriesKey, number, number];

const port = parentPort;
if (!port) throw new Error("sqlite-write-worker must run as a worker thread");
const { dataDir } = workerData as { dataDir: string };
const db = openSqliteDatabase(dataDir);
const writeBatch = createSeriesBatchWriter(db);

port.on("message", (request: WriteRequest) => {
  if ("close" in request) {
    db.close();
    port.close();
    return;
  }
  try {
    writeBatch(request.rows.map(([deviceId, metric, ts, value]) => ({ deviceId, metric, ts, value })));
    port.postMessage({ id: request.id } satisfies WriteAnswer);
  } catch (error) {
    port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
