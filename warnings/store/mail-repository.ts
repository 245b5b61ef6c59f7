import type { Kysely, Selectable } from "kysely";
import type { MailOutboxTable, MailSubscribersTable, WarningTables } from "./warning-schema.js";

/**
 * E-mail subscribers and the outbox in SQL, nothing more. A mail is stored before it is sent and
 * marked sent only once the relay accepted it; one mail per warning event and subscriber.
 */

export interface MailSubscriber {
  readonly id: number;
  readonly email: string;
  readonly communes: readonly string[];
  readonly token: string;
  readonly baseUrl: string;
  readonly confirmed: boolean;
}

export interface OutboxMail {
  readonly id: number;
  readonly eventId: number | null;
  readonly subscriberId: number;
  readonly recipient: string;
  readonly subject: string;
  readonly body: string;
  readonly attempts: number;
}

export interface NewMail {
  readonly eventId: number | null;
  readonly subscriberId: number;
  readonly recipient: string;
  readonly subject: string;
  readonly body: string;
}

export interface MailRepository {
  /**
   * A new subscriber; the same address again takes the new communes only while unconfirmed (a
   * stranger cannot change what a confirmed address receives).
   */
  subscribe(
    email: string,
    communes: readonly string[],
    token: string,
    baseUrl: string,
    now: number,
  ): Promise<MailSubscriber>;
  /** The subscriber the token names, confirmed now; undefined for an unknown token. */
  confirm(token: string, now: number): Promise<MailSubscriber | undefined>;
  /** Forgets the subscriber the token names and voids its unsent mail; false for an unknown token. */
  unsubscribe(token: string): Promise<boolean>;
  /** Confirmed subscribers following at least one of the communes. */
  confirmedFollowing(communes: readonly string[]): Promise<MailSubscriber[]>;
  lastFannedOut(): Promise<number>;
  /** Stores the mails of one event and moves the cursor past it, in one transaction. */
  storeFanOut(eventId: number, mails: readonly NewMail[], now: number): Promise<void>;
  /** A confirmation request, stored like any mail. */
  enqueue(mail: NewMail, now: number): Promise<void>;
  due(now: number, limit: number): Promise<OutboxMail[]>;
  sentSince(recipient: string, since: number): Promise<number>;
  markSent(id: number, now: number): Promise<void>;
  /** Another try at `at`; failed for good when `at` is null. */
  markRetry(id: number, error: string, at: number | null): Promise<void>;
  /** Moves a mail's next attempt without counting a try (the recipient's rate limit). */
  postpone(id: number, at: number): Promise<void>;
  outbox(): Promise<(OutboxMail & { state: string; sentAt: number | null })[]>;
}

const CURSOR = "warning-mail";

function toSubscriber(row: Selectable<MailSubscribersTable>): MailSubscriber {
  return {
    id: Number(row.id),
    email: row.email,
    communes: JSON.parse(row.communes) as string[],
    token: row.token,
    baseUrl: row.base_url,
    confirmed: Number(row.confirmed) === 1,
  };
}

function toMail(row: Selectable<MailOutboxTable>): OutboxMail {
  return {
    id: Number(row.id),
    eventId: row.event_id === null ? null : Number(row.event_id),
    subscriberId: Number(row.subscriber_id),
    recipient: row.recipient,
    subject: row.subject,
    body: row.body,
    attempts: Number(row.attempts),
  };
}

const row = (mail: NewMail, now: number) => ({
  event_id: mail.eventId,
  subscriber_id: mail.subscriberId,
  recipient: mail.recipient,
  subject: mail.subject,
  body: mail.body,
  state: "pending",
  attempts: 0,
  next_attempt_at: now,
  created_at: now,
});

