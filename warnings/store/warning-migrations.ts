import { type Kysely, type Migration, sql } from "kysely";

/** Agencies, their members, warnings and their events (tables in warning-schema.ts). */
export const warningMigrations: Record<string, Migration> = {
  "2026-12-06-013-warning-network": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("agencies")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("code", "text", (c) => c.notNull().unique())
        .addColumn("name_vi", "text", (c) => c.notNull())
        .addColumn("name_en", "text")
        .addColumn("hazards", "text", (c) => c.notNull())
        .addColumn("communes", "text", (c) => c.notNull())
        .addColumn("second_approval", "integer", (c) => c.notNull().defaultTo(1))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("agency_members")
        .addColumn("agency_id", "integer", (c) => c.notNull().references("agencies.id"))
        .addColumn("username", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("agency_members_pk", ["agency_id", "username"])
        .execute();
      await db.schema.createIndex("agency_members_user").on("agency_members").column("username").execute();
      await db.schema
        .createTable("warnings")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("agency_id", "integer", (c) => c.notNull().references("agencies.id"))
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("hazard", "text", (c) => c.notNull())
        .addColumn("base_level", "integer", (c) => c.notNull())
        .addColumn("concurrent_raise", "integer", (c) => c.notNull())
        .addColumn("level", "integer", (c) => c.notNull())
        .addColumn("headline_vi", "text", (c) => c.notNull())
        .addColumn("headline_en", "text")
        .addColumn("description_vi", "text", (c) => c.notNull())
        .addColumn("description_en", "text")
        .addColumn("instruction_vi", "text", (c) => c.notNull())
        .addColumn("instruction_en", "text")
        .addColumn("onset", "bigint", (c) => c.notNull())
        .addColumn("expires", "bigint", (c) => c.notNull())
        .addColumn("refs", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_by", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("published_by", "text")
        .addColumn("published_at", "bigint")
        .addColumn("ended_by", "text")
        .addColumn("ended_at", "bigint")
        .execute();
      await db.schema.createIndex("warnings_state").on("warnings").columns(["state", "expires"]).execute();
      await db.schema
        .createTable("warning_communes")
        .addColumn("warning_id", "integer", (c) => c.notNull().references("warnings.id"))
        .addColumn("commune", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("warning_communes_pk", ["warning_id", "commune"])
        .execute();
      await db.schema
        .createIndex("warning_communes_commune")
        .on("warning_communes")
        .columns(["commune", "warning_id"])
        .execute();
      await db.schema
        .createTable("warning_events")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("warning_id", "integer", (c) => c.notNull().references("warnings.id"))
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("snapshot", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("warning_events_warning")
        .on("warning_events")
        .columns(["warning_id", "id"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ["warning_events", "warning_communes", "warnings", "agency_members", "agencies"]) {
        await sql`DROP TABLE ${sql.table(table)}`.execute(db);
      }
    },
  },
  "2026-12-06-014-warning-mail": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("mail_subscribers")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("email", "text", (c) => c.notNull().unique())
        .addColumn("communes", "text", (c) => c.notNull())
        .addColumn("token", "text", (c) => c.notNull().unique())
        .addColumn("base_url", "text", (c) => c.notNull())
        .addColumn("confirmed", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("confirmed_at", "bigint")
        .execute();
      await db.schema
        .createTable("mail_outbox")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("event_id", "integer")
        .addColumn("subscriber_id", "integer", (c) => c.notNull())
        .addColumn("recipient", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
        .addColumn("last_error", "text")
        .addColumn("sent_at", "bigint")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      // One mail per event and subscriber, however often the fan-out runs.
      await db.schema
        .createIndex("mail_outbox_once")
        .on("mail_outbox")
        .columns(["event_id", "subscriber_id"])
        .unique()
        .execute();
      await db.schema
        .createIndex("mail_outbox_due")
        .on("mail_outbox")
        .columns(["state", "next_attempt_at"])
        .execute();
      await db.schema
        .createIndex("mail_outbox_recipient")
        .on("mail_outbox")
        .columns(["recipient", "sent_at"])
        .execute();
      await db.schema
        .createTable("mail_cursor")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("last_event_id", "integer", (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ["mail_cursor", "mail_outbox", "mail_subscribers"]) {
        await sql`DROP TABLE ${sql.table(table)}`.execute(db);
      }
    },
  },
};
