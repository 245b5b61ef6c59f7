import { type Kysely, type Migration, sql } from "kysely";

/**
 * The alert engine's evaluation state per (rule, source), so durations, streaks and no-data timers
 * survive a restart. "IF NOT EXISTS": an earlier alerts migration (006) may have created the same
 * table already; either way the table ends up with these columns.
 */
export const alertStateMigrations: Record<string, Migration> = {
  "2026-11-22-007-alert-rule-state": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("alert_rule_state")
        .ifNotExists()
        .addColumn("rule_id", "integer", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("alert_rule_state_pk", ["rule_id", "source"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`DROP TABLE IF EXISTS alert_rule_state`.execute(db);
    },
  },
};
