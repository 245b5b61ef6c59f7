import type { Logger } from "pino";

/**
 * Stopping in order: every part adds its stop step when it has started, and `stop` runs the steps
 * newest first, so a part stops before what it depends on. A failing step is logged and the
 * others still run. `stop` is idempotent.
 */
export interface StopSequence {
  add(name: string, step: () => Promise<unknown> | unknown): void;
  stop(): Promise<void>;
}

export function createStopSequence(logger: Logger): StopSequence {
  const steps: Array<{ readonly name: string; readonly step: () => Promise<unknown> | unknown }> = [];
  let stopping: Promise<void> | undefined;
  async function runAll() {
    for (const { name, step } of steps.reverse()) {
      try {
        logger.debug({ step: name }, "stopping");
        await step();
      } catch (err) {
        logger.error({ err, step: name }, "stop step failed");
      }
    }
  }
  return {
    add(name, step) {
      if (stopping) throw new Error(`cannot add '${name}': already stopping`);
      steps.push({ name, step });
    },
    stop() {
      stopping ??= runAll();
      return stopping;
    },
  };
}
