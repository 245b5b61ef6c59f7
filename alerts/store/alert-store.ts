import type { Kysely, Selectable, Transaction } from "kysely";
import type { Clock } from "../../kernel/clock.js";
import type { AlertEvent, AlertState, TransitionKind } from "../model/alert-event.js";
import type { AlertSignal } from "../model/evaluator.js";
import type { Bilingual } from "../model/messages.js";
import type { Audience, Severity } from "../model/rule.js";
import type { AlertsTable, AlertTables, AlertTransitionsTable } from "./alert-schema.js";

/**
 * Alerts and their transitions. Every change of an alert is a stored transition whose id grows
 * monotonically; listeners hear of a transition only after it is committed, and in id order, so
 * a client replaying from the last id it saw and then listening misses nothing.
 */

/** One stored transition, as every channel carries it (Socket.IO `alert`, webhooks, CAP). */
export type AlertTransition = AlertEvent;

/** What the store needs to know about a signal beyond the signal (the engine's context is a superset). */
export interface SignalContext {
  readonly area: string | null;
  readonly audience: Audience;
  readonly message: Bilingual;
}

export interface AlertSummary {
  readonly id: number;
  readonly ruleId: number;
  readonly ruleVersion: number;
  readonly deviceId: string;
  readonly metric: string;
  readonly area: string | null;
  readonly audience: Audience;
  readonly severity: Severity;
  readonly state: AlertState;
  readonly acknowledged: boolean;
  readonly resolved: boolean;
  /** ISO 8601 UTC. */
  readonly openedAt: string;
  readonly clearedAt: string | null;
  readonly lastValue: number | null;
  /** The message of the latest opening, escalation or clearing. */
  readonly message: Bilingual;
}

export interface AlertDetail extends AlertSummary {
  /** Oldest first. */
  readonly transitions: AlertTransition[];
}

export interface AlertFilter {
  /** "active" (default): alerts still active; "all": every alert. */
  readonly state?: "active" | "all";
  readonly area?: string;
  readonly audience?: Audience;
  /** Epoch ms: alerts still active at or after this time (not cleared before it). */
  readonly from?: number;
  /** Epoch ms: alerts opened before this time. */
  readonly to?: number;
  /** Newest first, at most this many (default 500). */
  readonly limit?: number;
}

/** Which transitions a client may see; every field narrows, none means everything. */
export interface TransitionFilter {
  readonly audience?: Audience;
  /** Only alerts in these areas (an alert without an area never matches). */
  readonly areas?: readonly string[];
  readonly kinds?: readonly TransitionKind[];
}

/** Residents hear of public alerts in their areas; reminders are the operators' business. */
export function publicTransitionFilter(areas: readonly string[]): TransitionFilter {
  return { audience: "public", areas, kinds: ["opened", "escalated", "cleared", "acknowledged", "resolved"] };
}

/** The same test the replay query applies, for transitions heard live. */
export function transitionMatches(filter: TransitionFilter, transition: AlertTransition): boolean {
  if (filter.audience !== undefined && transition.audience !== filter.audience) return false;
  if (filter.areas !== undefined && (transition.area === null || !filter.areas.includes(transition.area))) {
    return false;
  }
  if (filter.kinds !== undefined && !filter.kinds.includes(transition.transition)) return false;
  return true;
}

export type ActionResult =
  | { readonly ok: true; readonly transition: AlertTransition }
  | { readonly ok: false; readonly reason: "not_found" | "conflict"; readonly message: string };

export interface AlertStore {
  /**
   * Stores the transition a signal causes (opening, escalating or clearing the alert of its rule
   * and source), then tells the listeners. Undefined when the signal changes nothing: an open for
   * a pair that already has an active alert, an escalate or clear for a pair that has none (an
   * operator resolved it meanwhile).
   */
  applySignal(signal: AlertSignal, context: SignalContext): Promise<AlertTransition | undefined>;
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
  /**
   * Stores a reminder for each critical alert that is active, unacknowledged and has had no
   * transition for `intervalMs`; answers the reminders.
   */
  remindDue(intervalMs: number): Promise<AlertTransition[]>;
  /** Called with each transition once it is stored, in id order. Answers the unsubscribe. */
  onTransition(listener: (transition: AlertTransition) => void): () => void;
  /** Called when an operator resolves an active alert. Answers the unsubscribe. */
  onResolved(listener: (ruleId: number, source: string) => void): () => void;
}

export interface AlertStoreOptions {
  /** Told when a listener throws (or its promise rejects); the transition stays stored. */
  readonly onListenerError?: (error: unknown) => void;
}

const DEFAULT_LIST_LIMIT = 500;
const DEFAULT_REPLAY_LIMIT = 1000;
/** The transitions whose message describes the alert (acknowledgements and reminders reuse it). */
const DESCRIBING_KINDS: readonly TransitionKind[] = ["opened", "escalated", "cleared"];

