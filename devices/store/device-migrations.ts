import { type Kysely, type Migration, sql } from "kysely";
import { deviceAccessMigrations } from "./device-access-migrations.js";
import { deviceAdminMigrations } from "./device-admin-migrations.js";

/**
 * The service's first migrations: areas and devices, and the dead-letter table that the readings
 * feature owns today (readings/store/dead-letter-schema.ts). Applied migrations keep their names
 * and contents for ever, so that table is still created here.
 */
const initialMigrations: Record<string, Migration> = {
  "2026-11-21-001-devices-areas-dead-letters": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("areas")
        .addColumn("code", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("devices")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("kind", "text")
        .addColumn("area_code", "text", (c) => c.references("areas.code"))
        .addColumn("lat", "double precision")
        .addColumn("lon", "double precision")
        .addColumn("metrics", "text", (c) => c.notNull().defaultTo("[]"))
        .addColumn("registered", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("status", "text", (c) => c.notNull().defaultTo("unknown"))
        .addColumn("status_at", "bigint")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("devices_area").on("devices").column("area_code").execute();
      await db.schema
        .createTable("dead_letters")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("received_at", "bigint", (c) => c.notNull())
        .addColumn("device_id", "text")
        .addColumn("topic", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("message", "text", (c) => c.notNull())
        .addColumn("entry_index", "integer")
        .addColumn("metric", "text")
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("truncated", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex("dead_letters_received").on("dead_letters").column("received_at").execute();
      await db.schema.createIndex("dead_letters_device").on("dead_letters").column("device_id").execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`DROP TABLE dead_letters`.execute(db);
      await sql`DROP TABLE devices`.execute(db);
      await sql`DROP TABLE areas`.execute(db);
    },
  },
  "2026-11-22-002-device-flood-levels": {
    async up(db: Kysely<unknown>) {
      // JSON {"I","II","III"} in metres; null for stations without flood alarm levels.
      await db.schema.alterTable("devices").addColumn("flood_levels", "text").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("devices").dropColumn("flood_levels").execute();
    },
  },
};

/** Every migration of the devices feature. */
export const deviceMigrations: Record<string, Migration> = {
  ...initialMigrations,
  ...deviceAccessMigrations,
  ...deviceAdminMigrations,
  "2026-12-06-005-device-wqi-settings": {
    async up(db: Kysely<unknown>) {
      // JSON {"weighted", "requiredGroups"}; null: formula 4 and no required group.
      await db.schema.alterTable("devices").addColumn("wqi_settings", "text").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("devices").dropColumn("wqi_settings").execute();
    },
  },
};
