/** Test support: things to undo after a test, undone newest first, each one tried even if another fails. */
export type Cleanup = () => Promise<unknown> | unknown;

export interface CleanupList {
  add(cleanup: Cleanup): void;
  /** Runs every cleanup added since the last run, newest first, and empties the list. */
  runAll(): Promise<void>;
}

export function createCleanupList(): CleanupList {
  let cleanups: Cleanup[] = [];
  return {
    add(cleanup) {
      cleanups.push(cleanup);
    },
    async runAll() {
      const pending = cleanups.reverse();
      cleanups = [];
      for (const cleanup of pending) {
        try {
          await cleanup();
        } catch {
          // keep cleaning up the rest
        }
      }
    },
  };
}
