import type { Reading } from "../../kernel/reading.js";

/** Readings that are durable, announced to whoever shows them live. */
export interface StoredReadingsFeed {
  publish(readings: readonly Reading[]): void;
  subscribe(listener: (readings: readonly Reading[]) => void): () => void;
}

/** The feed when ingest and API share a process. */
export function createInProcessReadingsFeed(onListenerError: (error: unknown) => void): StoredReadingsFeed {
  const listeners = new Set<(readings: readonly Reading[]) => void>();
  return {
    publish(readings) {
      for (const listener of listeners) {
        try {
          listener(readings);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
