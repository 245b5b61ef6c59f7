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
import type { AlertService, WriteFence } from "./alert-service.js";
import { type AlertGatewayDeps, createAlertGateway } from "./delivery/alert-gateway.js";
import { createWebhookDispatcher } from "./delivery/webhooks/webhook-dispatcher.js";
import {
  type AlertEngine,
  type AqiSample,
  createAlertEngine,
  type StationInfo,
} from "./engine/alert-engine.js";
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
  /** In a cluster: the alert lease (platform/cluster/lease-keeper.ts); the work runs while it is held. */
  readonly lease?: AlertLease;
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

/**
 * In a cluster (REDIS_URL), the work that must happen once — evaluating rules, storing reminders,
 * sending webhooks — runs on the node holding this lease, and its writes carry the fencing token.
 */
export interface AlertLease extends WriteFence {
  onChange(listener: (holding: boolean) => void): () => void;
}

/** The engine, reminders and webhook dispatcher of one term as the node that does the alert work. */
interface AlertWork {
  readonly engine: AlertEngine;
  stop(): Promise<void>;
}

export async function startAlerting(settings: AlertingSettings, deps: AlertingDeps): Promise<Alerting> {
  const { alerts, clock, logger, lease } = deps;
  const gateway = createAlertGateway({
    io: deps.io,
    alerts,
    logger,
    ...(deps.remoteTransitions ? { remoteTransitions: deps.remoteTransitions } : {}),
  });
  const states = createAlertStateStore(deps.metadata);

  async function startWork(): Promise<AlertWork> {
    // One dispatcher per database: it runs with the API (see alerts/delivery/webhooks/README.md).
    const dispatcher = createWebhookDispatcher(
      {},
      {
        webhooks: deps.webhooks,
        transitions: alerts,
        outbound: deps.outbound,
        clock,
        logger,
        ...(lease ? { fence: lease } : {}),
      },
    );
    await dispatcher.start();
    const engine = createAlertEngine(
      { graceMs: settings.noDataGraceMs, tickMs: 1000, saveEveryMs: 1000 },
      {
        rules: deps.rules,
        stations: deps.stations,
        // A node that lost the lease no longer saves evaluation state over the holder's.
        states: lease
          ? {
              ...states,
              save: (entries, at) =>
                lease.token() === undefined ? Promise.resolve() : states.save(entries, at),
            }
          : states,
        clock,
        logger,
        onSignal: async (signal, context) => {
          await alerts.applySignal(signal, context, lease);
        },
      },
    );
    await engine.start();
    const reminders = createReminderTimer({
      alerts,
      intervalMs: settings.reminderIntervalMs,
      logger,
      ...(lease ? { fence: lease } : {}),
    });
    return {
      engine,
      async stop() {
        reminders.stop();
        await engine.stop();
        await dispatcher.stop();
      },
    };
  }

  // Without a lease the work runs here for the life of the process; with one, for each term.
  let work: Promise<AlertWork | undefined> = lease ? Promise.resolve(undefined) : startWork();
  let current = await work;
  const changeTerm = (holding: boolean) => {
    work = work.then(async (running) => {
      if (holding && !running)
        current = await startWork().catch((err: unknown) => {
          logger.error({ err }, "could not start the alert work after taking the lease");
          return undefined;
        });
      else if (!holding && running) {
        await running.stop().catch((err: unknown) => logger.warn({ err }, "stopping the alert work failed"));
        current = undefined;
      }
      return current;
    });
  };
  const stopHearingLease = lease?.onChange(changeTerm);
  if (lease?.token() !== undefined) changeTerm(true);

  const ruleReload = coalescedTask(async () => {
    await work;
    await current?.engine.reload();
  }, RULE_RELOAD_DELAY_MS);
  const stopHearingRules = deps.rules.onChange(() => void ruleReload.run());
  const stopHearingResolutions = alerts.onResolved((ruleId, source) =>
    current?.engine.forget(ruleId, source),
  );

  return {
    acceptStored: (readings) => current?.engine.acceptStored(readings),
    acceptAqi: (event) => current?.engine.acceptAqi(event),
    rulesApplied: () => ruleReload.run(),
    async stop() {
      stopHearingLease?.();
      stopHearingRules();
      stopHearingResolutions();
      ruleReload.cancel();
      await work;
      await current?.stop();
      current = undefined;
      await gateway.close();
    },
  };
}
