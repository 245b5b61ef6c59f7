/**
 * Response shapes of the HTTP API and the live events: the API serialises with them and
 * publishes them in OpenAPI, the dashboard checks what it receives with them. Pure zod, so the
 * browser bundle can import it.
 */
import { z } from "zod";

const isoTime = z.string().meta({ description: "ISO 8601, UTC" });

export const errorResponseSchema = z.object({ error: z.string(), message: z.string() });

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
export const catalogueResponseSchema = z.object({ metrics: z.array(catalogueMetricSchema) });

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
  statusAt: isoTime.nullable(),
  lastSeen: isoTime.nullable().meta({ description: "time of the newest stored reading" }),
});
export type Device = z.infer<typeof deviceSchema>;
export const devicesResponseSchema = z.object({ devices: z.array(deviceSchema) });

export const latestResponseSchema = z.object({
  devices: z.array(
    z.object({
      deviceId: z.string(),
      values: z.record(z.string(), z.object({ value: z.number(), ts: isoTime })),
    }),
  ),
});
export type LatestResponse = z.infer<typeof latestResponseSchema>;

export const rawPointSchema = z.object({ ts: isoTime, value: z.number() });
export const aggregatePointSchema = z.object({
  ts: isoTime.meta({ description: "start of the bucket" }),
  mean: z.number(),
  min: z.number(),
  max: z.number(),
  count: z.number(),
});

export const MAX_POINTS = 10_000;

export const readingsResponseSchema = z.object({
  device: z.string(),
  metric: z.string(),
  unit: z.string(),
  from: isoTime,
  to: isoTime,
  step: z.number().nullable().meta({ description: "bucket width in ms; null for raw points" }),
  truncated: z.boolean().meta({ description: `more than ${MAX_POINTS} points matched` }),
  points: z.array(z.union([rawPointSchema, aggregatePointSchema])),
});
export type ReadingsResponse = z.infer<typeof readingsResponseSchema>;

/** Socket.IO namespace /ops, event `reading`. */
export const liveReadingSchema = z.object({
  deviceId: z.string().min(1),
  area: z.string().nullable(),
  ts: isoTime.meta({ description: "time of the newest value in the event" }),
  values: z.record(z.string(), z.number()),
});
export type LiveReading = z.infer<typeof liveReadingSchema>;

/** Socket.IO /ops `subscribe` acknowledgement. */
export const subscribeAckSchema = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
