/**
 * Flood alarm levels, Decision 05/2020/QĐ-TTg: each hydrological station has three water levels
 * (metres on its gauge datum) for Báo động I, II and III; the alarm level is n once the water
 * reaches threshold n. Water levels may be negative (a datum above low water is common in the
 * Mekong delta and on tidal rivers), so only non-finite values are refused.
 */
import type { Bilingual } from "./types.js";

export interface FloodThresholds {
  readonly I: number;
  readonly II: number;
  readonly III: number;
}

export type FloodAlarmLevel = 0 | 1 | 2 | 3;

/** Null when the thresholds are usable (finite and rising I < II < III), else what is wrong. */
export function floodThresholdsProblem(thresholds: FloodThresholds): string | null {
  for (const level of ["I", "II", "III"] as const) {
    const value = thresholds[level];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      return `flood threshold ${level} must be a finite number of metres, got ${String(value)}`;
    }
  }
  if (!(thresholds.I < thresholds.II && thresholds.II < thresholds.III)) {
    return `flood thresholds must rise I < II < III, got ${thresholds.I} / ${thresholds.II} / ${thresholds.III}`;
  }
  return null;
}

/** The thresholds when usable, else a RangeError saying why. */
export function validateFloodThresholds(thresholds: FloodThresholds): FloodThresholds {
  const problem = floodThresholdsProblem(thresholds);
  if (problem) throw new RangeError(problem);
  return thresholds;
}

/** 0 below threshold I; n when the water level is at or above threshold n. */
export function floodAlarmLevel(waterLevelM: number, thresholds: FloodThresholds): FloodAlarmLevel {
  if (typeof waterLevelM !== "number" || !Number.isFinite(waterLevelM)) {
    throw new RangeError(`water level must be a finite number of metres, got ${String(waterLevelM)}`);
  }
  const { I, II, III } = validateFloodThresholds(thresholds);
  if (waterLevelM >= III) return 3;
  if (waterLevelM >= II) return 2;
  if (waterLevelM >= I) return 1;
  return 0;
}

const LABELS: Readonly<Record<FloodAlarmLevel, Bilingual>> = {
  0: { vi: "Dưới báo động I", en: "Below alarm level I" },
  1: { vi: "Báo động I", en: "Alarm level I" },
  2: { vi: "Báo động II", en: "Alarm level II" },
  3: { vi: "Báo động III", en: "Alarm level III" },
};

export function floodLevelLabel(level: FloodAlarmLevel): Bilingual {
  const label = LABELS[level];
  if (!label) throw new RangeError(`flood alarm level must be 0, 1, 2 or 3, got ${String(level)}`);
  return label;
}
