import { type Kysely, type Migration, sql } from "kysely";

/** Migrations for alerts, named "2026-11-22-006-…" so they sort after the ones before. */
export const alertMigrations: Record<string, Migration> = {
  "2026-11-22-006-alerts": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("alert_rules")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
        .addColumn("deleted", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("alert_rule_versions")
        .addColumn("rule_id", "integer", (c) => c.notNull().references("alert_rules.id"))
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("definition", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("actor", "text")
        .addPrimaryKeyConstraint("alert_rule_versions_pk", ["rule_id", "version"])
        .execute();
      await db.schema
        .createTable("alerts")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("rule_id", "integer", (c) => c.notNull().references("alert_rules.id"))
        .addColumn("rule_version", "integer", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("area", "text")
        .addColumn("audience", "text", (c) => c.notNull())
        .addColumn("severity", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("acknowledged", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("resolved", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("opened_at", "bigint", (c) => c.notNull())
        .addColumn("cleared_at", "bigint")
        .addColumn("last_value", "double precision")
        .addColumn("is_open", "integer")
        .execute();
      // One active alert per (rule, source): NULLs do not collide, so cleared alerts are free.
      await db.schema
        .createIndex("alerts_one_open")
        .unique()
        .on("alerts")
        .columns(["rule_id", "source", "is_open"])
        .execute();
      await db.schema.createIndex("alerts_opened").on("alerts").column("opened_at").execute();
      await db.schema.createIndex("alerts_area").on("alerts").column("area").execute();
      await db.schema
        .createTable("alert_transitions")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("alert_id", "integer", (c) => c.notNull().references("alerts.id"))
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("actor", "text")
        .addColumn("value", "double precision")
        .addColumn("severity", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("acknowledged", "integer", (c) => c.notNull())
        .addColumn("comment", "text")
        .addColumn("message_vi", "text", (c) => c.notNull())
        .addColumn("message_en", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("alert_transitions_alert")
        .on("alert_transitions")
        .column("alert_id")
        .execute();
      await db.schema
        .createTable("alert_rule_state")
        .addColumn("rule_id", "integer", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("alert_rule_state_pk", ["rule_id", "source"])
        .execute();
      await db.schema
        .createTable("webhooks")
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
        .on("webhook_deliveries")
        .columns(["status", "next_attempt_at"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of [
        "webhook_deliveries",
        "webhooks",
        "alert_rule_state",
        "alert_transitions",
        "alerts",
        "alert_rule_versions",
        "alert_rules",
      ]) {
        await sql`DROP TABLE ${sql.table(table)}`.execute(db);
      }
    },
  },
};
