import type { Generated } from "kysely";

/**
 * Tables of alert rules, alerts and their transitions (alerts/store/alert-migrations.ts). Times are
 * epoch milliseconds, UTC; booleans are 0/1.
 */
export interface AlertTables {
  alert_rules: AlertRulesTable;
  alert_rule_versions: AlertRuleVersionsTable;
  alerts: AlertsTable;
  alert_transitions: AlertTransitionsTable;
}

/** A rule's identity and where it stands; its definitions are in alert_rule_versions. */
export interface AlertRulesTable {
  id: Generated<number>;
  /** The current version (a row of alert_rule_versions). */
  version: number;
  enabled: number;
  /** Soft delete: alerts raised under the rule keep pointing at its versions. */
  deleted: number;
  created_at: number;
  updated_at: number;
}

export interface AlertRuleVersionsTable {
  rule_id: number;
  version: number;
  /** JSON of the RuleDefinition as validated when written. */
  definition: string;
  created_at: number;
  /** The operator who wrote this version. */
  actor: string | null;
}

export interface AlertsTable {
  id: Generated<number>;
  rule_id: number;
  /** The rule version the alert opened under. */
  rule_version: number;
  /** The device id. */
  source: string;
  /** The rule's subject: a metric key, "aqi" or "flood_level". */
  subject: string;
  area: string | null;
  /** "operators" | "public" */
  audience: string;
  /** "minor" | "major" | "critical": the current one (it climbs on escalation). */
  severity: string;
  /** "active" | "cleared". A unique partial index allows one active alert per (rule_id, source). */
  state: string;
  acknowledged: number;
  /** An operator closed the alert (it is then cleared, if it was not already). */
  resolved: number;
  opened_at: number;
  /** When the engine cleared it or an operator resolved it, whichever came first. */
  cleared_at: number | null;
  last_value: number | null;
}

export interface AlertTransitionsTable {
  /** AUTOINCREMENT: the monotonic event id that clients replay from (`lastAlertId`). */
  id: Generated<number>;
  alert_id: number;
  /** "opened" | "escalated" | "cleared" | "acknowledged" | "resolved" | "reminder" */
  kind: string;
  at: number;
  /** null: the engine (or the reminder timer); otherwise the operator. */
  actor: string | null;
  value: number | null;
  severity: string;
  /** The alert's state and acknowledgement just after this transition, so a replay needs no history. */
  state: string;
  acknowledged: number;
  comment: string | null;
  message_vi: string;
  message_en: string;
}
