import type { Generated } from "kysely";

/**
 * Tables of webhook delivery (migration "2026-11-22-008-webhooks"). The same shapes as the ones
 * alerts/store/alert-schema.ts declared first, so MetadataDatabase may extend both while they coexist.
 */
export interface WebhookTables {
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export interface WebhooksTable {
  id: Generated<number>;
  name: string;
  url: string;
  /** "operators" | "public" */
  audience: string;
  /** Kept in clear: an HMAC signature needs the key itself, not a hash of it. */
  secret: string;
  enabled: number;
  created_at: number;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: number;
  /** alert_transitions.id: the event delivered, and the receiver's de-duplication key. */
  transition_id: number;
  /** "pending" (not tried yet) | "failed" (retry scheduled) | "delivered" | "dead" (gave up) */
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  delivered_at: number | null;
}
