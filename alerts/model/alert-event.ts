import type { Bilingual } from "./messages.js";
import type { Audience, Severity } from "./rule.js";

export const TRANSITION_KINDS = [
  "opened",
  "escalated",
  "cleared",
  "acknowledged",
  "resolved",
  "reminder",
] as const;
export type TransitionKind = (typeof TRANSITION_KINDS)[number];
export type AlertState = "active" | "cleared";

/**
 * One stored transition of an alert, as every channel carries it (Socket.IO `alert`, webhooks,
 * the CAP feed). `id` grows monotonically: clients replay from the last one they saw.
 */
export interface AlertEvent {
  readonly id: number;
  readonly alertId: number;
  readonly ruleId: number;
  readonly transition: TransitionKind;
  readonly state: AlertState;
  readonly acknowledged: boolean;
  readonly severity: Severity;
  readonly audience: Audience;
  readonly metric: string;
  readonly value: number | null;
  readonly deviceId: string;
  readonly area: string | null;
  readonly message: Bilingual;
  readonly actor: string | null;
  readonly comment: string | null;
  /** ISO 8601 UTC. */
  readonly at: string;
}
