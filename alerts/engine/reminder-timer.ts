import type { Logger } from "pino";
import type { AlertService, WriteFence } from "../alert-service.js";

/** How often the store is asked for critical alerts that are due a reminder. */
const CHECK_EVERY_MS = 30_000;

/** Reminds operators of critical alerts nobody has acknowledged, every `intervalMs`. */
export function createReminderTimer(deps: {
  readonly alerts: Pick<AlertService, "remindDue">;
  /** In a cluster: reminders are stored under the alert lease. */
  readonly fence?: WriteFence;
  readonly intervalMs: number;
  readonly logger: Logger;
}): { stop(): void } {
  let running = false;
  const timer = setInterval(
    () => {
      if (running) return;
      running = true;
      deps.alerts
        .remindDue(deps.intervalMs, deps.fence)
        .catch((err: unknown) => deps.logger.error({ err }, "alert reminders failed"))
        .finally(() => {
          running = false;
        });
    },
    Math.min(CHECK_EVERY_MS, deps.intervalMs),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
