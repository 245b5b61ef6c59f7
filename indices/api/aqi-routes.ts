import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { DeviceRecord, DeviceRegistry } from "../../devices/index.js";
import {
  type AqiLatestResponse,
  type AqiPending,
  type AqiPoint,
  aqiLatestResponseSchema,
  aqiSeriesResponseSchema,
  errorResponseSchema,
  MAX_POINTS,
} from "../../kernel/api-contract.js";
import type { Clock } from "../../kernel/clock.js";
import { ServiceError } from "../../kernel/errors.js";
import { DAY_MS, HOUR_MS } from "../../kernel/time.js";
import {
  areaCodeSchema,
  deviceIdSchema,
  instantSchema,
  isoTime,
  timeWindowProblem,
} from "../../platform/http/query-schemas.js";
import type { TimeSeriesStore } from "../../readings/index.js";
import { type FirstAqiTiming, firstAqiExpectedAt } from "../engine/first-aqi-estimate.js";
import { aqiView } from "../engine/index-calculations.js";
import {
  type AqiPeriod,
  type AqiStandard,
  aqiSeriesKey,
  contractStandard,
  subIndexKeyOf,
  subIndexSeriesKey,
} from "../engine/index-series.js";
import { hourStartOf } from "../engine/index-time.js";

const DEFAULT_SPAN_MS: Readonly<Record<AqiPeriod, number>> = { hour: DAY_MS, day: 30 * DAY_MS };

export interface AqiRoutesOptions {
  readonly store: TimeSeriesStore;
  readonly registry: DeviceRegistry;
  readonly clock: Clock;
  readonly standard: AqiStandard;
  /** The engine's timing (INDEX_GRACE_MS, INDEX_TICK_MS), for when a new station's first AQI comes. */
  readonly timing?: FirstAqiTiming;
}

/** How far back a station's first PM reading is looked for: a little more than the first AQI needs. */
const PENDING_LOOKBACK_MS = 4 * HOUR_MS;
const AQI_INPUTS = ["pm25", "pm10"] as const;

/** A stored AQI with its stored sub-indices, as the API shows it (category, dominant, advice rebuilt). */
export function aqiPoint(standard: AqiStandard, ts: number, aqi: number, subIndices: Record<string, number>) {
  const view = aqiView(standard, aqi, subIndices);
  const point: AqiPoint = {
    ts: isoTime(ts),
    aqi,
    category: { ...view.category, rgb: [...view.category.rgb] },
    dominant: view.dominant,
    subIndices,
  };
  return { point, advice: view.advice };
}

export const stationRef = (device: DeviceRecord | undefined, station: string) => ({
  station,
  name: device?.name ?? station,
  area: device?.area ?? null,
  areaName: device?.areaName ?? null,
  lat: device?.lat ?? null,
  lon: device?.lon ?? null,
});

