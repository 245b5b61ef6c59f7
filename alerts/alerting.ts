/**
 * The alerts feature at work in one process: the rule engine (stored readings and AQIs in,
 * signals out), the alert service that stores transitions, and their delivery to screens
 * (Socket.IO), webhooks and operators' reminders. It runs where the API runs, on the same
 * stored-readings fan-out as the live view.
 */
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Server as SocketServer } from "socket.io";
import type { Clock } from "../kernel/clock.js";
import type { Reading } from "../kernel/reading.js";
import { coalescedTask } from "../platform/coalesced-task.js";
import type { OutboundGuard } from "../platform/http/outbound-guard.js";
import type { AlertService } from "./alert-service.js";
import { type AlertGatewayDeps, createAlertGateway } from "./delivery/alert-gateway.js";
import { createWebhookDispatcher } from "./delivery/webhooks/webhook-dispatcher.js";
import { type AqiSample, createAlertEngine, type StationInfo } from "./engine/alert-engine.js";
import { createReminderTimer } from "./engine/reminder-timer.js";
import type { AlertRulesRepository } from "./store/alert-rules-repository.js";
import { type AlertStateTables, createAlertStateStore } from "./store/alert-state-store.js";
import type { WebhookRepository } from "./store/webhook-repository.js";

/** A burst of rule changes (an import of thousands) rebuilds the engine's index once. */
const RULE_RELOAD_DELAY_MS = 20;

export interface AlertingSettings {
  /** ALERT_NODATA_GRACE_MS. */
  readonly noDataGraceMs: number;
  /** ALERT_REMINDER_INTERVAL_MS. */
  readonly reminderIntervalMs: number;
}

export interface AlertingDeps {
  readonly io: SocketServer;
  readonly metadata: Kysely<AlertStateTables>;
  readonly rules: AlertRulesRepository;
  readonly alerts: AlertService;
  readonly webhooks: WebhookRepository;
  /** Sends webhooks only to targets the outbound policy allows, checked again on each delivery. */
  readonly outbound: OutboundGuard;
  readonly stations: {
    list(): Promise<readonly StationInfo[]>;
    get(id: string): Promise<StationInfo | undefined>;
  };
  readonly clock: Clock;
  readonly logger: Logger;
  /** Transitions stored by other nodes of a cluster, for this node's screens. */
  readonly remoteTransitions?: AlertGatewayDeps["remoteTransitions"];
}

export interface Alerting {
  /** Readings just made durable. */
  acceptStored(readings: readonly Reading[]): void;
  /** An AQI the index engine stored. */
  acceptAqi(event: AqiSample): void;
  /** Resolves once the engine evaluates with the rules as they are now (the rule API waits for it). */
  rulesApplied(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAlerting(settings: AlertingSettings, deps: AlertingDeps): Promise<Alerting> {
  const { alerts, clock, logger } = deps;
  const gateway = createAlertGateway({
    io: deps.io,
    alerts,
    logger,
    ...(deps.remoteTransitions ? { remoteTransitions: deps.remoteTransitions } : {}),
  });
  // One dispatcher per database: it runs with the API (see alerts/delivery/webhooks/README.md).
  const dispatcher = createWebhookDispatcher(
    {},
    { webhooks: deps.webhooks, transitions: alerts, outbound: deps.outbound, clock, logger },
  );
  await dispatcher.start();
  const engine = createAlertEngine(
    { graceMs: settings.noDataGraceMs, tickMs: 1000, saveEveryMs: 1000 },
    {
      rules: deps.rules,
      stations: deps.stations,
      states: createAlertStateStore(deps.metadata),
      clock,
      logger,
      onSignal: async (signal, context) => {
        await alerts.applySignal(signal, context);
      },
    },
  );
  const ruleReload = coalescedTask(() => engine.reload(), RULE_RELOAD_DELAY_MS);
  const stopHearingRules = deps.rules.onChange(() => void ruleReload.run());
  const stopHearingResolutions = alerts.onResolved((ruleId, source) => engine.forget(ruleId, source));
  await engine.start();
  const reminders = createReminderTimer({ alerts, intervalMs: settings.reminderIntervalMs, logger });

  return {
    acceptStored: (readings) => engine.acceptStored(readings),
    acceptAqi: (event) => engine.acceptAqi(event),
    rulesApplied: () => ruleReload.run(),
    async stop() {
      reminders.stop();
      stopHearingRules();
      stopHearingResolutions();
      ruleReload.cancel();
      await engine.stop();
      await gateway.close();
      await dispatcher.stop();
    },
  };
}
