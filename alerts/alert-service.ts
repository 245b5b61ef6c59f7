import type { Clock } from "../kernel/clock.js";
import { StaleLeaseError } from "../platform/cluster/fence-store.js";
import { createListenerSet, type ListenerErrorHandler } from "../platform/listeners.js";
import {
  type ActionRefusal,
  type AlertTransition,
  decideOperatorAction,
  decideSignal,
  type OperatorAction,
  REMINDED_SEVERITY,
  reminderFor,
  type SignalContext,
  type TransitionFilter,
} from "./model/alert-lifecycle.js";
import type { AlertSignal } from "./model/evaluator.js";
import type {
  AlertDetail,
  AlertFilter,
  AlertRepository,
  AlertSummary,
  AlertWrites,
} from "./store/alert-repository.js";

/**
 * Alerts as the rest of the service uses them: the engine's signals and the operators' actions
 * become stored transitions (decided by the pure alert lifecycle, written by the repository in one
 * transaction), and listeners hear of each transition only after it is committed, in id order, so
 * a client replaying from the last id it saw and then listening misses nothing.
 */

export type ActionResult = { readonly ok: true; readonly transition: AlertTransition } | ActionRefusal;

export interface AlertService {
  /**
   * Stores the transition a signal causes (opening, escalating or clearing the alert of its rule
   * and source), then tells the listeners. Undefined when the signal changes nothing.
   */
  applySignal(
    signal: AlertSignal,
    context: SignalContext,
    fence?: WriteFence,
  ): Promise<AlertTransition | undefined>;
  /** An operator has seen the alert. Conflict when it is already acknowledged or resolved. */
  acknowledge(alertId: number, actor: string, comment: string | null): Promise<ActionResult>;
  /**
   * An operator closes the alert (cleared, if it was still active). If it was active, the
   * `onResolved` listeners are told, so the engine forgets the pair: a new breach opens a new alert.
   */
  resolve(alertId: number, actor: string, comment: string | null): Promise<ActionResult>;
  list(filter?: AlertFilter): Promise<AlertSummary[]>;
  get(alertId: number): Promise<AlertDetail | undefined>;
  /** Transitions after `lastId` that the filter allows, oldest first, at most `limit` (default 1000). */
  transitionsAfter(lastId: number, filter?: TransitionFilter, limit?: number): Promise<AlertTransition[]>;
  /** One stored transition by id (a webhook retry after a restart). */
  transition(id: number): Promise<AlertTransition | undefined>;
  /** The newest transition id (0 when there is none). */
  latestTransitionId(): Promise<number>;
  /** Stores a reminder for each alert due one (see the alert lifecycle); answers the reminders. */
  remindDue(intervalMs: number, fence?: WriteFence): Promise<AlertTransition[]>;
  /** Called with each transition once it is stored, in id order. Answers the unsubscribe. */
  onTransition(listener: (transition: AlertTransition) => void): () => void;
  /** Called when an operator resolves an active alert. Answers the unsubscribe. */
  onResolved(listener: (ruleId: number, source: string) => void): () => void;
}

/**
 * The lease a write is made under, in a cluster: the write raises the lease's fence to this node's
 * token in its own transaction, and is refused (StaleLeaseError) when this node no longer holds it
 * or another node has held it since, so a node waking from a pause stores no second copy.
 */
export interface WriteFence {
  readonly lease: string;
  token(): number | undefined;
}

async function passWriteFence(writes: AlertWrites, fence: WriteFence | undefined): Promise<void> {
  if (!fence) return;
  const token = fence.token();
  if (token === undefined) throw new StaleLeaseError(fence.lease, 0);
  await writes.passFence(fence.lease, token);
}

export interface AlertServiceDeps {
  readonly repository: AlertRepository;
  readonly clock: Clock;
  /** Told when a listener throws (or its promise rejects); the transition stays stored. */
  readonly onListenerError: ListenerErrorHandler;
}

const DEFAULT_REPLAY_LIMIT = 1000;
const NO_MESSAGE = { vi: "", en: "" };

export function createAlertService({ repository, clock, onListenerError }: AlertServiceDeps): AlertService {
  const transitions = createListenerSet<[AlertTransition]>("alert transitions", onListenerError);
  const resolutions = createListenerSet<[number, string]>("alert resolutions", onListenerError);

  // Writes run one after another, each announcing its transitions before the next starts, so
  // listeners hear transitions in the order of their ids.
  let tail: Promise<unknown> = Promise.resolve();
  function serially<T>(work: () => Promise<T>): Promise<T> {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  }

  function act(alertId: number, action: OperatorAction, actor: string, comment: string | null) {
    return serially(async (): Promise<ActionResult> => {
      const outcome = await repository.write(async (writes) => {
        const alert = await writes.alert(alertId);
        const describing = alert ? await writes.describingMessage(alertId) : NO_MESSAGE;
        const by = { actor, comment, at: clock.now() };
        const decision = decideOperatorAction(alertId, alert, action, by, describing);
        if (!decision.ok) return decision;
        await writes.updateAlert(alertId, decision.changes);
        const transition = await writes.insertTransition(decision.alert, decision.transition);
        return { ...decision, transition };
      });
      if (!outcome.ok) return outcome;
      transitions.emit(outcome.transition);
      if (outcome.closesActive) resolutions.emit(outcome.alert.ruleId, outcome.alert.source);
      return { ok: true, transition: outcome.transition };
    });
  }

  return {
    applySignal(signal, context, fence) {
      return serially(async () => {
        const transition = await repository.write(async (writes) => {
          await passWriteFence(writes, fence);
          const active = await writes.activeAlert(signal.ruleId, signal.source);
          const decision = decideSignal(active, signal, context);
          if (decision.kind === "none") return undefined;
          if (decision.kind === "open") {
            const opened = await writes.insertAlert(decision.alert);
            // Another writer opened the pair first: nothing changes.
            return opened ? writes.insertTransition(opened, decision.transition) : undefined;
          }
          if (!active) return undefined;
          await writes.updateAlert(active.id, decision.changes);
          return writes.insertTransition(active, decision.transition);
        });
        if (transition) transitions.emit(transition);
        return transition;
      });
    },

    acknowledge: (alertId, actor, comment) => act(alertId, "acknowledged", actor, comment),
    resolve: (alertId, actor, comment) => act(alertId, "resolved", actor, comment),
    list: (filter) => repository.list(filter),
    get: (alertId) => repository.get(alertId),
    transitionsAfter(lastId, filter = {}, limit = DEFAULT_REPLAY_LIMIT) {
      if (filter.areas?.length === 0 || filter.kinds?.length === 0) return Promise.resolve([]);
      return repository.transitionsAfter(lastId, filter, limit);
    },
    transition: (id) => repository.transition(id),
    latestTransitionId: () => repository.latestTransitionId(),

    remindDue(intervalMs, fence) {
      return serially(async () => {
        const now = clock.now();
        const reminders = await repository.write(async (writes) => {
          await passWriteFence(writes, fence);
          const stored: AlertTransition[] = [];
          for (const alert of await writes.quietAlerts(REMINDED_SEVERITY, now - intervalMs)) {
            const describing = await writes.describingMessage(alert.id);
            stored.push(await writes.insertTransition(alert, reminderFor(alert, now, describing)));
          }
          return stored;
        });
        for (const reminder of reminders) transitions.emit(reminder);
        return reminders;
      });
    },

    onTransition: (listener) => transitions.add(listener),
    onResolved: (listener) => resolutions.add(listener),
  };
}
