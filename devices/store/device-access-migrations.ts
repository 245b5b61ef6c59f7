import { type Kysely, type Migration, sql } from "kysely";

/** Migrations for device access, named "2026-11-22-003-…" so they sort after the ones before. */
export const deviceAccessMigrations: Record<string, Migration> = {
  "2026-11-22-003-device-credentials-lifecycle": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("device_credentials")
        .addColumn("device_id", "text", (c) => c.primaryKey().references("devices.id").onDelete("cascade"))
        .addColumn("secret_hash", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("rotated_at", "bigint")
        .execute();
      await db.schema
        .alterTable("devices")
        .addColumn("lifecycle", "text", (c) =>
          c
            .notNull()
            .defaultTo("active")
            .check(sql`lifecycle IN ('active', 'maintenance', 'decommissioned')`),
        )
        .execute();
      // JSON {metric: {offset, scale}}: value' = value * scale + offset; null when uncalibrated.
      await db.schema.alterTable("devices").addColumn("calibration", "text").execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("devices").dropColumn("calibration").execute();
      await db.schema.alterTable("devices").dropColumn("lifecycle").execute();
      await sql`DROP TABLE device_credentials`.execute(db);
    },
  },
};
