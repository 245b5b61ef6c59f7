import type { Migration } from "kysely";

/** Migrations for this feature, named "2026-11-22-005-…" so they sort after the ones before. */
export const operatorMigrations: Record<string, Migration> = {};
