import { z } from "zod";
import { DEVICE_KINDS, METRIC_KEYS, type MetricKey } from "../../kernel/catalogue.js";
import { DEVICE_ID_PATTERN } from "../../kernel/topics.js";
import { wqiSettingsSchema } from "../../kernel/water-quality.js";

/**
 * Flood alarm water levels I, II, III of a hydrological station (Decision 05/2020/QĐ-TTg), metres on
 * the station's gauge datum; each level is higher than the one before.
 */
export const floodLevelsSchema = z
  .object({
    I: z.number({ error: "flood level I must be a finite number of metres" }),
    II: z.number({ error: "flood level II must be a finite number of metres" }),
    III: z.number({ error: "flood level III must be a finite number of metres" }),
  })
  .refine((levels) => levels.I < levels.II && levels.II < levels.III, {
    message: "flood levels must rise: I < II < III",
  });

export type FloodLevels = z.infer<typeof floodLevelsSchema>;

/** What the registry knows about a station before it ever sends a reading. */
export const deviceProfileSchema = z.object({
  id: z.string().regex(DEVICE_ID_PATTERN, "device id: letters, digits, '-' or '_', at most 64"),
  name: z.string().min(1).max(200),
  kind: z.enum(DEVICE_KINDS),
  /** Commune or ward code within the province (two-tier local government since 2025: no district). */
  area: z.string().min(1).max(64),
  areaName: z.string().min(1).max(200),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  metrics: z.array(z.enum(METRIC_KEYS as [MetricKey, ...MetricKey[]])).min(1),
  /** Water-level stations only: the alarm levels the province set for this station. */
  floodLevels: floodLevelsSchema.optional(),
  /** Water-quality stations only: VN_WQI formula 5 and the groups the water body requires. */
  wqiSettings: wqiSettingsSchema.optional(),
});

export type DeviceProfile = z.infer<typeof deviceProfileSchema>;

export type DeviceStatus = "online" | "offline" | "unknown";
