import { z } from "zod";
import { DEVICE_KINDS, METRIC_KEYS, type MetricKey } from "./catalogue.js";
import { DEVICE_ID_PATTERN } from "./topics.js";

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
});

export type DeviceProfile = z.infer<typeof deviceProfileSchema>;

export type DeviceStatus = "online" | "offline" | "unknown";
