import { type Kysely, PostgresAdapter, type Selectable, type Transaction } from "kysely";
import { type FenceTables, passFence } from "../../platform/cluster/fence-store.js";
import type { AlertState, TransitionKind } from "../model/alert-event.js";
import {
  type AlertChanges,
  type AlertRecord,
  type AlertTransition,
  DESCRIBING_KINDS,
  type NewAlert,
  type TransitionDraft,
  type TransitionFilter,
} from "../model/alert-lifecycle.js";
import type { Bilingual } from "../model/messages.js";
import type { Audience, Severity } from "../model/rule.js";
import type { AlertsTable, AlertTables, AlertTransitionsTable } from "./alert-schema.js";

/**
 * Alerts and their transitions in SQL, nothing more: what an alert becomes is decided by
 * alerts/model/alert-lifecycle.ts, and alerts/alert-service.ts runs those decisions in a
 * transaction and tells listeners. Transition ids grow monotonically (AUTOINCREMENT).
 */

/** An alert as the API lists it: the record with the device and metric named, times in ISO 8601 UTC. */
export interface AlertSummary extends Omit<AlertRecord, "source" | "subject" | "openedAt" | "clearedAt"> {
  readonly deviceId: string;
  readonly metric: string;
  readonly openedAt: string;
  readonly clearedAt: string | null;
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

/** The writes of one transaction. */
export interface AlertWrites {
  activeAlert(ruleId: number, source: string): Promise<AlertRecord | undefined>;
  alert(alertId: number): Promise<AlertRecord | undefined>;
  /** Undefined when another writer opened the same rule and source first (a unique index keeps it to one). */
  insertAlert(alert: NewAlert): Promise<AlertRecord | undefined>;
  updateAlert(alertId: number, changes: AlertChanges): Promise<void>;
  insertTransition(alert: AlertRecord, draft: TransitionDraft): Promise<AlertTransition>;
  /** The message of the alert's latest opening, escalation or clearing. */
  describingMessage(alertId: number): Promise<Bilingual>;
  /** Active, unacknowledged alerts of this severity whose latest transition is at or before `quietSince`. */
  quietAlerts(severity: Severity, quietSince: number): Promise<AlertRecord[]>;
  /** The lease's fencing check (platform/cluster/fence-store.ts): throws StaleLeaseError for an old token. */
  passFence(lease: string, token: number): Promise<void>;
}

export interface AlertRepository {
  /** Runs `work` in one write transaction. */
  write<T>(work: (writes: AlertWrites) => Promise<T>): Promise<T>;
  list(filter?: AlertFilter): Promise<AlertSummary[]>;
  get(alertId: number): Promise<AlertDetail | undefined>;
  /** Transitions after `lastId` that the filter allows, oldest first, at most `limit`. */
  transitionsAfter(lastId: number, filter: TransitionFilter, limit: number): Promise<AlertTransition[]>;
  transition(id: number): Promise<AlertTransition | undefined>;
  /** The newest transition id (0 when there is none). */
  latestTransitionId(): Promise<number>;
}

const DEFAULT_LIST_LIMIT = 500;

type AlertRow = Selectable<AlertsTable>;
type TransitionRow = Selectable<AlertTransitionsTable>;
type Db = Kysely<AlertTables>;
type AlertIdentity = Pick<AlertRow, "id" | "rule_id" | "source" | "subject" | "area" | "audience">;

const iso = (ms: number | bigint) => new Date(Number(ms)).toISOString();
const flag = (value: boolean) => (value ? 1 : 0);

function toRecord(row: AlertRow): AlertRecord {
  return {
    id: Number(row.id),
    ruleId: Number(row.rule_id),
    ruleVersion: Number(row.rule_version),
    source: row.source,
    subject: row.subject,
    area: row.area,
    audience: row.audience as Audience,
    severity: row.severity as Severity,
    state: row.state as AlertState,
    acknowledged: row.acknowledged === 1,
    resolved: row.resolved === 1,
    openedAt: Number(row.opened_at),
    clearedAt: row.cleared_at === null ? null : Number(row.cleared_at),
    lastValue: row.last_value,
  };
}

function toRow(alert: NewAlert): Omit<AlertRow, "id"> {
  return {
    rule_id: alert.ruleId,
    rule_version: alert.ruleVersion,
    source: alert.source,
    subject: alert.subject,
    area: alert.area,
    audience: alert.audience,
    severity: alert.severity,
    state: alert.state,
    acknowledged: flag(alert.acknowledged),
    resolved: flag(alert.resolved),
    opened_at: alert.openedAt,
    cleared_at: alert.clearedAt,
    last_value: alert.lastValue,
  };
}

function changesToRow(changes: AlertChanges): Partial<AlertRow> {
  return {
    ...(changes.severity !== undefined ? { severity: changes.severity } : {}),
    ...(changes.state !== undefined ? { state: changes.state } : {}),
    ...(changes.acknowledged !== undefined ? { acknowledged: flag(changes.acknowledged) } : {}),
    ...(changes.resolved !== undefined ? { resolved: flag(changes.resolved) } : {}),
    ...(changes.clearedAt !== undefined ? { cleared_at: changes.clearedAt } : {}),
    ...(changes.lastValue !== undefined ? { last_value: changes.lastValue } : {}),
  };
}

function toTransition(alert: AlertIdentity, row: Omit<TransitionRow, "alert_id">): AlertTransition {
  return {
    id: Number(row.id),
    alertId: Number(alert.id),
    ruleId: Number(alert.rule_id),
    transition: row.kind as TransitionKind,
    state: row.state as AlertState,
    acknowledged: row.acknowledged === 1,
    severity: row.severity as Severity,
    audience: alert.audience as Audience,
    metric: alert.subject,
    value: row.value,
    deviceId: alert.source,
    area: alert.area,
    message: { vi: row.message_vi, en: row.message_en },
    actor: row.actor,
    comment: row.comment,
    at: iso(row.at),
  };
}

type JoinedTransitionRow = TransitionRow &
  Pick<AlertRow, "rule_id" | "source" | "subject" | "area" | "audience">;

const joinedTransition = ({
  alert_id,
  rule_id,
  source,
  subject,
  area,
  audience,
  ...row
}: JoinedTransitionRow) => toTransition({ id: alert_id, rule_id, source, subject, area, audience }, row);

function toSummary(row: AlertRow, message: Bilingual): AlertSummary {
  const { source, subject, openedAt, clearedAt, ...record } = toRecord(row);
  return {
    ...record,
    deviceId: source,
    metric: subject,
    openedAt: iso(openedAt),
    clearedAt: clearedAt === null ? null : iso(clearedAt),
    message,
  };
}

export function createAlertRepository<DB extends AlertTables>(database: Kysely<DB>): AlertRepository {
  const db = database as unknown as Db;

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

  function writesOf(tx: Transaction<AlertTables>): AlertWrites {
    // SQLite's write transactions run one at a time (BEGIN IMMEDIATE). On PostgreSQL two nodes may
    // decide on the same alert at once (an operator's acknowledgement, the engine's clearing): the
    // rows a write decides on are locked until it commits, so the second decides on the first's result.
    const locksRows = tx.getExecutor().adapter instanceof PostgresAdapter;
    return {
      async activeAlert(ruleId, source) {
        const row = await tx
          .selectFrom("alerts")
          .selectAll()
          .where("rule_id", "=", ruleId)
          .where("source", "=", source)
          .where("state", "=", "active")
          .$if(locksRows, (q) => q.forUpdate())
          .executeTakeFirst();
        return row ? toRecord(row) : undefined;
      },
      async alert(alertId) {
        const row = await tx
          .selectFrom("alerts")
          .selectAll()
          .where("id", "=", alertId)
          .$if(locksRows, (q) => q.forUpdate())
          .executeTakeFirst();
        return row ? toRecord(row) : undefined;
      },
      async insertAlert(alert) {
        // Another writer's active alert for the same rule and source (unique partial index): no
        // row, rather than an error; on PostgreSQL an error would also abort the transaction.
        const row = await tx
          .insertInto("alerts")
          .values(toRow(alert))
          .onConflict((oc) => oc.doNothing())
          .returningAll()
          .executeTakeFirst();
        return row ? toRecord(row) : undefined;
      },
      async updateAlert(alertId, changes) {
        await tx.updateTable("alerts").set(changesToRow(changes)).where("id", "=", alertId).execute();
      },
      async insertTransition(alert, draft) {
        const fields = {
          kind: draft.kind,
          at: draft.at,
          actor: draft.actor,
          value: draft.value,
          severity: draft.severity,
          state: draft.state,
          acknowledged: flag(draft.acknowledged),
          comment: draft.comment,
          message_vi: draft.message.vi,
          message_en: draft.message.en,
        };
        const { id } = await tx
          .insertInto("alert_transitions")
          .values({ alert_id: alert.id, ...fields })
          .returning("id")
          .executeTakeFirstOrThrow();
        const identity = {
          id: alert.id,
          rule_id: alert.ruleId,
          source: alert.source,
          subject: alert.subject,
          area: alert.area,
          audience: alert.audience,
        };
        return toTransition(identity, { id, ...fields });
      },
      describingMessage: (alertId) => describingMessage(tx, alertId),
      passFence: (lease, token) => passFence(tx as unknown as Kysely<FenceTables>, lease, token),
      async quietAlerts(severity, quietSince) {
        const rows = await tx
          .selectFrom("alerts as a")
          .innerJoin("alert_transitions as t", "t.alert_id", "a.id")
          .selectAll("a")
          .where("a.state", "=", "active")
          .where("a.acknowledged", "=", 0)
          .where("a.severity", "=", severity)
          .groupBy("a.id")
          .having((eb) => eb.fn.max("t.at"), "<=", quietSince)
          .orderBy("a.id")
          .execute();
        return rows.map(toRecord);
      },
    };
  }

  const selectTransitions = () =>
    db
      .selectFrom("alert_transitions as t")
      .innerJoin("alerts as a", "a.id", "t.alert_id")
      .selectAll("t")
      .select(["a.rule_id", "a.source", "a.subject", "a.area", "a.audience"]);

  return {
    write: (work) => db.transaction().execute((tx) => work(writesOf(tx))),
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
      const transitions = rows.map(({ alert_id: _, ...fields }) => toTransition(row, fields));
      const describing = rows.filter((t) => DESCRIBING_KINDS.includes(t.kind as TransitionKind)).at(-1);
      const message = describing
        ? { vi: describing.message_vi, en: describing.message_en }
        : { vi: "", en: "" };
      return { ...toSummary(row, message), transitions };
    },

    async transitionsAfter(lastId, filter, limit) {
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
  };
}
