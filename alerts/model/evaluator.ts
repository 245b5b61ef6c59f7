import type { AlertRule, Condition, Severity } from "./rule.js";
import { severityRank } from "./rule.js";
import { withinSchedule } from "./schedule.js";

/**
 * Pure evaluation of one rule for one source (station). The state is plain JSON so the engine
 * can persist it: a duration that is 10 minutes into 15 still completes after a restart.
 *
 * Decisions (README.md in this folder says the same for rule authors):
 * - One time base per condition. Reading-driven conditions (threshold, duration, repeat, rate)
 *   live on each source's own time line, the readings' timestamps: holding, cooldowns and
 *   schedules are measured there, signals are stamped there, and only a reading moves that line
 *   (`evaluate`); the clock of a tick is never compared with it, since a backlog stamped 30 minutes
 *   ago would otherwise complete a duration or end a cooldown "now". No-data rules live on the
 *   clock only (`tick`): silence counts from when a sample last arrived, whatever its stamp.
 * - A reading older than the newest one already evaluated (a backlog arriving late) is stored but
 *   does not re-run history.
 * - Hysteresis: an alert opens strictly beyond the trigger and clears strictly beyond the clear
 *   level; without a clear level, as soon as the value is back at or inside the trigger. A value
 *   moving inside the band changes nothing.
 * - Cooldown: after a clear (or an operator's resolve) the same rule and source do not open again
 *   for `cooldownSeconds`; a breach still holding after it opens with the first reading after it.
 * - Schedule: outside it nothing opens; an alert already open stays open and clears normally (an
 *   alert is about the environment, not about the rota; closing it at 17:00 would hide a real one).
 *   A duration or repeat that completes outside the schedule opens with the first reading inside it.
 * - Escalation: while active, the severity only climbs, at once when the value passes a step.
 * - A new rule version keeps an open alert (it clears under the new condition) but starts the
 *   progress towards opening (duration, streak, rate window) afresh.
 */
export interface EvaluationState {
  /** An alert is open for this rule and source. */
  active: boolean;
  severity?: Severity;
  /** The rule version the progress below was counted under. */
  ruleVersion?: number;
  /** When the open alert opened. */
  openedAt?: number;
  /** When the current breach began (threshold with forSeconds, duration). */
  breachSince?: number;
  /** Consecutive breaching readings (repeat). */
  streak?: number;
  /** Recent [ts, value] samples (rate), oldest first, thinned to at most RATE_SAMPLES. */
  window?: [number, number][];
  /** Time of the newest sample evaluated (the reading's own time). */
  lastSeen?: number;
  lastValue?: number;
  /**
   * When the last sample, late or not, arrived: the clock, not a reading's time (no-data rules
   * only; they count silence from it).
   */
  lastHeardAt?: number;
  /** On the rule's time line: a reading's time, or the clock for no-data rules. */
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
  /** The device id. */
  readonly source: string;
  /** The rule's subject: a metric key, "aqi" or "flood_level". */
  readonly subject: string;
  /** null for a no-data alert, and for a clear because the rule was withdrawn. */
  readonly value: number | null;
  readonly severity: Severity;
  /** Epoch ms. */
  readonly at: number;
}

export interface Evaluation {
  readonly state: EvaluationState;
  readonly signals: AlertSignal[];
}

export interface EvaluateOptions {
  /**
   * The station is in maintenance: nothing opens or escalates, and no progress towards opening
   * is kept (so nothing opens the moment maintenance ends); an open alert may still clear.
   */
  readonly muted?: boolean;
  /**
   * The clock when the sample is evaluated (the engine's clock, not the sample's time). Only
   * no-data rules use it. Defaults to the sample's time, as for a reading evaluated when taken.
   */
  readonly receivedAt?: number;
}

/** What a tick needs to know about the service and the source. */
export interface TickContext {
  /** When the service (engine) started. */
  readonly startedAt: number;
  /** No-data alerts stay silent until `startedAt + graceMs`, so a restart raises nothing for everyone. */
  readonly graceMs: number;
  /** Silence counts from no earlier than this (for example the end of the station's maintenance). */
  readonly watchingSince?: number;
}

const RATE_SAMPLES = 120;

export const initialState = (): EvaluationState => ({ active: false });

type LevelCondition = Extract<Condition, { type: "threshold" | "duration" | "repeat" }>;

function breaches(c: LevelCondition, value: number): boolean {
  return c.above !== undefined ? value > c.above : value < (c.below as number);
}

/**
 * Hysteresis: with a clear level, an open alert clears only strictly past it; without one, as soon
 * as the value no longer breaches (so a flood level "above 0" clears back at level 0).
 */
