/**
 * Response shapes of the HTTP API and the live events: the API serialises with them and
 * publishes them in OpenAPI, the dashboard checks what it receives with them. Pure zod, so the
 * browser bundle can import it.
 */
import { z } from "zod";
import { ERROR_CATALOGUE, ERROR_CODES } from "./errors.js";
import { wqiSettingsSchema } from "./water-quality.js";

const isoTime = z.string().meta({ description: "ISO 8601, UTC" });

/**
 * Every error answer: a code of the catalogue (kernel/errors.ts) and a message in words. The code
 * is a plain string here, not an enum: a schema that refused other strings would turn a framework's
 * own error answer into a serialisation failure (500) on a server without the service's replies.
 */
export const errorResponseSchema = z.object({
  error: z.string().meta({
    description: `one of the catalogue's codes, each with one status: ${ERROR_CODES.map((c) => `${c} ${ERROR_CATALOGUE[c].status}`).join(", ")}`,
  }),
  message: z.string(),
});

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

export const floodThresholdsSchema = z.object({ I: z.number(), II: z.number(), III: z.number() });

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
  floodLevels: floodThresholdsSchema
    .nullable()
    .meta({ description: "flood alarm levels I, II, III in metres (water-level stations)" }),
  wqiSettings: wqiSettingsSchema
    .nullable()
    .optional()
    .meta({ description: "VN_WQI settings (water-quality stations): formula 5, required groups" }),
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

/** One device's newest stored values, as pushed on Socket.IO /ops. */
export const liveReadingSchema = z.object({
  deviceId: z.string().min(1),
  area: z.string().nullable(),
  ts: isoTime.meta({ description: "time of the newest value in the event" }),
  values: z.record(z.string(), z.number()),
});
export type LiveReading = z.infer<typeof liveReadingSchema>;

/**
 * Socket.IO /ops event carrying, in one frame, every device's reading event that fell due in the
 * same tick (one frame per screen per tick, however many stations report).
 */
export const LIVE_READINGS_EVENT = "readings";
export const liveReadingsFrameSchema = z.array(liveReadingSchema).min(1);

/** Socket.IO /ops `subscribe` acknowledgement. */
export const subscribeAckSchema = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

// --- Environmental indices (VN_AQI, US AQI, VN_WQI, flood alarm levels) ---

export const categorySchema = z.object({
  key: z.string(),
  vi: z.string(),
  en: z.string(),
  rgb: z.tuple([z.number(), z.number(), z.number()]),
});
export type IndexCategory = z.infer<typeof categorySchema>;

const bilingual = z.object({ vi: z.string(), en: z.string() });
export const adviceSchema = z.object({ general: bilingual, sensitive: bilingual });

export const aqiPointSchema = z.object({
  ts: isoTime.meta({ description: "start of the hour (period hour) or of the local day (period day)" }),
  aqi: z.number().int(),
  category: categorySchema,
  dominant: z.string(),
  subIndices: z.record(z.string(), z.number()),
});
export type AqiPoint = z.infer<typeof aqiPointSchema>;

export const aqiSeriesResponseSchema = z.object({
  station: z.string(),
  period: z.enum(["hour", "day"]),
  standard: z.enum(["vn_aqi", "us_aqi"]),
  from: isoTime,
  to: isoTime,
  points: z.array(aqiPointSchema),
});

