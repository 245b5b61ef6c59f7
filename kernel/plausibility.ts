import { isMetricKey, metricDefinition } from "./catalogue.js";

/**
 * Is a reading believable next to the station's recent ones? A value that jumps further from the
 * median of the recent values than the metric's largest believable change is "suspect" (a spike):
 * it is kept and shown, but nothing alarms on it until the next reading confirms it (lands near
 * it: the level really stepped). Pure; the catalogue's range check has already refused the
 * impossible values.
 */

export type QualityFlag = "good" | "suspect";

/**
 * Largest believable change from the recent median, in the metric's unit. Measured quantities
 * that move slowly get their own figure; the rest a quarter of the catalogue's range.
 */
const MAX_JUMP: Readonly<Record<string, number>> = {
  water_level: 1,
  temperature: 8,
  humidity: 40,
  pressure: 15,
  ph: 2,
  do: 6,
  noise: 40,
};
const RANGE_SHARE = 0.25;
/** The median needs this many recent values; with fewer, everything is believed. */
const MIN_RECENT = 3;
/** How many recent values the median is taken over. */
export const RECENT_VALUES = 5;

export function maxJumpOf(metric: string): number | null {
  if (MAX_JUMP[metric] !== undefined) return MAX_JUMP[metric];
  if (!isMetricKey(metric)) return null;
  const { min, max } = metricDefinition(metric);
  return (max - min) * RANGE_SHARE;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The flag of `value` after `recent` (oldest first; only the last RECENT_VALUES count). */
export function plausibilityOf(metric: string, recent: readonly number[], value: number): QualityFlag {
  return judge(maxJumpOf(metric), recent, value);
}

/** plausibilityOf with the metric's largest jump already looked up (the live gate's hot path). */
function judge(jump: number | null, recent: readonly number[], value: number): QualityFlag {
  if (jump === null || recent.length < MIN_RECENT) return "good";
  const window = recent.length > RECENT_VALUES ? recent.slice(-RECENT_VALUES) : recent;
  return Math.abs(value - median(window)) > jump ? "suspect" : "good";
}

/**
 * A series judged point by point, each against the points before it that were believed; a
 * suspect point followed by one near it is confirmed (both good). Returns one flag per point.
 */
export function flagSeries(metric: string, values: readonly number[]): QualityFlag[] {
  const jump = maxJumpOf(metric);
  const flags: QualityFlag[] = [];
  const believed: number[] = [];
  values.forEach((value, index) => {
    let flag = judge(jump, believed, value);
    const next = values[index + 1];
    if (flag === "suspect" && jump !== null && next !== undefined && Math.abs(next - value) <= jump) {
      // A real step: the values before it no longer describe the series.
      flag = "good";
      believed.length = 0;
    }
    flags.push(flag);
    if (flag === "good") believed.push(value);
  });
  return flags;
}

/**
 * Live readings of one series: `accept` says whether a value may be acted on now. A suspect value
 * is held; the next value either confirms it (both acted on) or shows it was a spike.
 */
export interface PlausibilityGate {
  accept(value: number): { readonly flag: QualityFlag; readonly confirms: number | null };
}

export function createPlausibilityGate(metric: string): PlausibilityGate {
  const jump = maxJumpOf(metric);
  const believed: number[] = [];
  let held: number | null = null;
  return {
    accept(value) {
      let confirms: number | null = null;
      if (held !== null && jump !== null && Math.abs(value - held) <= jump) {
        // Two readings agree: the level really changed, and the values before it no longer count.
        confirms = held;
        believed.length = 0;
        believed.push(held);
        held = null;
      }
      const flag = confirms !== null ? "good" : judge(jump, believed, value);
      if (flag === "good") {
        believed.push(value);
        held = null;
      } else held = value;
      if (believed.length > RECENT_VALUES) believed.splice(0, believed.length - RECENT_VALUES);
      return { flag, confirms };
    },
  };
}
