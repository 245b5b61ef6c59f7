/**
 * The department's view of the facilities that report by file: each station's completeness and
 * exceedances today, the files received (with what was refused and why), the values with their
 * quality flags, and max/min/mean per hour or day.
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorResponseSchema } from "../../kernel/api-contract.js";
import type { Clock } from "../../kernel/clock.js";
import { ServiceError } from "../../kernel/errors.js";
import { DAY_MS } from "../../kernel/time.js";
import {
  deviceIdSchema,
  instantSchema,
  isoTime,
  timeWindowProblem,
} from "../../platform/http/query-schemas.js";
import { type FacilitiesFile, type FileStation, limitsInForce } from "../model/facilities.js";
import { facilitiesResponseSchema as facilitiesResponse } from "../model/facilities-view.js";
import { DEVICE_STATUSES } from "../model/station-file.js";
import { daySummary, periodStatistics, vietnamDayOf } from "../model/statistics.js";
import { FILE_OUTCOMES, type StationFileRepository } from "../store/station-file-repository.js";

export interface IndustrialRoutesOptions {
  readonly facilities: FacilitiesFile;
  readonly repository: StationFileRepository;
  readonly clock: Clock;
}

/** Five-minute files of a dozen parameters for 31 days. */
const MAX_VALUES = 120_000;
const MAX_STATISTICS_SPAN_MS = 31 * DAY_MS;
const quality = z.enum(Object.values(DEVICE_STATUSES) as [string, ...string[]]);
const nullableNumber = z.number().nullable();

const lineProblemSchema = z.object({
  line: z.number().int(),
  reason: z.string(),
  message: z.string(),
  text: z.string(),
});
const filesResponse = z.object({
  files: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      folder: z.string(),
      deviceId: z.string().nullable(),
      fileAt: z.string().nullable(),
      receivedAt: z.string(),
      outcome: z.enum(FILE_OUTCOMES),
      acceptedLines: z.number().int(),
      refusedLines: z.number().int(),
      reason: z.string().nullable(),
      problems: z.array(lineProblemSchema),
      archivedAs: z.string().nullable(),
    }),
  ),
});
const valuesResponse = z.object({
  deviceId: z.string(),
  values: z.array(
    z.object({ metric: z.string(), symbol: z.string(), ts: z.string(), value: z.number(), quality }),
  ),
});
const statisticsResponse = z.object({
  deviceId: z.string(),
  period: z.enum(["hour", "day"]),
  statistics: z.array(
    z.object({
      metric: z.string(),
      from: z.string(),
      max: nullableNumber,
      min: nullableNumber,
      mean: nullableNumber,
      count: z.number().int().meta({ description: "measuring values counted" }),
      flagged: z.number().int().meta({ description: "calibrating, error or maintenance values left out" }),
    }),
  ),
});
const window = z.object({ from: instantSchema.optional(), to: instantSchema.optional() });
const finiteOrNull = (n: number) => (Number.isFinite(n) ? n : null);

