/**
 * Sensor and logger faults layered on top of clean readings: gaps, stuck values, spikes,
 * out-of-range values (to exercise the service's rejection path) and offline periods that end
 * in a backlog upload. Pure: state in, state out, randomness passed in.
 */
import { type MetricKey, metricDefinition } from "../kernel/catalogue.js";
import { integerBetween, pickOne, type RandomSource, uniformBetween } from "./random.js";
import { type MetricValues, roundForMetric } from "./signals.js";

/** Protocol v1 accepts at most this many readings in one backlog message. */
export const MAX_BACKLOG_READINGS = 1000;

/** Probabilities are per reading. */
export interface FaultRates {
  /** The reading is simply never sent. */
  readonly gap: number;
  /** The sensor freezes and repeats its last values for a run of readings. */
  readonly stuck: number;
  readonly stuckReadings: readonly [min: number, max: number];
  /** One metric jumps to an implausible value that is still inside the catalogue range. */
  readonly spike: number;
  /** One metric is outside the catalogue range, so the service must reject it. */
  readonly outOfRange: number;
  /** The device loses its uplink, keeps logging, and uploads the missed readings as one array. */
  readonly backlog: number;
  readonly backlogReadings: readonly [min: number, max: number];
}

export const DEFAULT_FAULT_RATES: FaultRates = {
  gap: 0.01,
  stuck: 0.002,
  stuckReadings: [5, 30],
  spike: 0.003,
  outOfRange: 0.0007,
  backlog: 0.0006,
  backlogReadings: [20, 180],
};

export const NO_FAULTS: FaultRates = {
  gap: 0,
  stuck: 0,
  stuckReadings: [1, 1],
  spike: 0,
  outOfRange: 0,
  backlog: 0,
  backlogReadings: [1, 1],
};

/** `true` → defaults, `false` → none, an object → defaults overridden by it. */
export function resolveFaultRates(faults: boolean | Partial<FaultRates>): FaultRates {
  if (faults === true) return DEFAULT_FAULT_RATES;
  if (faults === false) return NO_FAULTS;
  return { ...DEFAULT_FAULT_RATES, ...faults };
}

export interface TimedReading {
  readonly ts: number;
  readonly values: MetricValues;
}

export type FaultKind = "stuck" | "spike" | "out_of_range";

export type DeviceEmission =
  | { readonly kind: "reading"; readonly reading: TimedReading; readonly fault: FaultKind | null }
  | { readonly kind: "skipped"; readonly reason: "gap" | "offline" }
  /** Readings logged while offline, oldest first; the last one is the current reading. */
  | { readonly kind: "backlog"; readonly readings: readonly TimedReading[] };

export interface FaultState {
  readonly stuck: { readonly remaining: number; readonly values: MetricValues } | null;
  readonly offline: { readonly remaining: number; readonly buffered: readonly TimedReading[] } | null;
}

export const INITIAL_FAULT_STATE: FaultState = { stuck: null, offline: null };

export interface FaultStep {
  readonly state: FaultState;
  readonly emission: DeviceEmission;
}

export function applySensorFaults(
  rates: FaultRates,
  state: FaultState,
  reading: TimedReading,
  random: RandomSource,
): FaultStep {
  if (state.offline) return continueOffline(state, reading);
  if (rates.backlog > 0 && random() < rates.backlog) {
    const length = Math.min(MAX_BACKLOG_READINGS, integerBetween(random, ...rates.backlogReadings));
    return continueOffline({ ...state, offline: { remaining: length, buffered: [] } }, reading);
  }
  if (rates.gap > 0 && random() < rates.gap) {
    return { state, emission: { kind: "skipped", reason: "gap" } };
  }
  if (state.stuck) {
    const remaining = state.stuck.remaining - 1;
    return {
      state: { ...state, stuck: remaining > 0 ? { ...state.stuck, remaining } : null },
      emission: { kind: "reading", reading: { ts: reading.ts, values: state.stuck.values }, fault: "stuck" },
    };
  }
  if (rates.stuck > 0 && random() < rates.stuck) {
    const remaining = integerBetween(random, ...rates.stuckReadings);
    return {
      state: { ...state, stuck: { remaining, values: reading.values } },
      emission: { kind: "reading", reading, fault: null },
    };
  }
  if (rates.outOfRange > 0 && random() < rates.outOfRange) {
    return { state, emission: withOneValue(reading, "out_of_range", outOfRangeValue, random) };
  }
  if (rates.spike > 0 && random() < rates.spike) {
    return { state, emission: withOneValue(reading, "spike", spikeValue, random) };
  }
  return { state, emission: { kind: "reading", reading, fault: null } };
}

function continueOffline(state: FaultState, reading: TimedReading): FaultStep {
  const offline = state.offline as NonNullable<FaultState["offline"]>;
  const buffered = [...offline.buffered, reading];
  const remaining = offline.remaining - 1;
  if (remaining > 0) {
    return {
      state: { ...state, offline: { remaining, buffered } },
      emission: { kind: "skipped", reason: "offline" },
    };
  }
  return { state: { ...state, offline: null }, emission: { kind: "backlog", readings: buffered } };
}

function withOneValue(
  reading: TimedReading,
  fault: FaultKind,
  corrupt: (key: MetricKey, value: number, random: RandomSource) => number,
  random: RandomSource,
): DeviceEmission {
  const keys = Object.keys(reading.values) as MetricKey[];
  if (keys.length === 0) return { kind: "reading", reading, fault: null };
  const key = pickOne(random, keys);
  const values = { ...reading.values, [key]: corrupt(key, reading.values[key] ?? 0, random) };
  return { kind: "reading", reading: { ts: reading.ts, values }, fault };
}

/** A jump of several times the normal value (or a large share of the range), kept inside the range. */
function spikeValue(key: MetricKey, value: number, random: RandomSource): number {
  const { min, max } = metricDefinition(key);
  const span = max - min;
  const jump = Math.max(
    Math.abs(value) * uniformBetween(random, 2, 5),
    span * uniformBetween(random, 0.05, 0.15),
  );
  const up = value + jump <= max;
  const spiked = up ? value + jump : Math.max(min, value - jump);
  return roundForMetric(key, Math.min(max, Math.max(min, spiked)));
}

/** A value beyond the catalogue bounds, e.g. a humidity of 130 % or a negative PM2.5. */
function outOfRangeValue(key: MetricKey, _value: number, random: RandomSource): number {
  const { min, max } = metricDefinition(key);
  const beyond = (max - min) * uniformBetween(random, 0.1, 0.5) + 1;
  const above = min >= 0 ? random() < 0.75 : random() < 0.5;
  return roundForMetric(key, above ? max + beyond : min - beyond);
}