export function createMailRepository(db: Kysely<WarningTables>): MailRepository {
  const byToken = (token: string) =>
    db.selectFrom("mail_subscribers").selectAll().where("token", "=", token).executeTakeFirst();

  return {
    async subscribe(email, communes, token, baseUrl, now) {
      const existing = await db
        .selectFrom("mail_subscribers")
        .selectAll()
        .where("email", "=", email)
        .executeTakeFirst();
      const list = JSON.stringify([...new Set(communes)].sort());
      if (existing && Number(existing.confirmed) === 1) return toSubscriber(existing);
      if (existing) {
        await db
          .updateTable("mail_subscribers")
          .set({ communes: list, base_url: baseUrl })
          .where("id", "=", existing.id)
          .execute();
        return { ...toSubscriber(existing), communes: JSON.parse(list), baseUrl };
      }
      const inserted = await db
        .insertInto("mail_subscribers")
        .values({
          email,
          communes: list,
          token,
          base_url: baseUrl,
          confirmed: 0,
          created_at: now,
          confirmed_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toSubscriber(inserted);
    },
    async confirm(token, now) {
      const found = await byToken(token);
      if (!found) return undefined;
      if (Number(found.confirmed) !== 1) {
        await db
          .updateTable("mail_subscribers")
          .set({ confirmed: 1, confirmed_at: now })
          .where("id", "=", found.id)
          .execute();
      }
      return { ...toSubscriber(found), confirmed: true };
    },
    async unsubscribe(token) {
      const found = await byToken(token);
      if (!found) return false;
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable("mail_outbox")
          .set({ state: "void" })
          .where("subscriber_id", "=", found.id)
          .where("state", "=", "pending")
          .execute();
        await tx.deleteFrom("mail_subscribers").where("id", "=", found.id).execute();
      });
      return true;
    },
    async confirmedFollowing(communes) {
      const wanted = new Set(communes);
      const rows = await db
        .selectFrom("mail_subscribers")
        .selectAll()
        .where("confirmed", "=", 1)
        .orderBy("id")
        .execute();
      return rows.map(toSubscriber).filter((s) => s.communes.some((c) => wanted.has(c)));
    },
    async lastFannedOut() {
      const found = await db
        .selectFrom("mail_cursor")
        .select("last_event_id")
        .where("name", "=", CURSOR)
        .executeTakeFirst();
      return Number(found?.last_event_id ?? 0);
    },
    async storeFanOut(eventId, mails, now) {
      await db.transaction().execute(async (tx) => {
        for (const mail of mails) {
          await tx
            .insertInto("mail_outbox")
            .values(row(mail, now))
            .onConflict((oc) => oc.columns(["event_id", "subscriber_id"]).doNothing())
            .execute();
        }
        await tx
          .insertInto("mail_cursor")
          .values({ name: CURSOR, last_event_id: eventId })
          .onConflict((oc) => oc.column("name").doUpdateSet({ last_event_id: eventId }))
          .execute();
      });
    },
    async enqueue(mail, now) {
      await db.insertInto("mail_outbox").values(row(mail, now)).execute();
    },
    async due(now, limit) {
      const rows = await db
        .selectFrom("mail_outbox")
        .selectAll()
        .where("state", "=", "pending")
        .where("next_attempt_at", "<=", now)
        .orderBy("id")
        .limit(limit)
        .execute();
      return rows.map(toMail);
    },
    async sentSince(recipient, since) {
      const found = await db
        .selectFrom("mail_outbox")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("recipient", "=", recipient)
        .where("state", "=", "sent")
        .where("sent_at", ">=", since)
        .executeTakeFirst();
      return Number(found?.n ?? 0);
    },
    async markSent(id, now) {
      await db
        .updateTable("mail_outbox")
        .set((eb) => ({ state: "sent", sent_at: now, attempts: eb("attempts", "+", 1), last_error: null }))
        .where("id", "=", id)
        .execute();
    },
    async markRetry(id, error, at) {
      await db
        .updateTable("mail_outbox")
        .set((eb) => ({
          state: at === null ? "failed" : "pending",
          attempts: eb("attempts", "+", 1),
          last_error: error.slice(0, 200),
          ...(at === null ? {} : { next_attempt_at: at }),
        }))
        .where("id", "=", id)
        .execute();
    },
    async postpone(id, at) {
      await db.updateTable("mail_outbox").set({ next_attempt_at: at }).where("id", "=", id).execute();
    },
    async outbox() {
      const rows = await db.selectFrom("mail_outbox").selectAll().orderBy("id").execute();
      return rows.map((r) => ({
        ...toMail(r),
        state: r.state,
        sentAt: r.sent_at === null ? null : Number(r.sent_at),
      }));
    },
  };
}