export const industrialRoutes: FastifyPluginAsyncZod<IndustrialRoutesOptions> = async (
  app,
  { facilities, repository, clock },
) => {
  const stations = new Map<string, FileStation>(
    facilities.facilities.flatMap((f) => f.stations.map((s) => [s.deviceId, s] as const)),
  );
  const stationOf = (deviceId: string) => {
    const station = stations.get(deviceId);
    if (!station) throw new ServiceError("not_found", `no station '${deviceId}' reports by file`);
    return station;
  };
  const windowOf = (query: { from?: number | undefined; to?: number | undefined }, maxSpan: number) => {
    const to = query.to ?? clock.now();
    const from = query.from ?? to - DAY_MS;
    const problem =
      timeWindowProblem(from, to) ??
      (to - from > maxSpan ? "the span from–to is limited to 31 days" : undefined);
    if (problem) throw new ServiceError("bad_request", problem);
    return { from, to };
  };

  app.get(
    "/industrial/facilities",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["industrial"],
        summary:
          "Facilities reporting by file: stations, limits in force, today's completeness and exceedances",
        response: { 200: facilitiesResponse },
      },
    },
    async () => {
      const now = clock.now();
      const day = vietnamDayOf(now);
      const received = await repository.filesReceived(day, day + DAY_MS);
      const result = [];
      for (const facility of facilities.facilities) {
        const stationViews = [];
        for (const station of facility.stations) {
          const values = await repository.values(station.deviceId, day, day + DAY_MS, MAX_VALUES);
          stationViews.push({
            code: station.code,
            deviceId: station.deviceId,
            name: station.name,
            kind: station.kind,
            intervalMinutes: station.intervalMinutes,
            limits: limitsInForce(station, now),
            today: daySummary(station, day, now, received.get(station.deviceId) ?? 0, values),
          });
        }
        result.push({
          code: facility.code,
          name: facility.name,
          taxCode: facility.taxCode,
          industrialZone: facility.industrialZone ?? null,
          area: facility.area,
          areaName: facility.areaName,
          stations: stationViews,
        });
      }
      return { facilities: result };
    },
  );

  app.get(
    "/industrial/files",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["industrial"],
        summary: "Station files received, newest first, with what was refused and why",
        querystring: z.object({
          station: deviceIdSchema.optional(),
          outcome: z.enum(FILE_OUTCOMES).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: filesResponse, 400: errorResponseSchema },
      },
    },
    async (request) => {
      const { station, outcome, limit } = request.query;
      const files = await repository.list({
        ...(station === undefined ? {} : { deviceId: station }),
        ...(outcome === undefined ? {} : { outcome }),
        limit,
      });
      return {
        files: files.map((f) => ({
          id: f.id,
          name: f.name,
          folder: f.folder,
          deviceId: f.deviceId,
          fileAt: f.fileAt === null ? null : isoTime(f.fileAt),
          receivedAt: isoTime(f.receivedAt),
          outcome: f.outcome,
          acceptedLines: f.acceptedLines,
          refusedLines: f.refusedLines,
          reason: f.problems.reason ?? null,
          problems: [...f.problems.lines],
          archivedAs: f.archivedAs,
        })),
      };
    },
  );

  app.get(
    "/industrial/stations/:deviceId/values",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["industrial"],
        summary: "A station's values with their quality flags (default: the last 24 hours)",
        params: z.object({ deviceId: deviceIdSchema }),
        querystring: window,
        response: { 200: valuesResponse, 400: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const { deviceId } = request.params;
      stationOf(deviceId);
      const { from, to } = windowOf(request.query, MAX_STATISTICS_SPAN_MS);
      const values = await repository.values(deviceId, from, to, MAX_VALUES);
      return {
        deviceId,
        values: values.map((v) => ({
          metric: v.metric,
          symbol: v.symbol,
          ts: isoTime(v.ts),
          value: v.value,
          quality: v.quality,
        })),
      };
    },
  );

  app.get(
    "/industrial/stations/:deviceId/statistics",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["industrial"],
        summary: "Max, min and mean of measuring values per hour or Vietnam day (default: the last 24 hours)",
        params: z.object({ deviceId: deviceIdSchema }),
        querystring: window.extend({ period: z.enum(["hour", "day"]).default("hour") }),
        response: { 200: statisticsResponse, 400: errorResponseSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const { deviceId } = request.params;
      stationOf(deviceId);
      const { period } = request.query;
      const { from, to } = windowOf(request.query, MAX_STATISTICS_SPAN_MS);
      const values = await repository.values(deviceId, from, to, MAX_VALUES);
      return {
        deviceId,
        period,
        statistics: periodStatistics(values, period).map((s) => ({
          metric: s.metric,
          from: isoTime(s.from),
          max: finiteOrNull(s.max),
          min: finiteOrNull(s.min),
          mean: finiteOrNull(s.mean),
          count: s.count,
          flagged: s.flagged,
        })),
      };
    },
  );
};