const reminderMessage = (message: Bilingual): Bilingual => ({
  vi: `Nhắc lại (chưa xác nhận): ${message.vi}`,
  en: `Reminder (not acknowledged): ${message.en}`,
});

type AlertRow = Selectable<AlertsTable>;
type TransitionRow = Selectable<AlertTransitionsTable>;
type NewTransition = Omit<TransitionRow, "id" | "alert_id">;
type Db = Kysely<AlertTables>;

const iso = (ms: number | bigint) => new Date(Number(ms)).toISOString();

function toTransition(
  alert: Pick<AlertRow, "id" | "rule_id" | "source" | "subject" | "area" | "audience">,
  id: number,
  t: NewTransition,
): AlertTransition {
  return {
    id: Number(id),
    alertId: Number(alert.id),
    ruleId: Number(alert.rule_id),
    transition: t.kind as TransitionKind,
    state: t.state as AlertState,
    acknowledged: t.acknowledged === 1,
    severity: t.severity as Severity,
    audience: alert.audience as Audience,
    metric: alert.subject,
    value: t.value,
    deviceId: alert.source,
    area: alert.area,
    message: { vi: t.message_vi, en: t.message_en },
    actor: t.actor,
    comment: t.comment,
    at: iso(t.at),
  };
}

type JoinedTransitionRow = TransitionRow &
  Pick<AlertRow, "rule_id" | "source" | "subject" | "area" | "audience">;

const joinedTransition = ({
  id,
  alert_id,
  rule_id,
  source,
  subject,
  area,
  audience,
  ...fields
}: JoinedTransitionRow): AlertTransition =>
  toTransition({ id: alert_id, rule_id, source, subject, area, audience }, id, fields);

function toSummary(row: AlertRow, message: Bilingual): AlertSummary {
  return {
    id: Number(row.id),
    ruleId: Number(row.rule_id),
    ruleVersion: Number(row.rule_version),
    deviceId: row.source,
    metric: row.subject,
    area: row.area,
    audience: row.audience as Audience,
    severity: row.severity as Severity,
    state: row.state as AlertState,
    acknowledged: row.acknowledged === 1,
    resolved: row.resolved === 1,
    openedAt: iso(row.opened_at),
    clearedAt: row.cleared_at === null ? null : iso(row.cleared_at),
    lastValue: row.last_value,
    message,
  };
}

const isUniqueViolation = (error: unknown) =>
  typeof error === "object" &&
  error !== null &&
  String((error as { code?: unknown }).code).startsWith("SQLITE_CONSTRAINT_UNIQUE");

