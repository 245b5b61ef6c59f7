import type { Kysely, Selectable } from "kysely";
import type { AlertEvent, AlertState, TransitionKind } from "../domain/alerts/alert-event.js";
import type { AlertSignal } from "../domain/alerts/evaluator.js";
import type { Bilingual } from "../domain/alerts/messages.js";
import type { Audience, Severity } from "../domain/alerts/rule.js";
import type { Clock } from "../domain/clock.js";
import type { AlertsTable, AlertTransitionsTable } from "./alert-schema.js";
import type { MetadataDatabase } from "./metadata-schema.js";

/** What the engine knows about a signal beyond the signal itself. */
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
  readonly openedAt: string;
  readonly clearedAt: string | null;
  readonly lastValue: number | null;
  /** The message of the latest transition. */
  readonly message: Bilingual;
}

export interface AlertDetail extends AlertSummary {
  readonly transitions: AlertEvent[];
}

export interface AlertFilter {
  readonly state?: "active" | "all";
  readonly area?: string;
  readonly audience?: Audience;
  readonly from?: number;
  readonly to?: number;
  readonly limit?: number;
}

/** Which events a client may see: all of them (operators) or the public ones of some areas. */
export interface EventFilter {
  readonly publicAreas?: readonly string[];
}

export type OperatorAction = "acknowledged" | "resolved";

export type ActionResult =
  | { ok: true; event: AlertEvent; wasOpen: boolean }
  | { ok: false; reason: "not_found" | "conflict"; message: string };

export interface AlertStore {
  /** Stores the signal's transition (opening, escalating or clearing an alert) before anyone is told. */
  applySignal(signal: AlertSignal, context: SignalContext): Promise<AlertEvent | undefined>;
  act(alertId: number, action: OperatorAction, actor: string, comment: string | null): Promise<ActionResult>;
  list(filter: AlertFilter): Promise<AlertSummary[]>;
  get(id: number): Promise<AlertDetail | undefined>;
  /** Transitions after `lastId` the filter allows, oldest first: the replay for a reconnecting client. */
  eventsAfter(lastId: number, filter: EventFilter, limit: number): Promise<AlertEvent[]>;
  /** Reminders for critical alerts still active and unacknowledged `intervalMs` after their last word. */
  remindDue(intervalMs: number): Promise<AlertEvent[]>;
  onEvent(listener: (event: AlertEvent) => void): () => void;
  /** An operator resolved an active alert: the engine forgets its evaluation state. */
  onResolved(listener: (ruleId: number, source: string) => void): () => void;
}

const REMINDER_PREFIX: Bilingual = { vi: "Nhắc lại (chưa xác nhận): ", en: "Reminder (not acknowledged): " };

type EventRow = Selectable<AlertTransitionsTable> &
  Pick<Selectable<AlertsTable>, "rule_id" | "source" | "subject" | "area" | "audience">;

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

function toEvent(row: EventRow): AlertEvent {
  return {
    id: row.id,
    alertId: row.alert_id,
    ruleId: row.rule_id,
    transition: row.kind as TransitionKind,
    state: row.state as AlertState,
    acknowledged: row.acknowledged === 1,
    severity: row.severity as Severity,
    audience: row.audience as Audience,
    metric: row.subject,
    value: row.value,
    deviceId: row.source,
    area: row.area,
    message: { vi: row.message_vi, en: row.message_en },
    actor: row.actor,
    comment: row.comment,
    at: iso(row.at),
  };
}

