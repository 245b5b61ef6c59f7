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
import { type OpenDataTables, openDataMigrations } from "../open-data/index.js";
import { type FenceTables, fenceMigrations } from "../platform/cluster/fence-store.js";
import type { ServiceConfig } from "../platform/config.js";
import { openPostgresMetadataDatabase } from "../platform/postgres/postgres-metadata-database.js";
import { openMetadataDatabase } from "../platform/sqlite/metadata-database.js";
import type { Migrations } from "../platform/sqlite/metadata-migrations.js";
import type { DeadLetterTables } from "../readings/index.js";
import { type WarningTables, warningMigrations } from "../warnings/index.js";

export interface MetadataDatabase
  extends DeviceTables,
    DeadLetterTables,
    OperatorTables,
    AlertFeatureTables,
    OpenDataTables,
    WarningTables,
    FenceTables,
    IndustrialTables {}

export const METADATA_MIGRATIONS: Migrations = {
  ...deviceMigrations,
  ...operatorMigrations,
  ...alertFeatureMigrations,
  ...openDataMigrations,
  ...warningMigrations,
  ...fenceMigrations,
  ...industrialMigrations,
};

export function openServiceMetadata(sqlite: Database.Database): Promise<Kysely<MetadataDatabase>> {
  return openMetadataDatabase<MetadataDatabase>(sqlite, METADATA_MIGRATIONS);
}

/** Where the metadata lives: PostgreSQL when DATABASE_URL is set, else the embedded database. */
export type MetadataLocation = Pick<ServiceConfig, "DATABASE_URL" | "DATABASE_POOL_MAX">;

/** The metadata database the configuration names, migrated to every feature's latest schema. */
export function openConfiguredMetadata(
  location: MetadataLocation,
  sqlite: () => Database.Database,
): Promise<Kysely<MetadataDatabase>> {
  if (location.DATABASE_URL === undefined) return openServiceMetadata(sqlite());
  return openPostgresMetadataDatabase<MetadataDatabase>(location.DATABASE_URL, METADATA_MIGRATIONS, {
    maxConnections: location.DATABASE_POOL_MAX,
  });
}
