import type { Migration } from "kysely";
import { alertMigrations } from "./alert-migrations.js";
import type { AlertTables } from "./alert-schema.js";
import { alertStateMigrations } from "./alert-state-migrations.js";
import type { AlertStateTables } from "./alert-state-store.js";
import { webhookMigrations } from "./webhook-migrations.js";
import type { WebhookTables } from "./webhook-schema.js";

/** The alerts feature's tables in the metadata database: rules, alerts, engine state, webhooks. */
export interface AlertFeatureTables extends AlertTables, AlertStateTables, WebhookTables {}

/** Every migration of the alerts feature. */
export const alertFeatureMigrations: Record<string, Migration> = {
  ...alertMigrations,
  ...alertStateMigrations,
  ...webhookMigrations,
};
