import type { Reading } from "../../kernel/reading.js";
import { createListenerSet, type ListenerErrorHandler } from "../../platform/listeners.js";

/** Readings that are durable, announced to whoever shows them live. */
export interface StoredReadingsFeed {
  publish(readings: readonly Reading[]): void;
  subscribe(listener: (readings: readonly Reading[]) => void): () => void;
  close(): Promise<void>;
}

/** The feed when ingest and API share a process. */
export function createInProcessReadingsFeed(onListenerError: ListenerErrorHandler): StoredReadingsFeed {
  const listeners = createListenerSet<[readonly Reading[]]>("stored readings", onListenerError);
  return {
    publish: (readings) => listeners.emit(readings),
    subscribe: (listener) => listeners.add(listener),
    close: async () => {},
  };
}
