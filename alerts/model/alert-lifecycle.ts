/**
 * The life of an alert, as pure decisions: what a signal from the engine or an operator's action
 * does to an alert, what a reminder says, and which transitions residents may see. The alert
 * service runs these inside a database transaction; nothing here does I/O or reads a clock.
 *
 *   (none) ──open──▶ active ──escalate──▶ active (higher severity)
 *                      │  └──clear──▶ cleared
 *                      └──resolve (operator)──▶ cleared + resolved
 *   acknowledge (operator): once, on any alert not yet resolved; reminders: critical, active,
 *   unacknowledged alerts with no transition for the reminder interval.
 */
import type { ErrorCode } from "../../kernel/errors.js";
import type { AlertEvent, AlertState, TransitionKind } from "./alert-event.js";
import type { AlertSignal } from "./evaluator.js";
import type { Bilingual } from "./messages.js";
import type { Audience, Severity } from "./rule.js";

/** One stored transition, as every channel carries it (Socket.IO `alert`, webhooks, CAP). */
export type AlertTransition = AlertEvent;

/** An alert as the decisions need it (epoch milliseconds, UTC). */
export interface AlertRecord {
  readonly id: number;
  readonly ruleId: number;
  readonly ruleVersion: number;
  /** The device id. */
  readonly source: string;
  /** The rule's subject: a metric key, "aqi" or "flood_level". */
  readonly subject: string;
  readonly area: string | null;
  readonly audience: Audience;
  readonly severity: Severity;
  readonly state: AlertState;
  readonly acknowledged: boolean;
  readonly resolved: boolean;
  readonly openedAt: number;
  readonly clearedAt: number | null;
  readonly lastValue: number | null;
}

export type NewAlert = Omit<AlertRecord, "id">;
export type AlertChanges = Partial<
  Pick<AlertRecord, "severity" | "state" | "acknowledged" | "resolved" | "clearedAt" | "lastValue">
>;

/** A transition about to be stored (the store gives it its id). */
export interface TransitionDraft {
  readonly kind: TransitionKind;
  readonly at: number;
  /** null: the engine or the reminder timer; otherwise the operator. */
  readonly actor: string | null;
  readonly value: number | null;
  readonly severity: Severity;
  /** The alert's state and acknowledgement just after this transition, so a replay needs no history. */
  readonly state: AlertState;
  readonly acknowledged: boolean;
  readonly comment: string | null;
  readonly message: Bilingual;
}

/** What the store needs to know about a signal beyond the signal (the engine's context is a superset). */
export interface SignalContext {
  readonly area: string | null;
  readonly audience: Audience;
  readonly message: Bilingual;
}

export type SignalDecision =
  | { readonly kind: "none" }
  | { readonly kind: "open"; readonly alert: NewAlert; readonly transition: TransitionDraft }
  | {
      readonly kind: "change";
      readonly changes: AlertChanges;
      readonly transition: TransitionDraft;
    };

/**
 * What a signal does to the active alert of its rule and source (undefined: none is active).
 * Nothing, when it changes nothing: an open while one is active, an escalate or clear while none
 * is (an operator resolved it meanwhile).
 */
export function decideSignal(
  active: AlertRecord | undefined,
  signal: AlertSignal,
  context: SignalContext,
): SignalDecision {
  const said = { at: signal.at, actor: null, comment: null, message: context.message, value: signal.value };
  if (signal.kind === "open") {
    if (active) return { kind: "none" };
    return {
      kind: "open",
      alert: {
        ruleId: signal.ruleId,
        ruleVersion: signal.ruleVersion,
        source: signal.source,
        subject: signal.subject,
        area: context.area,
        audience: context.audience,
        severity: signal.severity,
        state: "active",
        acknowledged: false,
        resolved: false,
        openedAt: signal.at,
        clearedAt: null,
        lastValue: signal.value,
      },
      transition: {
        ...said,
        kind: "opened",
        severity: signal.severity,
        state: "active",
        acknowledged: false,
      },
    };
  }
  if (!active) return { kind: "none" };
  const lastValue = signal.value ?? active.lastValue;
  if (signal.kind === "escalate") {
    return {
      kind: "change",
      changes: { severity: signal.severity, lastValue },
      transition: {
        ...said,
        kind: "escalated",
        severity: signal.severity,
        state: "active",
        acknowledged: active.acknowledged,
      },
    };
  }
  return {
    kind: "change",
    changes: { state: "cleared", clearedAt: signal.at, lastValue },
    transition: {
      ...said,
      kind: "cleared",
      severity: active.severity,
      state: "cleared",
      acknowledged: active.acknowledged,
    },
  };
}