export function createAlertStore<DB extends AlertTables>(
  database: Kysely<DB>,
  clock: Clock,
  options: AlertStoreOptions = {},
): AlertStore {
  const db = database as unknown as Db;
  const transitionListeners = new Set<(transition: AlertTransition) => void>();
  const resolvedListeners = new Set<(ruleId: number, source: string) => void>();

  /**
   * Writes run one after another, each announcing its transitions before the next starts, so
   * listeners hear transitions in the order of their ids.
   */
  let tail: Promise<unknown> = Promise.resolve();
  function serially<T>(work: () => Promise<T>): Promise<T> {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  }

  function notify<A extends unknown[]>(listeners: Iterable<(...args: A) => void>, ...args: A): void {
    for (const listener of listeners) {
      try {
        const result: unknown = listener(...args);
        if (result instanceof Promise) result.catch((error: unknown) => options.onListenerError?.(error));
      } catch (error) {
        options.onListenerError?.(error);
      }
    }
  }

  async function insertTransition(
    tx: Transaction<AlertTables>,
    alert: Pick<AlertRow, "id" | "rule_id" | "source" | "subject" | "area" | "audience">,
    fields: NewTransition,
  ): Promise<AlertTransition> {
    const { id } = await tx
      .insertInto("alert_transitions")
      .values({ alert_id: alert.id, ...fields })
      .returning("id")
      .executeTakeFirstOrThrow();
    return toTransition(alert, id, fields);
  }

  const activeAlert = (tx: Transaction<AlertTables>, ruleId: number, source: string) =>
    tx
      .selectFrom("alerts")
      .selectAll()
      .where("rule_id", "=", ruleId)
      .where("source", "=", source)
      .where("state", "=", "active")
      .executeTakeFirst();

  const selectTransitions = () =>
    db
      .selectFrom("alert_transitions as t")
      .innerJoin("alerts as a", "a.id", "t.alert_id")
      .selectAll("t")
      .select(["a.rule_id", "a.source", "a.subject", "a.area", "a.audience"]);

  async function describingMessage(executor: Db, alertId: number): Promise<Bilingual> {
    const row = await executor
      .selectFrom("alert_transitions")
      .select(["message_vi", "message_en"])
      .where("alert_id", "=", alertId)
      .where("kind", "in", DESCRIBING_KINDS)
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    return row ? { vi: row.message_vi, en: row.message_en } : { vi: "", en: "" };
  }

  async function storeSignal(
    tx: Transaction<AlertTables>,
    signal: AlertSignal,
    context: SignalContext,
  ): Promise<AlertTransition | undefined> {
    const active = await activeAlert(tx, signal.ruleId, signal.source);
    const said = {
      at: signal.at,
      actor: null,
      comment: null,
      message_vi: context.message.vi,
      message_en: context.message.en,
    };

    if (signal.kind === "open") {
      if (active) return undefined;
      let inserted: AlertRow;
      try {
        inserted = await tx
          .insertInto("alerts")
          .values({
            rule_id: signal.ruleId,
            rule_version: signal.ruleVersion,
            source: signal.source,
            subject: signal.subject,
            area: context.area,
            audience: context.audience,
            severity: signal.severity,
            state: "active",
            acknowledged: 0,
            resolved: 0,
            opened_at: signal.at,
            cleared_at: null,
            last_value: signal.value,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
      } catch (error) {
        // Another writer opened the pair first: the index keeps it to one.
        if (isUniqueViolation(error)) return undefined;
        throw error;
      }
      return insertTransition(tx, inserted, {
        ...said,
        kind: "opened",
        value: signal.value,
        severity: signal.severity,
        state: "active",
        acknowledged: 0,
      });
    }

    if (!active) return undefined;
    const value = signal.value ?? active.last_value;
    if (signal.kind === "escalate") {
      await tx
        .updateTable("alerts")
        .set({ severity: signal.severity, last_value: value })
        .where("id", "=", active.id)
        .execute();
      return insertTransition(tx, active, {
        ...said,
        kind: "escalated",
        value: signal.value,
        severity: signal.severity,
        state: "active",
        acknowledged: active.acknowledged,
      });
    }
    await tx
      .updateTable("alerts")
      .set({ state: "cleared", cleared_at: signal.at, last_value: value })
      .where("id", "=", active.id)
      .execute();
    return insertTransition(tx, active, {
      ...said,
      kind: "cleared",
      value: signal.value,
      severity: active.severity,
      state: "cleared",
      acknowledged: active.acknowledged,
    });
  }

  type Outcome = { result: ActionResult; closedActive?: { ruleId: number; source: string } };

  function act(
    alertId: number,
    kind: "acknowledged" | "resolved",
    actor: string,
    comment: string | null,
  ): Promise<ActionResult> {
    return serially(async () => {
      const outcome = await db.transaction().execute(async (tx): Promise<Outcome> => {
        const alert = await tx.selectFrom("alerts").selectAll().where("id", "=", alertId).executeTakeFirst();
        if (!alert) return { result: { ok: false, reason: "not_found", message: `no alert ${alertId}` } };
        if (alert.resolved === 1) {
          return {
            result: { ok: false, reason: "conflict", message: `alert ${alertId} is already resolved` },
          };
        }
        if (kind === "acknowledged" && alert.acknowledged === 1) {
          return {
            result: { ok: false, reason: "conflict", message: `alert ${alertId} is already acknowledged` },
          };
        }
        const now = clock.now();
        const resolving = kind === "resolved";
        const wasActive = alert.state === "active";
        await tx
          .updateTable("alerts")
          .set(
            resolving
              ? { resolved: 1, state: "cleared", cleared_at: alert.cleared_at ?? now }
              : { acknowledged: 1 },
          )
          .where("id", "=", alertId)
          .execute();
        const message = await describingMessage(tx, alertId);
        const transition = await insertTransition(tx, alert, {
          kind,
          at: now,
          actor,
          value: alert.last_value,
          severity: alert.severity,
          state: resolving ? "cleared" : alert.state,
          acknowledged: resolving ? alert.acknowledged : 1,
          comment,
          message_vi: message.vi,
          message_en: message.en,
        });
        return {
          result: { ok: true, transition },
          ...(resolving && wasActive
            ? { closedActive: { ruleId: Number(alert.rule_id), source: alert.source } }
            : {}),
        };
      });
      if (outcome.result.ok) notify(transitionListeners, outcome.result.transition);
      // Only an alert that was still active has engine state to forget; resolving an alert the
      // engine already cleared must not disturb a newer alert of the same rule and source.
      if (outcome.closedActive) {
        notify(resolvedListeners, outcome.closedActive.ruleId, outcome.closedActive.source);
      }
      return outcome.result;
    });
  }

  return {
    applySignal(signal, context) {
      return serially(async () => {
        const transition = await db.transaction().execute((tx) => storeSignal(tx, signal, context));
        if (transition) notify(transitionListeners, transition);
        return transition;
      });
    },

    acknowledge: (alertId, actor, comment) => act(alertId, "acknowledged", actor, comment),

    resolve: (alertId, actor, comment) => act(alertId, "resolved", actor, comment),

    async list(filter = {}) {
      let query = db
        .selectFrom("alerts as a")
        .selectAll("a")
        .select((eb) => {
          const latest = (column: "message_vi" | "message_en") =>
            eb
              .selectFrom("alert_transitions as m")
              .select(`m.${column}`)
              .whereRef("m.alert_id", "=", "a.id")
              .where("m.kind", "in", DESCRIBING_KINDS)
              .orderBy("m.id", "desc")
              .limit(1);
          return [latest("message_vi").as("latest_vi"), latest("message_en").as("latest_en")];
        })
        .orderBy("a.id", "desc")
        .limit(filter.limit ?? DEFAULT_LIST_LIMIT);
      if (filter.state !== "all") query = query.where("a.state", "=", "active");
      if (filter.area !== undefined) query = query.where("a.area", "=", filter.area);
      if (filter.audience !== undefined) query = query.where("a.audience", "=", filter.audience);
      if (filter.to !== undefined) query = query.where("a.opened_at", "<", filter.to);
      if (filter.from !== undefined) {
        const from = filter.from;
        query = query.where((eb) => eb.or([eb("a.cleared_at", "is", null), eb("a.cleared_at", ">=", from)]));
      }
      const rows = await query.execute();
      return rows.map(({ latest_vi, latest_en, ...row }) =>
        toSummary(row, { vi: latest_vi ?? "", en: latest_en ?? "" }),
      );
    },

    async get(alertId) {
      const row = await db.selectFrom("alerts").selectAll().where("id", "=", alertId).executeTakeFirst();
      if (!row) return undefined;
      const rows = await db
        .selectFrom("alert_transitions")
        .selectAll()
        .where("alert_id", "=", alertId)
        .orderBy("id")
        .execute();
      const transitions = rows.map(({ id, alert_id: _, ...fields }) => toTransition(row, id, fields));
      const describing = rows.filter((t) => DESCRIBING_KINDS.includes(t.kind as TransitionKind)).at(-1);
      const message = describing
        ? { vi: describing.message_vi, en: describing.message_en }
        : { vi: "", en: "" };
      return { ...toSummary(row, message), transitions };
    },

    async transitionsAfter(lastId, filter = {}, limit = DEFAULT_REPLAY_LIMIT) {
      if (filter.areas?.length === 0 || filter.kinds?.length === 0) return [];
      let query = selectTransitions().where("t.id", ">", lastId).orderBy("t.id").limit(limit);
      if (filter.audience !== undefined) query = query.where("a.audience", "=", filter.audience);
      if (filter.areas !== undefined) query = query.where("a.area", "in", filter.areas);
      if (filter.kinds !== undefined) query = query.where("t.kind", "in", filter.kinds);
      return (await query.execute()).map(joinedTransition);
    },

    async transition(id) {
      const row = await selectTransitions().where("t.id", "=", id).executeTakeFirst();
      return row ? joinedTransition(row) : undefined;
    },

    async latestTransitionId() {
      const row = await db
        .selectFrom("alert_transitions")
        .select((eb) => eb.fn.max("id").as("id"))
        .executeTakeFirst();
      return row?.id == null ? 0 : Number(row.id);
    },

    remindDue(intervalMs) {
      return serially(async () => {
        const now = clock.now();
        const reminders = await db.transaction().execute(async (tx) => {
          const due = await tx
            .selectFrom("alerts as a")
            .innerJoin("alert_transitions as t", "t.alert_id", "a.id")
            .selectAll("a")
            .where("a.state", "=", "active")
            .where("a.acknowledged", "=", 0)
            .where("a.severity", "=", "critical")
            .groupBy("a.id")
            .having((eb) => eb.fn.max("t.at"), "<=", now - intervalMs)
            .orderBy("a.id")
            .execute();
          const stored: AlertTransition[] = [];
          for (const alert of due) {
            const message = reminderMessage(await describingMessage(tx, alert.id));
            stored.push(
              await insertTransition(tx, alert, {
                kind: "reminder",
                at: now,
                actor: null,
                value: alert.last_value,
                severity: alert.severity,
                state: "active",
                acknowledged: 0,
                comment: null,
                message_vi: message.vi,
                message_en: message.en,
              }),
            );
          }
          return stored;
        });
        for (const reminder of reminders) notify(transitionListeners, reminder);
        return reminders;
      });
    },

    onTransition(listener) {
      transitionListeners.add(listener);
      return () => transitionListeners.delete(listener);
    },

    onResolved(listener) {
      resolvedListeners.add(listener);
      return () => resolvedListeners.delete(listener);
    },
  };
}
