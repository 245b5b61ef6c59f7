import { type Kysely, type Migration, sql } from "kysely";

/** The industrial feature's tables, named "2026-12-06-101-…" so they sort after the ones before. */
export const industrialMigrations: Record<string, Migration> = {
  "2026-12-06-101-industrial-station-files": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("station_files")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("folder", "text", (c) => c.notNull())
        .addColumn("sha256", "text", (c) => c.notNull().unique())
        .addColumn("device_id", "text")
        .addColumn("file_at", "bigint")
        .addColumn("received_at", "bigint", (c) => c.notNull())
        .addColumn("outcome", "text", (c) => c.notNull())
        .addColumn("accepted_lines", "integer", (c) => c.notNull())
        .addColumn("refused_lines", "integer", (c) => c.notNull())
        .addColumn("problems", "text", (c) => c.notNull())
        .addColumn("archived_as", "text")
        .execute();
      await db.schema
        .createIndex("station_files_device_time")
        .on("station_files")
        .columns(["device_id", "file_at"])
        .execute();
      await db.schema
        .createTable("station_file_values")
        .addColumn("device_id", "text", (c) => c.notNull())
        .addColumn("metric", "text", (c) => c.notNull())
        .addColumn("ts", "bigint", (c) => c.notNull())
        .addColumn("value", "double precision", (c) => c.notNull())
        .addColumn("symbol", "text", (c) => c.notNull())
        .addColumn("quality", "text", (c) => c.notNull())
        .addColumn("file_id", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("station_file_values_pk", ["device_id", "metric", "ts"])
        .execute();
      await db.schema
        .createIndex("station_file_values_device_time")
        .on("station_file_values")
        .columns(["device_id", "ts"])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await sql`DROP TABLE station_file_values`.execute(db);
      await sql`DROP TABLE station_files`.execute(db);
    },
  },
};
