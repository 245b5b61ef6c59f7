/**
 * Per-metric calibration of a station: value' = value × scale + offset, applied at ingest.
 *
 * Provenance: every calibration a device ever had is kept with the time it applies from. A reading
 * is calibrated with the calibration in force at the reading's own time (`ts`), so that the stored
 * value and the history are enough to recover the raw value, whenever the reading arrives (a
 * backlog upload of last week is calibrated as it would have been last week).
 */
import { z } from "zod";
import { isMetricKey, METRIC_KEYS, type MetricKey, metricDefinition } from "../../kernel/catalogue.js";
import type { Reading } from "../../kernel/reading.js";
import type { Rejection } from "../../kernel/rejections.js";

export interface MetricCalibration {
  readonly offset: number;
  readonly scale: number;
}

export type Calibration = Readonly<Partial<Record<MetricKey, MetricCalibration>>>;

export const metricCalibrationSchema = z.strictObject({
  offset: z.number({ error: "offset must be a finite number" }).default(0),
  scale: z
    .number({ error: "scale must be a finite number" })
    .positive("scale must be greater than 0")
    .default(1),
});

/** `{ "pm25": { "offset": -0.5, "scale": 1.02 } }`; a missing offset is 0, a missing scale 1. */
export const calibrationSchema = z
  .record(z.string(), metricCalibrationSchema)
  .superRefine((entries, context) => {
    for (const key of Object.keys(entries)) {
      if (!isMetricKey(key)) {
        context.addIssue({
          code: "custom",
          path: [key],
          message: `unknown metric '${key.slice(0, 64)}'; metrics are ${METRIC_KEYS.join(", ")}`,
        });
      }
    }
  })
  .transform((entries) => entries as Calibration)
  .meta({ description: "per metric: value' = value × scale + offset" });

/** The metrics a calibration names that the device does not measure (a typo, usually). */
export function calibratedMetricsOutside(calibration: Calibration, metrics: readonly string[]): string[] {
  return Object.keys(calibration).filter((metric) => !metrics.includes(metric));
}

/** One entry of a device's calibration history; `calibration` null means "none from then on". */
export interface CalibrationPeriod {
  readonly appliedFrom: number;
  readonly calibration: Calibration | null;
}

/** The calibration in force at `ts`; `history` is in ascending `appliedFrom` order. */
export function calibrationAt(history: readonly CalibrationPeriod[], ts: number): Calibration | null {
  let current: Calibration | null = null;
  for (const period of history) {
    if (period.appliedFrom > ts) break;
    current = period.calibration;
  }
  return current;
}

/** Twelve significant digits: drops binary noise such as 35.904000000000003 from the product. */
export function calibrate(value: number, calibration: MetricCalibration): number {
  return Number((value * calibration.scale + calibration.offset).toPrecision(12));
}

/** What the ingest needs to know about a device to admit its readings. */
export interface IngestPolicy {
  /** Metrics the device is registered for; null when it is not registered (anything in the catalogue goes). */
  readonly allowedMetrics: ReadonlySet<string> | null;
  readonly calibrations: readonly CalibrationPeriod[];
}

export const OPEN_INGEST_POLICY: IngestPolicy = { allowedMetrics: null, calibrations: [] };

export interface AdmittedReadings {
  readonly readings: Reading[];
  readonly rejections: Rejection[];
}

const entryPayload = (reading: Reading, value: number) =>
  JSON.stringify({ ts: reading.ts, values: { [reading.metric]: value } });

/**
 * Applies a device's registration to readings that passed validation: metrics it is not registered
 * for are refused (`metric_not_allowed`), the rest are calibrated, and a calibrated value outside the
 * catalogue's plausible range is refused as `out_of_range`.
 */
export function admitReadings(readings: readonly Reading[], policy: IngestPolicy): AdmittedReadings {
  const out: AdmittedReadings = { readings: [], rejections: [] };
  for (const reading of readings) {
    if (policy.allowedMetrics && !policy.allowedMetrics.has(reading.metric)) {
      out.rejections.push({
        reason: "metric_not_allowed",
        message: `${reading.deviceId} is not registered for '${reading.metric}'; registered metrics: ${[...policy.allowedMetrics].join(", ")}`,
        metric: reading.metric,
        payload: entryPayload(reading, reading.value),
        truncated: false,
      });
      continue;
    }
    const calibration = calibrationAt(policy.calibrations, reading.ts)?.[reading.metric];
    if (!calibration) {
      out.readings.push(reading);
      continue;
    }
    const value = calibrate(reading.value, calibration);
    const definition = metricDefinition(reading.metric);
    if (!Number.isFinite(value) || value < definition.min || value > definition.max) {
      out.rejections.push({
        reason: "out_of_range",
        message:
          `${reading.metric}: ${value} ${definition.unit} after calibration ` +
          `(${reading.value} × ${calibration.scale} + ${calibration.offset}) is outside the plausible range ` +
          `${definition.min}–${definition.max} ${definition.unit}`,
        metric: reading.metric,
        payload: entryPayload(reading, reading.value),
        truncated: false,
      });
      continue;
    }
    out.readings.push({ ...reading, value });
  }
  return out;
}
