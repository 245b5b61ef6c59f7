import { type Kysely, type Migration, sql } from "kysely";

/** Stable SensorThings ids and per-station publication settings (tables in open-data-schema.ts). */
export const openDataMigrations: Record<string, Migration> = {
  "2026-12-06-014-open-data": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("open_data_ids")
        .addColumn("entity", "text", (c) => c.notNull())
        .addColumn("natural_key", "text", (c) => c.notNull())
        .addColumn("id", "bigint", (c) => c.notNull())
        .addColumn("assigned_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("open_data_ids_pk", ["entity", "natural_key"])
        .addUniqueConstraint("open_data_ids_unique_id", ["entity", "id"])
        .execute();
      await db.schema
        .createTable("open_data_stations")
        .addColumn("device_id", "text", (c) => c.primaryKey())
        .addColumn("visibility", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`DROP TABLE open_data_stations`.execute(db);
      await sql`DROP TABLE open_data_ids`.execute(db);
    },
  },
};