export type OperatorAction = "acknowledged" | "resolved";

export type ActionRefusal = {
  readonly ok: false;
  /** Codes of the catalogue (kernel/errors.ts): the API answers 404 or 409 with them. */
  readonly reason: Extract<ErrorCode, "not_found" | "conflict">;
  readonly message: string;
};

export type ActionDecision =
  | ActionRefusal
  | {
      readonly ok: true;
      readonly alert: AlertRecord;
      readonly changes: AlertChanges;
      readonly transition: TransitionDraft;
      /**
       * The alert was still active and is now resolved: the engine must forget its rule and
       * source, so a new breach opens a new alert. Resolving an alert the engine already cleared
       * must not disturb a newer alert of the same pair.
       */
      readonly closesActive: boolean;
    };

/** What an operator's acknowledgement or resolution does; `describing` is the alert's latest message. */
export function decideOperatorAction(
  alertId: number,
  alert: AlertRecord | undefined,
  action: OperatorAction,
  by: { readonly actor: string; readonly comment: string | null; readonly at: number },
  describing: Bilingual,
): ActionDecision {
  if (!alert) return { ok: false, reason: "not_found", message: `no alert ${alertId}` };
  if (alert.resolved)
    return { ok: false, reason: "conflict", message: `alert ${alertId} is already resolved` };
  if (action === "acknowledged" && alert.acknowledged) {
    return { ok: false, reason: "conflict", message: `alert ${alertId} is already acknowledged` };
  }
  const resolving = action === "resolved";
  return {
    ok: true,
    alert,
    changes: resolving
      ? { resolved: true, state: "cleared", clearedAt: alert.clearedAt ?? by.at }
      : { acknowledged: true },
    transition: {
      kind: action,
      at: by.at,
      actor: by.actor,
      value: alert.lastValue,
      severity: alert.severity,
      state: resolving ? "cleared" : alert.state,
      acknowledged: resolving ? alert.acknowledged : true,
      comment: by.comment,
      message: describing,
    },
    closesActive: resolving && alert.state === "active",
  };
}

/** The transitions whose message describes the alert (acknowledgements and reminders reuse it). */
export const DESCRIBING_KINDS: readonly TransitionKind[] = ["opened", "escalated", "cleared"];

/** Critical alerts that stay active and unacknowledged are repeated to operators. */
export const REMINDED_SEVERITY: Severity = "critical";

/** The reminder of an alert that is due one (see REMINDED_SEVERITY). */
export function reminderFor(alert: AlertRecord, at: number, describing: Bilingual): TransitionDraft {
  return {
    kind: "reminder",
    at,
    actor: null,
    value: alert.lastValue,
    severity: alert.severity,
    state: "active",
    acknowledged: false,
    comment: null,
    message: {
      vi: `Nhắc lại (chưa xác nhận): ${describing.vi}`,
      en: `Reminder (not acknowledged): ${describing.en}`,
    },
  };
}

/** Which transitions a client may see; every field narrows, none means everything. */
export interface TransitionFilter {
  readonly audience?: Audience;
  /** Only alerts in these areas (an alert without an area never matches). */
  readonly areas?: readonly string[];
  readonly kinds?: readonly TransitionKind[];
}

/** Residents hear of public alerts in their areas; reminders are the operators' business. */
export function publicTransitionFilter(areas: readonly string[]): TransitionFilter {
  return { audience: "public", areas, kinds: ["opened", "escalated", "cleared", "acknowledged", "resolved"] };
}

/** The same test the replay query applies, for transitions heard live. */
export function transitionMatches(filter: TransitionFilter, transition: AlertTransition): boolean {
  if (filter.audience !== undefined && transition.audience !== filter.audience) return false;
  if (filter.areas !== undefined && (transition.area === null || !filter.areas.includes(transition.area))) {
    return false;
  }
  if (filter.kinds !== undefined && !filter.kinds.includes(transition.transition)) return false;
  return true;
}
