import { type Kysely, type Migration, sql } from "kysely";

/** Migrations for device administration, named "2026-11-22-004-…" so they sort after the ones before. */
export const deviceAdminMigrations: Record<string, Migration> = {
  "2026-11-22-004-device-calibration-history": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("device_calibrations")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("device_id", "text", (c) => c.notNull())
        .addColumn("applied_from", "bigint", (c) => c.notNull())
        .addColumn("calibration", "text")
        .addColumn("actor", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("device_calibrations_device")
        .on("device_calibrations")
        .columns(["device_id", "applied_from"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`DROP TABLE device_calibrations`.execute(db);
    },
  },
};
