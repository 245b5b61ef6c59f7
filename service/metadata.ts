/**
 * The metadata database of this service: every feature's tables and migrations in one place.
 * Repositories take a Kysely of their own feature's tables; this type holds them all.
 */
import type Database from "better-sqlite3";
import type { Kysely } from "kysely";
import { type AlertFeatureTables, alertFeatureMigrations } from "../alerts/index.js";
import { type OperatorTables, operatorMigrations } from "../auth/index.js";
import { type DeviceTables, deviceMigrations } from "../devices/index.js";
import { type IndustrialTables, industrialMigrations } from "../industrial/index.js";
import { openMetadataDatabase } from "../platform/sqlite/metadata-database.js";
import type { Migrations } from "../platform/sqlite/metadata-migrations.js";
import type { DeadLetterTables } from "../readings/index.js";

export interface MetadataDatabase
  extends DeviceTables,
    DeadLetterTables,
    OperatorTables,
    AlertFeatureTables,
    IndustrialTables {}

export const METADATA_MIGRATIONS: Migrations = {
  ...deviceMigrations,
  ...operatorMigrations,
  ...alertFeatureMigrations,
  ...industrialMigrations,
};

export function openServiceMetadata(sqlite: Database.Database): Promise<Kysely<MetadataDatabase>> {
  return openMetadataDatabase<MetadataDatabase>(sqlite, METADATA_MIGRATIONS);
}