function clears(c: LevelCondition, value: number): boolean {
  if (c.above !== undefined) return c.clearBelow !== undefined ? value < c.clearBelow : value <= c.above;
  const below = c.below as number;
  return c.clearAbove !== undefined ? value > c.clearAbove : value >= below;
}

/** How long a breach must hold before the alert opens. */
export function holdMs(c: Condition): number {
  if (c.type === "duration") return c.seconds * 1000;
  if (c.type === "threshold") return c.forSeconds * 1000;
  return 0;
}

/** The severity the quantity has reached on the rule's ladder. */
function severityFor(rule: AlertRule, quantity: number | null): Severity {
  let severity = rule.severity;
  if (quantity === null) return severity;
  for (const step of rule.escalation ?? []) {
    const beyond = step.above !== undefined ? quantity > step.above : quantity < (step.below as number);
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

const withoutProgress = (state: EvaluationState): EvaluationState => ({
  ...state,
  breachSince: undefined,
  streak: undefined,
});

/** Progress counted under an earlier rule version does not count under this one. */
function adoptVersion(rule: AlertRule, state: EvaluationState): EvaluationState {
  if (state.ruleVersion === rule.version) return state;
  const adopted = { ...state, ruleVersion: rule.version };
  return state.ruleVersion === undefined ? adopted : { ...withoutProgress(adopted), window: undefined };
}

/**
 * Opens unless the schedule forbids it or the cooldown after the last clear still runs; then the
 * state (with its progress) is kept so that the next reading (for no data, tick) tries again.
 */
function tryOpen(
  rule: AlertRule,
  source: string,
  state: EvaluationState,
  value: number | null,
  quantity: number | null,
  at: number,
): Evaluation {
  const cooling = state.lastClearedAt !== undefined && at - state.lastClearedAt < rule.cooldownSeconds * 1000;
  if (cooling || !withinSchedule(rule.schedule, at)) return { state, signals: [] };
  const severity = severityFor(rule, quantity);
  return {
    state: { ...withoutProgress(state), active: true, severity, openedAt: at },
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
  // Never before the opening: a late reading must not clear an alert in its own past.
  const when = Math.max(at, state.openedAt ?? at);
  return {
    state: {
      ...withoutProgress(state),
      active: false,
      severity: undefined,
      openedAt: undefined,
      lastClearedAt: when,
    },
    signals: [signal(rule, source, "clear", value, severity, when)],
  };
}

function escalateIfWorse(
  rule: AlertRule,
  source: string,
  state: EvaluationState,
  value: number,
  quantity: number,
  at: number,
): Evaluation {
  const current = state.severity ?? rule.severity;
  const next = severityFor(rule, quantity);
  if (severityRank(next) <= severityRank(current)) return { state, signals: [] };
  return {
    state: { ...state, severity: next },
    signals: [signal(rule, source, "escalate", value, next, at)],
  };
}

/** Change within the window: the newest value against the oldest sample kept. */
function evaluateRate(
  rule: AlertRule,
  c: Extract<Condition, { type: "rate" }>,
  source: string,
  state: EvaluationState,
  sample: Sample,
): Evaluation {
  const { ts, value } = sample;
  const window = (state.window ?? []).filter(([t]) => t >= ts - c.windowSeconds * 1000 && t < ts);
  const oldest = window[0];
  const delta = oldest === undefined ? 0 : value - oldest[1];
  const change = c.risesBy !== undefined ? delta : -delta;
  const trigger = (c.risesBy ?? c.fallsBy) as number;
  window.push([ts, value]);
  // Thin evenly once full (every other sample, keeping the newest) so the window spans its length.
  const thinned =
    window.length > RATE_SAMPLES ? window.filter((_, i) => i % 2 === 0 || i === window.length - 1) : window;
  const next: EvaluationState = { ...state, window: thinned };
  if (!next.active) {
    return change > trigger ? tryOpen(rule, source, next, value, change, ts) : { state: next, signals: [] };
  }
  const cleared = c.clearBelow !== undefined ? change < c.clearBelow : change <= trigger;
  return cleared
    ? clear(rule, source, next, value, ts)
    : escalateIfWorse(rule, source, next, value, change, ts);
}

function evaluateLevel(
  rule: AlertRule,
  c: LevelCondition,
  source: string,
  state: EvaluationState,
  sample: Sample,
  repeated: boolean,
): Evaluation {
  const { ts, value } = sample;
  if (state.active) {
    return clears(c, value)
      ? clear(rule, source, state, value, ts)
      : escalateIfWorse(rule, source, state, value, value, ts);
  }
  if (!breaches(c, value)) return { state: withoutProgress(state), signals: [] };
  if (c.type === "repeat") {
    // A reading with the time of the previous one (a redelivery) is not another reading.
    const streak = (state.streak ?? 0) + (repeated ? 0 : 1);
    const next = { ...state, streak };
    return streak >= c.count ? tryOpen(rule, source, next, value, value, ts) : { state: next, signals: [] };
  }
  const breachSince = state.breachSince ?? ts;
  const next = { ...state, breachSince };
  if (ts - breachSince >= holdMs(c)) return tryOpen(rule, source, next, value, value, ts);
  return { state: next, signals: [] };
}

function evaluateAudible(
  rule: AlertRule,
  source: string,
  previous: EvaluationState,
  sample: Sample,
  receivedAt: number,
): Evaluation {
  const { ts, value } = sample;
  const adopted = adoptVersion(rule, previous);
  const c = rule.condition;
  const newest = adopted.lastSeen;
  const stale = newest !== undefined && ts < newest;
  const seen: EvaluationState = {
    ...adopted,
    lastSeen: newest === undefined ? ts : Math.max(newest, ts),
    lastValue: stale ? adopted.lastValue : value,
  };

  // Any reading, even a late one, shows the source is sending again: on the clock, now.
  if (c.type === "nodata") {
    const heard = { ...seen, lastHeardAt: receivedAt };
    return heard.active ? clear(rule, source, heard, value, receivedAt) : { state: heard, signals: [] };
  }
  if (stale) return { state: adopted, signals: [] };
  if (c.type === "rate") return evaluateRate(rule, c, source, seen, sample);
  return evaluateLevel(rule, c, source, seen, sample, ts === newest);
}

/** A new sample of the rule's subject from `source`. At most one signal comes out. */
export function evaluate(
  rule: AlertRule,
  source: string,
  previous: EvaluationState,
  sample: Sample,
  options: EvaluateOptions = {},
): Evaluation {
  const result = evaluateAudible(rule, source, previous, sample, options.receivedAt ?? sample.ts);
  if (!options.muted) return result;
  const raised = result.signals.some((s) => s.kind !== "clear");
  if (!raised) return result.state.active ? result : { ...result, state: withoutProgress(result.state) };
  // Keep what was measured (time, value, rate window), not the opening or escalation.
  return {
    state: withoutProgress({
      ...result.state,
      active: previous.active,
      severity: previous.severity,
      openedAt: previous.openedAt,
    }),
    signals: [],
  };
}

/**
 * The clock passing (`now`): a source that has gone quiet, for no-data rules. Nothing else: the
 * other conditions move only with readings, on the readings' own time line (a duration completes,
 * a cooldown or a schedule lets an alert open, with the first reading stamped at or after that).
 */
export function tick(
  rule: AlertRule,
  source: string,
  previous: EvaluationState,
  now: number,
  context: TickContext,
): Evaluation {
  const c = rule.condition;
  if (c.type !== "nodata") return { state: previous, signals: [] };
  const state = adoptVersion(rule, previous);
  if (state.active || now < context.startedAt + context.graceMs) return { state, signals: [] };
  // A state kept before arrival times were (it has only a reading's time) counts from the start.
  const quietSince = Math.max(
    state.lastHeardAt ?? context.startedAt,
    context.watchingSince ?? Number.NEGATIVE_INFINITY,
  );
  return now - quietSince > c.seconds * 1000
    ? tryOpen(rule, source, state, null, null, now)
    : { state, signals: [] };
}

/**
 * An operator resolved the alert (at `now` on the clock): it is closed, and the cooldown runs from
 * the resolve placed on the rule's time line: `now` for no-data rules; for the others the newest
 * reading evaluated, which the resolve follows (none evaluated: no cooldown), since a reading's
 * time is never compared with the clock.
 */
export function afterResolve(rule: AlertRule, state: EvaluationState, now: number): EvaluationState {
  const at = rule.condition.type === "nodata" ? now : state.lastSeen;
  return {
    ...withoutProgress(state),
    active: false,
    severity: undefined,
    openedAt: undefined,
    lastClearedAt: at,
  };
}

/**
 * The rule no longer watches this source (disabled, deleted, or the source left its scope): an
 * open alert clears, since nothing would ever clear it otherwise. Value null: no reading caused it.
 */
export function withdraw(rule: AlertRule, source: string, state: EvaluationState, at: number): Evaluation {
  if (!state.active) return { state: initialState(), signals: [] };
  const { signals } = clear(rule, source, state, null, at);
  return { state: initialState(), signals };
}
