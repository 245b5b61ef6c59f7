import type { Migration } from "kysely";

/** Migrations for device administration, named "2026-11-22-004-…" so they sort after the ones before. */
export const deviceAdminMigrations: Record<string, Migration> = {};
