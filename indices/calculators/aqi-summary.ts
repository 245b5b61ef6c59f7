import { roundHalfUp, snapDecimals } from "./rounding.js";
import type { AqiPollutant, AqiSubIndexKey } from "./types.js";

export interface SubIndexEntry {
  readonly key: AqiSubIndexKey;
  readonly pollutant: AqiPollutant;
  /** Unrounded sub-index. */
  readonly value: number;
}

/**
 * Which pollutant is named dominant when two sub-indices are exactly equal: the particulates
 * first (an AQI cannot exist without them), then the gases in the order of the decision's table.
 */
export const DOMINANT_TIE_ORDER: readonly AqiPollutant[] = ["pm25", "pm10", "o3", "no2", "so2", "co"];

export interface SubIndexSummary {
  readonly aqi: number;
  readonly dominant: AqiPollutant;
  readonly subIndices: Partial<Record<AqiSubIndexKey, number>>;
}

/**
 * AQI = the largest sub-index, rounded half-up; every reported sub-index is rounded the same way,
 * so the AQI always equals the largest reported sub-index. Sub-indices are compared after
 * removing floating-point noise, so 59.35000000000001 and 59.35 count as a tie.
 */
export function summariseSubIndices(entries: readonly SubIndexEntry[]): SubIndexSummary {
  const ranked = [...entries].sort(
    (a, b) => DOMINANT_TIE_ORDER.indexOf(a.pollutant) - DOMINANT_TIE_ORDER.indexOf(b.pollutant),
  );
  const [first, ...rest] = ranked;
  if (!first) throw new RangeError("an AQI needs at least one sub-index");
  let top = first;
  for (const entry of rest) if (snapDecimals(entry.value) > snapDecimals(top.value)) top = entry;
  const subIndices: Partial<Record<AqiSubIndexKey, number>> = {};
  for (const { key, value } of entries) subIndices[key] = roundHalfUp(value);
  return { aqi: roundHalfUp(top.value), dominant: top.pollutant, subIndices };
}
