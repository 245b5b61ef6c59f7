import { type Kysely, type Migration, sql } from "kysely";

/** Migrations for operators, named "2026-11-22-005-…" (and later) so they sort after the ones before. */
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
  // The audit log above shipped first; accounts come in their own migration so it stays untouched.
  "2026-11-22-005-operators-users": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("users")
        .addColumn("username", "text", (c) => c.primaryKey())
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("failed_attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("locked_until", "bigint")
        .execute();
      await db.schema
        .createTable("refresh_tokens")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("family", "text", (c) => c.notNull())
        .addColumn("username", "text", (c) => c.notNull().references("users.username").onDelete("cascade"))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("revoked", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex("refresh_tokens_family").on("refresh_tokens").column("family").execute();
      await db.schema.createIndex("refresh_tokens_user").on("refresh_tokens").column("username").execute();
      await db.schema
        .createIndex("audit_log_actor_action")
        .on("audit_log")
        .columns(["actor", "action"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`DROP INDEX audit_log_actor_action`.execute(db);
      await sql`DROP TABLE refresh_tokens`.execute(db);
      await sql`DROP TABLE users`.execute(db);
    },
  },
  // Revoking access tokens before they expire: each carries the account's session version, and
  // ending the account's sessions (password reset, disabling, a refresh token reused) bumps it.
  "2026-11-23-009-operators-session-version": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("users")
        .addColumn("session_version", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`ALTER TABLE users DROP COLUMN session_version`.execute(db);
    },
  },
};
