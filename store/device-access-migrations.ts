import type { Migration } from "kysely";

/** Migrations for this feature, named "2026-11-22-003-…" so they sort after the ones before. */
export const deviceAccessMigrations: Record<string, Migration> = {};
