/** What an administrator may say about a station: registration, changes, lifecycle. Pure zod. */
import { z } from "zod";
import { DEVICE_KINDS, METRIC_KEYS, type MetricKey } from "../../kernel/catalogue.js";
import { wqiSettingsSchema } from "../../kernel/water-quality.js";
import { type Calibration, calibratedMetricsOutside, calibrationSchema } from "./calibration.js";
import { deviceProfileSchema, floodLevelsSchema } from "./device.js";

/**
 * active: publishes and counts; maintenance: readings are stored but alerting ignores them (a
 * technician is working on it); decommissioned: its credentials are revoked and the broker refuses it.
 */
export const DEVICE_LIFECYCLES = ["active", "maintenance", "decommissioned"] as const;
export type DeviceLifecycle = (typeof DEVICE_LIFECYCLES)[number];

/** A stored lifecycle value; anything unknown reads as active. */
export const lifecycleOf = (raw: string): DeviceLifecycle =>
  (DEVICE_LIFECYCLES as readonly string[]).includes(raw) ? (raw as DeviceLifecycle) : "active";

/** The lifecycles an administrator sets by editing a device; decommissioning is its own action. */
export const EDITABLE_LIFECYCLES = ["active", "maintenance"] as const;

const metricsSchema = z
  .array(
    z.enum(METRIC_KEYS as [MetricKey, ...MetricKey[]], { error: `metrics are ${METRIC_KEYS.join(", ")}` }),
  )
  .min(1, "a device measures at least one metric")
  .refine((metrics) => new Set(metrics).size === metrics.length, "metrics are listed more than once");

const calibrationMetricsProblem = (calibration: Calibration, metrics: readonly string[]) => {
  const outside = calibratedMetricsOutside(calibration, metrics);
  return outside.length === 0
    ? undefined
    : `calibration of ${outside.join(", ")}, which the device does not measure (metrics: ${metrics.join(", ")})`;
};

/** POST /api/v1/devices, a CSV row, `devices add`. */
export const newDeviceSchema = deviceProfileSchema
  .extend({
    kind: z.enum(DEVICE_KINDS, { error: `kind must be one of ${DEVICE_KINDS.join(", ")}` }),
    /** Needed only when the commune/ward code is new to the registry. */
    areaName: deviceProfileSchema.shape.areaName.optional(),
    metrics: metricsSchema,
    calibration: calibrationSchema.optional(),
  })
  .strict()
  .superRefine((device, context) => {
    const problem = device.calibration && calibrationMetricsProblem(device.calibration, device.metrics);
    if (problem) context.addIssue({ code: "custom", path: ["calibration"], message: problem });
  });
export type NewDevice = z.infer<typeof newDeviceSchema>;

/** PATCH /api/v1/devices/:id: any subset; `calibration`, `floodLevels`, `wqiSettings: null` remove them. */
export const devicePatchSchema = z
  .strictObject({
    name: deviceProfileSchema.shape.name,
    kind: z.enum(DEVICE_KINDS, { error: `kind must be one of ${DEVICE_KINDS.join(", ")}` }),
    area: deviceProfileSchema.shape.area,
    areaName: deviceProfileSchema.shape.areaName,
    lat: deviceProfileSchema.shape.lat,
    lon: deviceProfileSchema.shape.lon,
    metrics: metricsSchema,
    floodLevels: floodLevelsSchema.nullable(),
    wqiSettings: wqiSettingsSchema.nullable(),
    calibration: calibrationSchema
      .nullable()
      .meta({ description: "replaces the whole calibration; null removes it" }),
    lifecycle: z.enum(EDITABLE_LIFECYCLES, {
      error: "lifecycle must be active or maintenance (decommission has its own action)",
    }),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, "nothing to change: give at least one field");
export type DevicePatch = z.infer<typeof devicePatchSchema>;

/** Why a device's metrics and calibration do not fit together, or undefined when they do. */
export function calibrationProblem(calibration: Calibration | null, metrics: readonly string[]) {
  return calibration ? calibrationMetricsProblem(calibration, metrics) : undefined;
}
