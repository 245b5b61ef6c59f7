/**
 * Runs `task` at most once per `delayMs` however often it is asked for; every caller gets the
 * promise of the first run that starts after its call, so it knows its change has been applied.
 */
export function coalescedTask(
  task: () => Promise<void>,
  delayMs: number,
): { run(): Promise<void>; cancel(): void } {
  let next: { promise: Promise<void>; timer: NodeJS.Timeout } | undefined;
  return {
    run() {
      if (next) return next.promise;
      let start!: () => void;
      const promise = new Promise<void>((resolve, reject) => {
        start = () => {
          next = undefined;
          task().then(resolve, reject);
        };
      });
      next = { promise, timer: setTimeout(() => start(), delayMs) };
      return promise;
    },
    cancel() {
      if (next) clearTimeout(next.timer);
      next = undefined;
    },
  };
}
