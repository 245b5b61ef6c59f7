import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";

/**
 * The one way the service tells listeners of an event: each listener is called in turn, and one
 * that throws (or whose promise rejects) is reported to `onError` and never stops the others or
 * the emitter. Every event channel (stored readings, alert transitions, rule and device changes)
 * uses it, so error isolation is the same everywhere.
 */
export type Listener<A extends unknown[]> = (...args: A) => unknown;

export interface ListenerSet<A extends unknown[]> {
  /** Adds a listener; answers its unsubscribe. */
  add(listener: Listener<A>): () => void;
  /** Calls every listener with the event; never throws. */
  emit(...args: A): void;
  readonly size: number;
}

/** Where a failing listener is reported: the channel's name, the error and the event it was given. */
export type ListenerErrorHandler = (channel: string, error: unknown, event: readonly unknown[]) => void;

export function createListenerSet<A extends unknown[]>(
  channel: string,
  onError: ListenerErrorHandler,
): ListenerSet<A> {
  const listeners = new Set<Listener<A>>();
  const report = (error: unknown, event: readonly unknown[]) => {
    try {
      onError(channel, error, event);
    } catch {
      // A failing error handler must not break the emitter either.
    }
  };
  return {
    add(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    emit(...args) {
      for (const listener of [...listeners]) {
        try {
          const result = listener(...args);
          if (result instanceof Promise) result.catch((error: unknown) => report(error, args));
        } catch (error) {
          report(error, args);
        }
      }
    },
    get size() {
      return listeners.size;
    },
  };
}

/** A listener that throws is logged and counted, never breaks the others. */
export function listenerErrorReporter(logger: Logger, metricsRegistry: Registry): ListenerErrorHandler {
  const failures = new Counter({
    name: "envmon_listener_errors_total",
    help: "Event listeners that threw or rejected, by event channel",
    labelNames: ["channel"],
    registers: [metricsRegistry],
  });
  return (channel, err) => {
    failures.inc({ channel });
    logger.error({ err, channel }, "listener failed");
  };
}
