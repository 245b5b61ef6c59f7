import { type Kysely, type Selectable, sql } from "kysely";
import type { Clock } from "../../kernel/clock.js";
import { type FenceTables, passFence, StaleLeaseError } from "../../platform/cluster/fence-store.js";
import type { TransitionKind } from "../model/alert-event.js";
import type { Audience } from "../model/rule.js";
import type { AlertTables } from "./alert-schema.js";
import type { WebhookDeliveriesTable, WebhooksTable, WebhookTables } from "./webhook-schema.js";

/** The tables the repository reads: its own, and the alerts whose transitions it delivers. */
export type WebhookDatabase = WebhookTables & Pick<AlertTables, "alerts" | "alert_transitions">;

export const DELIVERY_STATUSES = ["pending", "failed", "delivered", "dead"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Transitions a public webhook (an SMS gateway, a messaging account) passes on to residents. */
export const PUBLIC_WEBHOOK_TRANSITIONS: readonly TransitionKind[] = [
  "opened",
  "escalated",
  "cleared",
  "resolved",
];

/** A webhook as listed: never its secret. */
export interface WebhookRecord {
  readonly id: number;
  readonly name: string;
  readonly url: string;
  readonly audience: Audience;
  readonly enabled: boolean;
  /** Epoch ms. */
  readonly createdAt: number;
}

/** A webhook with the secret its deliveries are signed with. */
export interface WebhookTarget extends WebhookRecord {
  readonly secret: string;
}

export interface NewWebhook {
  readonly name: string;
  readonly url: string;
  readonly audience: Audience;
  readonly secret: string;
  readonly enabled: boolean;
}

export interface DeliveryRecord {
  readonly id: number;
  readonly webhookId: number;
  readonly transitionId: number;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  /** Epoch ms. */
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly deliveredAt: number | null;
}

/** A delivery as operators see it on an alert: which webhook, which transition. */
export interface AlertDeliveryRecord extends DeliveryRecord {
  readonly webhookName: string;
  readonly transition: TransitionKind;
}

/** Earliest retry time of each webhook with deliveries still to make. */
export interface WebhookBacklog {
  readonly webhookId: number;
  readonly nextAttemptAt: number;
}

export interface WebhookRepository {
  create(webhook: NewWebhook): Promise<WebhookTarget>;
  list(): Promise<WebhookRecord[]>;
  get(id: number): Promise<WebhookRecord | undefined>;
  /** With its secret: for the dispatcher only. */
  target(id: number): Promise<WebhookTarget | undefined>;
  /** Deletes the webhook and its delivery history; undefined when there was none. */
  remove(id: number): Promise<WebhookRecord | undefined>;
  /** Queues the transition for every enabled webhook whose audience receives it; returns how many. */
  enqueue(transitionId: number): Promise<number>;
  /**
   * Queues what a stop between storing a transition and queueing it left out: for each enabled
   * webhook, transitions after the last one it has, and not older than the webhook itself.
   */
  catchUp(): Promise<number>;
  /** Webhooks (enabled) with pending or failed deliveries, and when the earliest is due. */
  backlog(): Promise<WebhookBacklog[]>;
  /** The webhook's next delivery due at `now`, oldest due first. */
  nextDue(webhookId: number, now: number): Promise<DeliveryRecord | undefined>;
  markDelivered(id: number, attempts: number, at: number): Promise<void>;
  /**
   * In a cluster, just before an attempt: raises the lease's fence to `token` and checks that the
   * delivery is still open at `attempts` (no other node has tried it since), in one transaction.
   * False when another node holds the lease now or has moved the delivery on: do not send.
   */
  claim(id: number, attempts: number, lease: string, token: number): Promise<boolean>;
  markFailed(id: number, attempts: number, error: string, nextAttemptAt: number): Promise<void>;
  markDead(id: number, attempts: number, error: string): Promise<void>;
  deliveries(
    webhookId: number,
    filter: { readonly status?: DeliveryStatus; readonly limit: number },
  ): Promise<DeliveryRecord[]>;
  /** Deliveries of an alert's transitions, oldest first; undefined when the alert does not exist. */
  deliveriesForAlert(alertId: number): Promise<AlertDeliveryRecord[] | undefined>;
}

const OPEN_STATUSES: readonly DeliveryStatus[] = ["pending", "failed"];
const ERROR_MAX_CHARS = 500;

function toRecord(row: Selectable<WebhooksTable>): WebhookRecord {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    audience: row.audience as Audience,
    enabled: row.enabled === 1,
    createdAt: Number(row.created_at),
  };
}

function toDelivery(row: Selectable<WebhookDeliveriesTable>): DeliveryRecord {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    transitionId: row.transition_id,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error,
    deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
  };
}

