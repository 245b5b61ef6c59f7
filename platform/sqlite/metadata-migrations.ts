import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import { alertMigrations } from "../../alerts/store/alert-migrations.js";
import { alertStateMigrations } from "../../alerts/store/alert-state-migrations.js";
import { webhookMigrations } from "../../alerts/store/webhook-migrations.js";
import { operatorMigrations } from "../../auth/store/operator-migrations.js";
import { deviceAccessMigrations } from "../../devices/store/device-access-migrations.js";
import { deviceAdminMigrations } from "../../devices/store/device-admin-migrations.js";

/** Schema history of the metadata database. Append new migrations; never edit applied ones. */
const migrations: Record<string, Migration> = {
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

const provider: MigrationProvider = {
  getMigrations: async () => ({
    ...migrations,
    ...deviceAccessMigrations,
    ...deviceAdminMigrations,
    ...operatorMigrations,
    ...alertMigrations,
    ...alertStateMigrations,
    ...webhookMigrations,
  }),
};

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  // Features add migrations with earlier names than ones already applied (003–005 after 006 on a
  // database made before the security work): apply them rather than refuse to start.
  const { error, results } = await new Migrator({
    db,
    provider,
    allowUnorderedMigrations: true,
  }).migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? "");
    throw new Error(`metadata migration ${failed?.migrationName ?? ""} failed: ${cause}`);
  }
}
