import { type Kysely, type Migration, sql } from "kysely";

/**
 * Alert rules (versioned), alerts and their transitions; tables in alerts/store/alert-schema.ts. Named
 * "2026-11-22-006-…" so they sort after the migrations they build on (devices, operators).
 */
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
        .execute();
      // One active alert per (rule, source); cleared and resolved alerts are outside the index.
      // Raw SQL: a partial index's WHERE must be literal, not a bound parameter.
      await sql`CREATE UNIQUE INDEX alerts_one_active ON alerts (rule_id, source) WHERE state = 'active'`.execute(
        db,
      );
      await db.schema.createIndex("alerts_opened").on("alerts").column("opened_at").execute();
      await db.schema.createIndex("alerts_area").on("alerts").columns(["area", "opened_at"]).execute();
      await db.schema
        .createTable("alert_transitions")
        // AUTOINCREMENT: ids are never reused, so `lastAlertId` always means the same event.
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
        .columns(["alert_id", "id"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ["alert_transitions", "alerts", "alert_rule_versions", "alert_rules"]) {
        await sql`DROP TABLE ${sql.table(table)}`.execute(db);
      }
    },
  },
};
