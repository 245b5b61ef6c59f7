import { type Kysely, type Migration, sql } from "kysely";

/** Migrations for operators, named "2026-11-22-005-…" so they sort after the ones before. */
export const operatorMigrations: Record<string, Migration> = {
  "2026-11-22-005-audit-log": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("audit_log")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("target", "text", (c) => c.notNull())
        .addColumn("source", "text")
        .addColumn("before", "text")
        .addColumn("after", "text")
        .execute();
      await db.schema.createIndex("audit_log_at").on("audit_log").column("at").execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`DROP TABLE audit_log`.execute(db);
    },
  },
};