export function createWebhookRepository<DB extends WebhookDatabase>(
  database: Kysely<DB>,
  clock: Clock,
): WebhookRepository {
  const db = database as unknown as Kysely<WebhookDatabase>;
  /**
   * (webhook, transition) pairs that should be delivered: operators' webhooks take every
   * transition; public ones only what residents are told about public alerts.
   */
  const receivers = () =>
    db
      .selectFrom("webhooks as w")
      .innerJoin("alert_transitions as t", (join) => join.onTrue())
      .innerJoin("alerts as a", "a.id", "t.alert_id")
      .where("w.enabled", "=", 1)
      .where((eb) =>
        eb.or([
          eb("w.audience", "=", "operators"),
          eb.and([
            eb("w.audience", "=", "public"),
            eb("a.audience", "=", "public"),
            eb("t.kind", "in", PUBLIC_WEBHOOK_TRANSITIONS),
          ]),
        ]),
      );

  const insertDeliveries = async (pairs: ReturnType<typeof receivers>): Promise<number> => {
    const now = clock.now();
    const result = await db
      .insertInto("webhook_deliveries")
      .columns(["webhook_id", "transition_id", "status", "attempts", "next_attempt_at"])
      .expression(
        pairs.select((eb) => [
          "w.id",
          "t.id",
          eb.val("pending").as("status"),
          eb.val(0).as("attempts"),
          eb.val(now).as("next_attempt_at"),
        ]),
      )
      .onConflict((oc) => oc.columns(["webhook_id", "transition_id"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  };

  return {
    async create(webhook) {
      const row = await db
        .insertInto("webhooks")
        .values({
          name: webhook.name,
          url: webhook.url,
          audience: webhook.audience,
          secret: webhook.secret,
          enabled: webhook.enabled ? 1 : 0,
          created_at: clock.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { ...toRecord(row), secret: row.secret };
    },

    async list() {
      return (await db.selectFrom("webhooks").selectAll().orderBy("id").execute()).map(toRecord);
    },

    async get(id) {
      const row = await db.selectFrom("webhooks").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    async target(id) {
      const row = await db.selectFrom("webhooks").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? { ...toRecord(row), secret: row.secret } : undefined;
    },

    async remove(id) {
      return db.transaction().execute(async (tx) => {
        const row = await tx.selectFrom("webhooks").selectAll().where("id", "=", id).executeTakeFirst();
        if (!row) return undefined;
        await tx.deleteFrom("webhook_deliveries").where("webhook_id", "=", id).execute();
        await tx.deleteFrom("webhooks").where("id", "=", id).execute();
        return toRecord(row);
      });
    },

    enqueue(transitionId) {
      return insertDeliveries(receivers().where("t.id", "=", transitionId));
    },

    catchUp() {
      return insertDeliveries(
        receivers()
          .where("t.at", ">=", (eb) => eb.ref("w.created_at"))
          .where("t.id", ">", (eb) =>
            eb.fn.coalesce(
              eb
                .selectFrom("webhook_deliveries as d")
                .select((inner) => inner.fn.max("d.transition_id").as("last"))
                .whereRef("d.webhook_id", "=", "w.id"),
              sql<number>`0`,
            ),
          ),
      );
    },

    async backlog() {
      const rows = await db
        .selectFrom("webhook_deliveries as d")
        .innerJoin("webhooks as w", "w.id", "d.webhook_id")
        .where("w.enabled", "=", 1)
        .where("d.status", "in", OPEN_STATUSES)
        .groupBy("d.webhook_id")
        .select((eb) => ["d.webhook_id", eb.fn.min("d.next_attempt_at").as("next")])
        .execute();
      return rows.map((row) => ({ webhookId: row.webhook_id, nextAttemptAt: Number(row.next) }));
    },

    async nextDue(webhookId, now) {
      const row = await db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .where("webhook_id", "=", webhookId)
        .where("status", "in", OPEN_STATUSES)
        .where("next_attempt_at", "<=", now)
        .orderBy("next_attempt_at")
        .orderBy("id")
        .limit(1)
        .executeTakeFirst();
      return row ? toDelivery(row) : undefined;
    },

    async markDelivered(id, attempts, at) {
      await db
        .updateTable("webhook_deliveries")
        .set({ status: "delivered", attempts, delivered_at: at, last_error: null })
        .where("id", "=", id)
        .execute();
    },

    async claim(id, attempts, lease, token) {
      try {
        return await db.transaction().execute(async (tx) => {
          await passFence(tx as unknown as Kysely<FenceTables>, lease, token);
          const row = await tx
            .selectFrom("webhook_deliveries")
            .select("id")
            .where("id", "=", id)
            .where("attempts", "=", attempts)
            .where("status", "in", OPEN_STATUSES)
            .executeTakeFirst();
          return row !== undefined;
        });
      } catch (error) {
        if (error instanceof StaleLeaseError) return false;
        throw error;
      }
    },

    async markFailed(id, attempts, error, nextAttemptAt) {
      await db
        .updateTable("webhook_deliveries")
        .set({
          status: "failed",
          attempts,
          last_error: error.slice(0, ERROR_MAX_CHARS),
          next_attempt_at: nextAttemptAt,
        })
        .where("id", "=", id)
        .execute();
    },

    async markDead(id, attempts, error) {
      await db
        .updateTable("webhook_deliveries")
        .set({ status: "dead", attempts, last_error: error.slice(0, ERROR_MAX_CHARS) })
        .where("id", "=", id)
        .execute();
    },

    async deliveries(webhookId, filter) {
      let query = db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .where("webhook_id", "=", webhookId)
        .orderBy("id", "desc")
        .limit(filter.limit);
      if (filter.status !== undefined) query = query.where("status", "=", filter.status);
      return (await query.execute()).map(toDelivery);
    },

    async deliveriesForAlert(alertId) {
      const alert = await db.selectFrom("alerts").select("id").where("id", "=", alertId).executeTakeFirst();
      if (!alert) return undefined;
      const rows = await db
        .selectFrom("webhook_deliveries as d")
        .innerJoin("alert_transitions as t", "t.id", "d.transition_id")
        .innerJoin("webhooks as w", "w.id", "d.webhook_id")
        .where("t.alert_id", "=", alertId)
        .selectAll("d")
        .select(["w.name as webhook_name", "t.kind as transition_kind"])
        .orderBy("d.transition_id")
        .orderBy("d.webhook_id")
        .execute();
      return rows.map((row) => ({
        ...toDelivery(row),
        webhookName: row.webhook_name,
        transition: row.transition_kind as TransitionKind,
      }));
    },
  };
}