const stationRef = {
  station: z.string(),
  name: z.string(),
  area: z.string().nullable(),
  areaName: z.string().nullable(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
};

/** An air station that reports but has no hourly AQI yet (the first needs two complete hours). */
export const aqiPendingSchema = z.object({
  ...stationRef,
  since: isoTime
    .nullable()
    .meta({ description: "its earliest PM reading of the last hours; null: none yet" }),
  expectedAt: isoTime
    .nullable()
    .meta({ description: "about when its first hourly AQI is computed if it keeps reporting" }),
});
export type AqiPending = z.infer<typeof aqiPendingSchema>;

export const aqiLatestResponseSchema = z.object({
  standard: z.enum(["vn_aqi", "us_aqi"]),
  stations: z.array(z.object({ ...stationRef, ...aqiPointSchema.shape, advice: adviceSchema })),
  /** Air stations without an AQI yet; older services leave it out. */
  pending: z.array(aqiPendingSchema).default([]),
});
export type AqiLatestResponse = z.infer<typeof aqiLatestResponseSchema>;

export const wqiLatestResponseSchema = z.object({
  stations: z.array(
    z.object({ ...stationRef, ts: isoTime, wqi: z.number().int(), category: categorySchema }),
  ),
});

export const wqiSeriesResponseSchema = z.object({
  station: z.string(),
  from: isoTime,
  to: isoTime,
  points: z.array(
    z.object({
      ts: isoTime.meta({ description: "start of the hour" }),
      wqi: z.number().int(),
      category: categorySchema,
    }),
  ),
});

export const floodLatestResponseSchema = z.object({
  stations: z.array(
    z.object({
      ...stationRef,
      ts: isoTime.nullable(),
      waterLevel: z.number().nullable().meta({ description: "metres" }),
      thresholds: floodThresholdsSchema.nullable(),
      level: z
        .number()
        .int()
        .min(0)
        .max(3)
        .nullable()
        .meta({ description: "0 below level I; null without thresholds or data" }),
      suspect: z.object({ ts: isoTime, waterLevel: z.number() }).nullable().default(null).meta({
        description:
          "a newer reading held back as implausible (a spike) until the next one confirms it; the level is from the last believable one",
      }),
      label: bilingual.nullable(),
    }),
  ),
});
export type FloodLatestResponse = z.infer<typeof floodLatestResponseSchema>;

/** Socket.IO /ops event `aqi`: a station's AQI for an hour (or day) that has just closed or was recomputed. */
export const liveAqiSchema = z.object({
  station: z.string(),
  area: z.string().nullable(),
  period: z.enum(["hour", "day"]),
  ts: isoTime,
  aqi: z.number().int(),
  category: categorySchema,
  dominant: z.string(),
});
export type LiveAqi = z.infer<typeof liveAqiSchema>;

// --- Alerts: rules, alerts, transitions (the `alert` live event) ---

const severitySchema = z.enum(["minor", "major", "critical"]);
const audienceSchema = z.enum(["operators", "public"]);

/**
 * The `alert` event on /ops and /public, and a webhook's body: one stored transition of an alert.
 * `id` grows monotonically; a client keeps the newest it has seen and sends it back as
 * `auth.lastAlertId` when it reconnects. On /public, `actor` and `comment` are always null.
 */
export const alertEventSchema = z.object({
  id: z.number().int().meta({ description: "transition id: monotonic, the replay cursor" }),
  alertId: z.number().int(),
  ruleId: z.number().int(),
  transition: z.enum(["opened", "escalated", "cleared", "acknowledged", "resolved", "reminder"]),
  state: z.enum(["active", "cleared"]).meta({ description: "the alert's state after this transition" }),
  acknowledged: z.boolean(),
  severity: severitySchema,
  audience: audienceSchema,
  metric: z.string().meta({ description: "the rule's subject: a catalogue metric, aqi or flood_level" }),
  value: z.number().nullable(),
  deviceId: z.string(),
  area: z.string().nullable(),
  message: bilingual,
  actor: z.string().nullable().meta({ description: "the operator; null for the engine" }),
  comment: z.string().nullable(),
  at: isoTime,
});
export type AlertEventPayload = z.infer<typeof alertEventSchema>;

export const alertSummarySchema = z.object({
  id: z.number().int(),
  ruleId: z.number().int(),
  ruleVersion: z.number().int(),
  deviceId: z.string(),
  metric: z.string(),
  area: z.string().nullable(),
  audience: audienceSchema,
  severity: severitySchema,
  state: z.enum(["active", "cleared"]),
  acknowledged: z.boolean(),
  resolved: z.boolean(),
  openedAt: isoTime,
  clearedAt: isoTime.nullable(),
  lastValue: z.number().nullable(),
  message: bilingual.meta({ description: "of the latest opening, escalation or clearing" }),
});
export type AlertSummaryPayload = z.infer<typeof alertSummarySchema>;
export const alertsResponseSchema = z.object({ alerts: z.array(alertSummarySchema) });
export const alertDetailSchema = alertSummarySchema.extend({ transitions: z.array(alertEventSchema) });
export type AlertDetailPayload = z.infer<typeof alertDetailSchema>;

/** Public alerts for residents: no rule version, acknowledgement or resolution. */
export const publicAlertSchema = alertSummarySchema.omit({
  ruleVersion: true,
  acknowledged: true,
  resolved: true,
});
export const publicAlertsResponseSchema = z.object({ alerts: z.array(publicAlertSchema) });

/** POST /api/v1/alerts/:id/ack and /resolve, body. */
export const alertActionBodySchema = z.strictObject({
  comment: z
    .string({ error: "comment must be text" })
    .trim()
    .max(2000, "comment must be at most 2000 characters")
    .optional(),
});

/**
 * A rule as stored: its definition (the fields of alerts/model/rule.ts, defaults filled in) at
 * its current version. Only the fields every client relies on are spelled out.
 */
export const alertRuleSchema = z.looseObject({
  id: z.number().int(),
  version: z.number().int(),
  enabled: z.boolean(),
  name: z.string(),
  metric: z.string(),
  scope: z.looseObject({}),
  condition: z.looseObject({ type: z.string() }),
  severity: severitySchema,
  audience: audienceSchema,
});
export type AlertRulePayload = z.infer<typeof alertRuleSchema>;
export const alertRulesResponseSchema = z.object({ rules: z.array(alertRuleSchema) });
export const alertRuleVersionSchema = z.object({
  version: z.number().int(),
  definition: z.looseObject({}),
  createdAt: isoTime,
  actor: z.string().nullable(),
});
export const alertRuleDetailSchema = alertRuleSchema.extend({
  versions: z.array(alertRuleVersionSchema).meta({ description: "oldest first" }),
});

/** A refused rule: every problem, one line each, prefixed with the field path (absent when the body is not JSON). */
export const invalidRuleResponseSchema = errorResponseSchema.extend({
  problems: z.array(z.string()).optional(),
});

export const publicAreasResponseSchema = z.object({
  areas: z.array(z.object({ code: z.string(), name: z.string() })),
});
