import { type Kysely, type Migration, sql } from "kysely";

/**
 * Webhooks and their deliveries (tables in alerts/store/webhook-schema.ts). An early draft of migration
 * 006 created both tables with these columns; "if not exists" keeps this one right for a database
 * made by that draft.
 */
export const webhookMigrations: Record<string, Migration> = {
  "2026-11-22-008-webhooks": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("webhooks")
        .ifNotExists()
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("audience", "text", (c) => c.notNull())
        .addColumn("secret", "text", (c) => c.notNull())
        .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("webhook_deliveries")
        .ifNotExists()
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("webhook_id", "integer", (c) => c.notNull().references("webhooks.id"))
        .addColumn("transition_id", "integer", (c) => c.notNull().references("alert_transitions.id"))
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
        .addColumn("last_error", "text")
        .addColumn("delivered_at", "bigint")
        .addUniqueConstraint("webhook_deliveries_once", ["webhook_id", "transition_id"])
        .execute();
      await db.schema
        .createIndex("webhook_deliveries_due")
        .ifNotExists()
        .on("webhook_deliveries")
        .columns(["status", "next_attempt_at"])
        .execute();
      await db.schema
        .createIndex("webhook_deliveries_transition")
        .ifNotExists()
        .on("webhook_deliveries")
        .column("transition_id")
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`DROP INDEX IF EXISTS webhook_deliveries_transition`.execute(db);
    },
  },
};
