import type { AlertEvent } from "../../model/alert-event.js";

/** Stored alert transitions as the webhook dispatcher sees them (the alert store has both methods). */
export interface AlertTransitionSource {
  /** Called after a transition is stored; answers the unsubscribe function. */
  onTransition(listener: (transition: AlertEvent) => void): () => void;
  /** A stored transition by id (for a retry, possibly after a restart). */
  transition(id: number): Promise<AlertEvent | undefined>;
}
