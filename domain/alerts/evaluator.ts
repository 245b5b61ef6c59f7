import type { AlertRule, Condition, Severity } from "./rule.js";
import { severityRank } from "./rule.js";
import { withinSchedule } from "./schedule.js";

/**
 * Pure evaluation of one rule for one source (station). The state is plain JSON so the engine
 * can persist it: a duration that is 10 minutes into 15 still completes after a restart.
 */
export interface EvaluationState {
  /** An alert is open for this rule and source. */
  active: boolean;
  severity?: Severity;
  /** When the current breach began (duration conditions). */
  breachSince?: number;
  /** Consecutive breaching readings (repeat conditions). */
  streak?: number;
  /** Recent samples (rate conditions), oldest first, thinned to at most RATE_SAMPLES. */
  window?: [number, number][];
  /** Time of the newest sample (no-data conditions). */
  lastSeen?: number;
  lastValue?: number;
  lastClearedAt?: number;
}

export interface Sample {
  readonly ts: number;
  readonly value: number;
}

export type SignalKind = "open" | "escalate" | "clear";

export interface AlertSignal {
  readonly kind: SignalKind;
  readonly ruleId: number;
  readonly ruleVersion: number;
  readonly source: string;
  readonly subject: string;
  /** null for a no-data alert. */
  readonly value: number | null;
  readonly severity: Severity;
  readonly at: number;
}

export interface Evaluation {
  readonly state: EvaluationState;
  readonly signals: AlertSignal[];
}

/** What a tick needs to know about the service: no-data alerts wait `graceMs` after `startedAt`. */
export interface TickContext {
  readonly startedAt: number;
  readonly graceMs: number;
}

const RATE_SAMPLES = 120;

export const initialState = (): EvaluationState => ({ active: false });

type LevelCondition = Extract<Condition, { type: "threshold" | "duration" | "repeat" }>;

function breaches(c: LevelCondition, value: number): boolean {
  return c.above !== undefined ? value > c.above : value < (c.below as number);
}

/** Hysteresis: an open alert clears only past the clear level, not merely back inside the trigger. */
function clears(c: LevelCondition, value: number): boolean {
  return c.above !== undefined
    ? value < (c.clearBelow ?? c.above)
    : value > (c.clearAbove ?? (c.below as number));
}

const holdMs = (c: LevelCondition): number =>
  c.type === "duration" ? c.seconds * 1000 : c.type === "threshold" ? c.forSeconds * 1000 : 0;

/** Change within the window: the newest value against the oldest kept sample. */
function change(window: readonly [number, number][], value: number): number {
  const oldest = window[0];
  return oldest === undefined ? 0 : value - oldest[1];
}

function severityFor(rule: AlertRule, value: number | null): Severity {
  let severity = rule.severity;
  if (value === null) return severity;
  for (const step of rule.escalation ?? []) {
    const beyond = step.above !== undefined ? value > step.above : value < (step.below as number);
    if (beyond && severityRank(step.severity) > severityRank(severity)) severity = step.severity;
  }
  return severity;
}

function signal(
  rule: AlertRule,
  source: string,
  kind: SignalKind,
  value: number | null,
  severity: Severity,
  at: number,
): AlertSignal {
  return {
    kind,
    ruleId: rule.id,
    ruleVersion: rule.version,
    source,
    subject: rule.metric,
    value,
    severity,
    at,
  };
}

/** Opens unless the schedule forbids it or the cooldown after the last clear still runs. */
function tryOpen(
  rule: AlertRule,
  source: string,
  state: EvaluationState,
  value: number | null,
  at: number,
): Evaluation {
  const cooling = state.lastClearedAt !== undefined && at - state.lastClearedAt < rule.cooldownSeconds * 1000;
  if (cooling || !withinSchedule(rule.schedule, at)) return { state, signals: [] };
  const severity = severityFor(rule, value);
  return {
    state: { ...state, active: true, severity, breachSince: undefined, streak: undefined },
    signals: [signal(rule, source, "open", value, severity, at)],
  };
}

