/** The service's HTTP and Socket.IO contract as the dashboard reads it; payloads are checked on arrival. */
import { z } from "zod";

export const catalogueMetricSchema = z.object({
  key: z.string(),
  unit: z.string(),
  label: z.object({ vi: z.string(), en: z.string() }),
  group: z.string(),
  min: z.number(),
  max: z.number(),
  decimals: z.number().int().min(0).max(20),
});
export type CatalogueMetric = z.infer<typeof catalogueMetricSchema>;

export const catalogueSchema = z.object({ metrics: z.array(catalogueMetricSchema) });

export const deviceStatusSchema = z.enum(["online", "offline", "unknown"]);
export type DeviceStatus = z.infer<typeof deviceStatusSchema>;

export const deviceSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  kind: z.string().nullable(),
  area: z.string().nullable(),
  areaName: z.string().nullable(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  metrics: z.array(z.string()),
  registered: z.boolean(),
  status: deviceStatusSchema,
  statusAt: z.string().nullable(),
  lastSeen: z.string().nullable(),
});
export type Device = z.infer<typeof deviceSchema>;

export const devicesResponseSchema = z.object({ devices: z.array(deviceSchema) });

const isoTime = z.string().refine((text) => !Number.isNaN(Date.parse(text)), "expected an ISO 8601 time");

export const latestResponseSchema = z.object({
  devices: z.array(
    z.object({
      deviceId: z.string(),
      values: z.record(z.string(), z.object({ value: z.number(), ts: isoTime })),
    }),
  ),
});
export type LatestResponse = z.infer<typeof latestResponseSchema>;

const rawPointSchema = z.object({ ts: isoTime, value: z.number() });
const aggregatedPointSchema = z.object({
  ts: isoTime,
  mean: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  count: z.number(),
});

export const readingsResponseSchema = z.object({
  device: z.string(),
  metric: z.string(),
  unit: z.string().nullable().optional(),
  from: isoTime,
  to: isoTime,
  step: z.number().nullable(),
  points: z.array(z.union([rawPointSchema, aggregatedPointSchema])),
});
export type ReadingsResponse = z.infer<typeof readingsResponseSchema>;

/** Socket.IO "/ops" → "reading". */
export const liveReadingSchema = z.object({
  deviceId: z.string().min(1),
  area: z.string().nullable(),
  ts: isoTime,
  values: z.record(z.string(), z.number()),
});
export type LiveReading = z.infer<typeof liveReadingSchema>;

export const subscribeAckSchema = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
