import type { Generated } from "kysely";

/** Tables for alert rules, alerts, their transitions, evaluation state and webhook deliveries. */
export interface AlertTables {
  alert_rules: AlertRulesTable;
  alert_rule_versions: AlertRuleVersionsTable;
  alerts: AlertsTable;
  alert_transitions: AlertTransitionsTable;
  alert_rule_state: AlertRuleStateTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export interface AlertRulesTable {
  id: Generated<number>;
  version: number;
  enabled: number;
  deleted: number;
  created_at: number;
  updated_at: number;
}

export interface AlertRuleVersionsTable {
  rule_id: number;
  version: number;
  /** JSON of the RuleDefinition. */
  definition: string;
  created_at: number;
  actor: string | null;
}

export interface AlertsTable {
  id: Generated<number>;
  rule_id: number;
  rule_version: number;
  source: string;
  subject: string;
  area: string | null;
  audience: string;
  severity: string;
  /** "active" | "cleared" */
  state: string;
  acknowledged: number;
  resolved: number;
  opened_at: number;
  cleared_at: number | null;
  last_value: number | null;
  /** 1 while active: a unique index on (rule_id, source, is_open) allows one open alert per pair. */
  is_open: number | null;
}

export interface AlertTransitionsTable {
  /** The monotonic event id clients replay from (`lastAlertId`). */
  id: Generated<number>;
  alert_id: number;
  kind: string;
  at: number;
  /** null: the engine; otherwise the operator. */
  actor: string | null;
  value: number | null;
  severity: string;
  /** The alert's state and acknowledgement just after this transition. */
  state: string;
  acknowledged: number;
  comment: string | null;
  message_vi: string;
  message_en: string;
}

export interface AlertRuleStateTable {
  rule_id: number;
  source: string;
  /** JSON of the evaluator's state. */
  state: string;
  updated_at: number;
}

export interface WebhooksTable {
  id: Generated<number>;
  name: string;
  url: string;
  audience: string;
  /** Kept in clear: an HMAC signature needs the key itself. */
  secret: string;
  enabled: number;
  created_at: number;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: number;
  transition_id: number;
  /** "pending" | "delivered" | "dead" */
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  delivered_at: number | null;
}