function clear(
  rule: AlertRule,
  source: string,
  state: EvaluationState,
  value: number | null,
  at: number,
): Evaluation {
  const severity = state.severity ?? rule.severity;
  return {
    state: {
      ...state,
      active: false,
      severity: undefined,
      breachSince: undefined,
      streak: undefined,
      lastClearedAt: at,
    },
    signals: [signal(rule, source, "clear", value, severity, at)],
  };
}

function escalateIfWorse(
  rule: AlertRule,
  source: string,
  state: EvaluationState,
  value: number,
  at: number,
): Evaluation {
  const current = state.severity ?? rule.severity;
  const next = severityFor(rule, value);
  if (severityRank(next) <= severityRank(current)) return { state, signals: [] };
  return {
    state: { ...state, severity: next },
    signals: [signal(rule, source, "escalate", value, next, at)],
  };
}

/** A new sample of the rule's subject from `source`. */
export function evaluate(
  rule: AlertRule,
  source: string,
  previous: EvaluationState,
  sample: Sample,
): Evaluation {
  const { ts, value } = sample;
  const state: EvaluationState = {
    ...previous,
    lastSeen: Math.max(previous.lastSeen ?? ts, ts),
    lastValue: value,
  };
  const c = rule.condition;

  if (c.type === "nodata")
    return state.active ? clear(rule, source, state, value, ts) : { state, signals: [] };

  if (c.type === "rate") {
    const window = (state.window ?? []).filter(([t]) => t >= ts - c.windowSeconds * 1000 && t <= ts);
    const delta = change(window, value);
    const rise = c.risesBy !== undefined ? delta : -delta;
    const trigger = (c.risesBy ?? c.fallsBy) as number;
    window.push([ts, value]);
    // Thin evenly: keep every other sample once full, so the window spans its whole length.
    const thinned =
      window.length > RATE_SAMPLES ? window.filter((_, i) => i % 2 === 0 || i === window.length - 1) : window;
    const next = { ...state, window: thinned };
    if (!next.active)
      return rise > trigger ? tryOpen(rule, source, next, value, ts) : { state: next, signals: [] };
    return rise <= (c.clearAt ?? trigger / 2)
      ? clear(rule, source, next, value, ts)
      : escalateIfWorse(rule, source, next, value, ts);
  }

  if (state.active) {
    return clears(c, value)
      ? clear(rule, source, state, value, ts)
      : escalateIfWorse(rule, source, state, value, ts);
  }
  if (!breaches(c, value))
    return { state: { ...state, breachSince: undefined, streak: undefined }, signals: [] };
  if (c.type === "repeat") {
    const streak = (state.streak ?? 0) + 1;
    return streak >= c.count
      ? tryOpen(rule, source, { ...state, streak }, value, ts)
      : { state: { ...state, streak }, signals: [] };
  }
  const breachSince = state.breachSince ?? ts;
  if (ts - breachSince >= holdMs(c)) return tryOpen(rule, source, { ...state, breachSince }, value, ts);
  return { state: { ...state, breachSince }, signals: [] };
}

/**
 * Time passing without a sample: a duration that has now held long enough, or a source that
 * has gone quiet. `state.lastSeen` absent means never heard since tracking began.
 */
export function tick(
  rule: AlertRule,
  source: string,
  state: EvaluationState,
  now: number,
  context: TickContext,
): Evaluation {
  const c = rule.condition;
  if (c.type === "nodata") {
    if (state.active || now < context.startedAt + context.graceMs) return { state, signals: [] };
    const quietSince = state.lastSeen ?? context.startedAt;
    return now - quietSince > c.seconds * 1000
      ? tryOpen(rule, source, state, null, now)
      : { state, signals: [] };
  }
  if ((c.type === "threshold" || c.type === "duration") && !state.active && state.breachSince !== undefined) {
    if (
      state.lastValue !== undefined &&
      breaches(c, state.lastValue) &&
      now - state.breachSince >= holdMs(c)
    ) {
      return tryOpen(rule, source, state, state.lastValue, now);
    }
  }
  return { state, signals: [] };
}