export const aqiRoutes: FastifyPluginAsyncZod<AqiRoutesOptions> = async (app, options) => {
  const { store, registry, clock, standard } = options;
  const timing = options.timing ?? { graceMs: 0, tickMs: 0 };

  /** When a reporting air station without an AQI gets its first one (never a time already past). */
  async function pendingEntry(device: DeviceRecord, now: number): Promise<AqiPending> {
    let since: number | null = null;
    for (const metric of AQI_INPUTS) {
      if (!device.metrics.includes(metric) && device.metrics.length > 0) continue;
      const first = await store.range({
        deviceId: device.id,
        metric,
        from: now - PENDING_LOOKBACK_MS,
        to: now + 1,
        limit: 1,
      });
      const ts = first.points[0]?.ts;
      if (ts !== undefined && (since === null || ts < since)) since = ts;
    }
    let expectedAt: number | null = null;
    if (since !== null) {
      expectedAt = firstAqiExpectedAt(since, timing);
      // Gaps kept the first hours incomplete: the next hour to close is the earliest chance.
      if (expectedAt <= now) expectedAt = hourStartOf(now) + HOUR_MS + timing.graceMs + timing.tickMs;
    }
    return {
      ...stationRef(device, device.id),
      since: since === null ? null : isoTime(since),
      expectedAt: expectedAt === null ? null : isoTime(expectedAt),
    };
  }

  app.get(
    "/aqi",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["indices"],
        summary:
          "A station's hourly or daily AQI (AQI_STANDARD: VN_AQI by default) with category, dominant pollutant and sub-indices",
        querystring: z.object({
          station: deviceIdSchema,
          period: z.enum(["hour", "day"], { error: "period must be hour or day" }).default("hour"),
          from: instantSchema.optional(),
          to: instantSchema.optional(),
        }),
        response: { 200: aqiSeriesResponseSchema, 400: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const { station, period } = request.query;
      const to = request.query.to ?? clock.now();
      const from = request.query.from ?? to - DEFAULT_SPAN_MS[period];
      const problem = timeWindowProblem(from, to);
      if (problem) throw new ServiceError("bad_request", problem);
      if (!(await registry.get(station))) throw new ServiceError("not_found", `no station '${station}'`);

      const range = (metric: Parameters<TimeSeriesStore["range"]>[0]["metric"]) =>
        store.range({ deviceId: station, metric, from, to, limit: MAX_POINTS });
      const aqis = await range(aqiSeriesKey(standard, period));
      // Which sub-indices this station has: its series named after the AQI series.
      const subKeys = (await store.latest({ deviceIds: [station] }))
        .map((v) => subIndexKeyOf(v.metric, standard, period))
        .filter((key): key is string => key !== undefined);
      const subIndices = new Map<number, Record<string, number>>();
      for (const key of subKeys) {
        for (const p of (await range(subIndexSeriesKey(standard, period, key))).points) {
          const record = subIndices.get(p.ts) ?? {};
          record[key] = "value" in p ? p.value : p.mean;
          subIndices.set(p.ts, record);
        }
      }
      return {
        station,
        period,
        standard: contractStandard(standard),
        from: isoTime(from),
        to: isoTime(to),
        points: aqis.points.map((p) => {
          const aqi = "value" in p ? p.value : p.mean;
          return aqiPoint(standard, p.ts, aqi, subIndices.get(p.ts) ?? {}).point;
        }),
      };
    },
  );

  /** Each station's newest hourly AQI with its place in the registry. */
  async function aqiLatest(area: string | undefined): Promise<AqiLatestResponse> {
    const devices = await registry.list(area === undefined ? undefined : { area });
    const byId = new Map(devices.map((d) => [d.id, d]));
    const latest = await store.latest(area === undefined ? undefined : { deviceIds: [...byId.keys()] });
    const aqiKey = aqiSeriesKey(standard, "hour");
    const newest = new Map<string, { ts: number; aqi: number; subIndices: Record<string, number> }>();
    for (const v of latest)
      if (v.metric === aqiKey) newest.set(v.deviceId, { ts: v.ts, aqi: v.value, subIndices: {} });
    for (const v of latest) {
      const key = subIndexKeyOf(v.metric, standard, "hour");
      const entry = newest.get(v.deviceId);
      // A sub-index counts only when it belongs to the same hour as the newest AQI.
      if (key !== undefined && entry && entry.ts === v.ts) entry.subIndices[key] = v.value;
    }
    const stations = [...newest]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([station, { ts, aqi, subIndices }]) => {
        const { point, advice } = aqiPoint(standard, ts, aqi, subIndices);
        return { ...stationRef(byId.get(station), station), ...point, advice };
      });
    const now = clock.now();
    const pending = await Promise.all(
      devices
        .filter((d) => d.kind === "air" && d.lifecycle !== "decommissioned" && !newest.has(d.id))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((d) => pendingEntry(d, now)),
    );
    return { standard: contractStandard(standard), stations, pending };
  }

  const latestQuery = z.object({ area: areaCodeSchema.optional() });

  app.get(
    "/aqi/latest",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["indices"],
        summary:
          "Each air station's newest hourly AQI: category, colour, dominant pollutant and health advice (optionally one area)",
        querystring: latestQuery,
        response: { 200: aqiLatestResponseSchema, 400: errorResponseSchema },
      },
    },
    async (request) => aqiLatest(request.query.area),
  );

  app.get(
    "/public/aqi/latest",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary: "The AQI for residents (no login): the same as /api/v1/aqi/latest",
        querystring: latestQuery,
        response: { 200: aqiLatestResponseSchema, 400: errorResponseSchema },
      },
    },
    async (request) => aqiLatest(request.query.area),
  );
};