export function createAlertStore(db: Kysely<MetadataDatabase>, clock: Clock): AlertStore {
  const eventListeners = new Set<(event: AlertEvent) => void>();
  const resolvedListeners = new Set<(ruleId: number, source: string) => void>();

  const selectEvents = () =>
    db
      .selectFrom("alert_transitions as t")
      .innerJoin("alerts as a", "a.id", "t.alert_id")
      .selectAll("t")
      .select(["a.rule_id", "a.source", "a.subject", "a.area", "a.audience"]);

  const announce = (event: AlertEvent) => {
    for (const listener of eventListeners) listener(event);
    return event;
  };

  async function record(
    tx: Kysely<MetadataDatabase>,
    alertId: number,
    fields: Omit<Selectable<AlertTransitionsTable>, "id" | "alert_id">,
  ): Promise<AlertEvent> {
    const { id } = await tx
      .insertInto("alert_transitions")
      .values({ alert_id: alertId, ...fields })
      .returning("id")
      .executeTakeFirstOrThrow();
    const row = await tx
      .selectFrom("alert_transitions as t")
      .innerJoin("alerts as a", "a.id", "t.alert_id")
      .selectAll("t")
      .select(["a.rule_id", "a.source", "a.subject", "a.area", "a.audience"])
      .where("t.id", "=", id)
      .executeTakeFirstOrThrow();
    return toEvent(row);
  }

  const openAlert = (tx: Kysely<MetadataDatabase>, ruleId: number, source: string) =>
    tx
      .selectFrom("alerts")
      .selectAll()
      .where("rule_id", "=", ruleId)
      .where("source", "=", source)
      .where("is_open", "=", 1)
      .executeTakeFirst();

  async function latestMessages(ids: readonly number[]): Promise<Map<number, Bilingual>> {
    const messages = new Map<number, Bilingual>();
    if (ids.length === 0) return messages;
    const rows = await db
      .selectFrom("alert_transitions")
      .select(["alert_id", "message_vi", "message_en", "id"])
      .where("alert_id", "in", ids)
      .where("kind", "in", ["opened", "escalated", "cleared"])
      .orderBy("id")
      .execute();
    for (const row of rows) messages.set(row.alert_id, { vi: row.message_vi, en: row.message_en });
    return messages;
  }

  const toSummary = (row: Selectable<AlertsTable>, message: Bilingual | undefined): AlertSummary => ({
    id: row.id,
    ruleId: row.rule_id,
    ruleVersion: row.rule_version,
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
    message: message ?? { vi: "", en: "" },
  });

  return {
    async applySignal(signal, context) {
      const event = await db.transaction().execute(async (tx) => {
        const open = await openAlert(tx, signal.ruleId, signal.source);
        const base = {
          at: signal.at,
          actor: null,
          value: signal.value,
          severity: signal.severity,
          comment: null,
          message_vi: context.message.vi,
          message_en: context.message.en,
        };
        if (signal.kind === "open") {
          if (open) return undefined; // already open (state restored after a crash between the two writes)
          const { id } = await tx
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
              is_open: 1,
            })
            .returning("id")
            .executeTakeFirstOrThrow();
          return record(tx, id, { ...base, kind: "opened", state: "active", acknowledged: 0 });
        }
        if (!open) return undefined; // resolved by an operator meanwhile
        if (signal.kind === "escalate") {
          await tx
            .updateTable("alerts")
            .set({ severity: signal.severity, last_value: signal.value })
            .where("id", "=", open.id)
            .execute();
          return record(tx, open.id, {
            ...base,
            kind: "escalated",
            state: "active",
            acknowledged: open.acknowledged,
          });
        }
        await tx
          .updateTable("alerts")
          .set({ state: "cleared", cleared_at: signal.at, last_value: signal.value, is_open: null })
          .where("id", "=", open.id)
          .execute();
        return record(tx, open.id, {
          ...base,
          severity: open.severity,
          kind: "cleared",
          state: "cleared",
          acknowledged: open.acknowledged,
        });
      });
      return event ? announce(event) : undefined;
    },

    async act(alertId, action, actor, comment) {
      const result = await db.transaction().execute(async (tx): Promise<ActionResult> => {
        const alert = await tx.selectFrom("alerts").selectAll().where("id", "=", alertId).executeTakeFirst();
        if (!alert) return { ok: false, reason: "not_found", message: `no alert ${alertId}` };
        if (alert.resolved === 1)
          return { ok: false, reason: "conflict", message: `alert ${alertId} is already resolved` };
        if (action === "acknowledged" && alert.acknowledged === 1) {
          return { ok: false, reason: "conflict", message: `alert ${alertId} is already acknowledged` };
        }
        const now = clock.now();
        const resolving = action === "resolved";
        const wasOpen = alert.is_open === 1;
        const state = resolving ? "cleared" : alert.state;
        await tx
          .updateTable("alerts")
          .set(
            resolving
              ? { resolved: 1, state, is_open: null, cleared_at: alert.cleared_at ?? now }
              : { acknowledged: 1 },
          )
          .where("id", "=", alertId)
          .execute();
        const last = await tx
          .selectFrom("alert_transitions")
          .select(["message_vi", "message_en"])
          .where("alert_id", "=", alertId)
          .orderBy("id", "desc")
          .executeTakeFirstOrThrow();
        const event = await record(tx, alertId, {
          kind: action,
          at: now,
          actor,
          value: alert.last_value,
          severity: alert.severity,
          state,
          acknowledged: resolving ? alert.acknowledged : 1,
          comment,
          message_vi: last.message_vi,
          message_en: last.message_en,
        });
        return { ok: true, event, wasOpen };
      });
      if (result.ok) {
        announce(result.event);
        // Only an open alert has engine state to forget; a newer alert of the same pair may be open.
        if (action === "resolved" && result.wasOpen) {
          for (const listener of resolvedListeners) listener(result.event.ruleId, result.event.deviceId);
        }
      }
      return result;
    },

    async list(filter) {
      let query = db
        .selectFrom("alerts")
        .selectAll()
        .orderBy("id", "desc")
        .limit(filter.limit ?? 500);
      if (filter.state !== "all") query = query.where("state", "=", "active");
      if (filter.area !== undefined) query = query.where("area", "=", filter.area);
      if (filter.audience !== undefined) query = query.where("audience", "=", filter.audience);
      if (filter.from !== undefined) query = query.where("opened_at", ">=", filter.from);
      if (filter.to !== undefined) query = query.where("opened_at", "<", filter.to);
      const rows = await query.execute();
      const messages = await latestMessages(rows.map((r) => r.id));
      return rows.map((row) => toSummary(row, messages.get(row.id)));
    },

    async get(id) {
      const row = await db.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
      if (!row) return undefined;
      const transitions = (await selectEvents().where("t.alert_id", "=", id).orderBy("t.id").execute()).map(
        toEvent,
      );
      return { ...toSummary(row, (await latestMessages([id])).get(id)), transitions };
    },

    async eventsAfter(lastId, filter, limit) {
      let query = selectEvents().where("t.id", ">", lastId).orderBy("t.id").limit(limit);
      if (filter.publicAreas !== undefined) {
        if (filter.publicAreas.length === 0) return [];
        query = query.where("a.audience", "=", "public").where("a.area", "in", filter.publicAreas);
      }
      return (await query.execute()).map(toEvent);
    },

    async remindDue(intervalMs) {
      const now = clock.now();
      const candidates = await db
        .selectFrom("alerts")
        .selectAll()
        .where("is_open", "=", 1)
        .where("acknowledged", "=", 0)
        .where("severity", "=", "critical")
        .execute();
      const events: AlertEvent[] = [];
      for (const alert of candidates) {
        const last = await db
          .selectFrom("alert_transitions")
          .select((eb) => eb.fn.max("at").as("at"))
          .where("alert_id", "=", alert.id)
          .executeTakeFirst();
        if (last?.at !== null && last?.at !== undefined && now - Number(last.at) < intervalMs) continue;
        const message = (await latestMessages([alert.id])).get(alert.id) ?? { vi: "", en: "" };
        const event = await db.transaction().execute((tx) =>
          record(tx, alert.id, {
            kind: "reminder",
            at: now,
            actor: null,
            value: alert.last_value,
            severity: alert.severity,
            state: "active",
            acknowledged: 0,
            comment: null,
            message_vi: REMINDER_PREFIX.vi + message.vi,
            message_en: REMINDER_PREFIX.en + message.en,
          }),
        );
        events.push(announce(event));
      }
      return events;
    },

    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },

    onResolved(listener) {
      resolvedListeners.add(listener);
      return () => resolvedListeners.delete(listener);
    },
  };
}
