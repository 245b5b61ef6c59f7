/**
 * The index calculators over HTTP, for data from outside the network (manual samples, other
 * networks): POST a payload, get the index. 200 with the result, 422 when the data cannot support
 * an index (insufficient_data), 400 for input that is not valid (negative, non-finite, wrong type,
 * too many hours, unknown field).
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorResponseSchema } from "../../kernel/api-contract.js";
import { ServiceError } from "../../kernel/errors.js";
import { wqiSettingsSchema } from "../../kernel/water-quality.js";
import { instantSchema, isoTime } from "../../platform/http/query-schemas.js";
import { qcvn05Exceedances } from "../calculators/qcvn05.js";
import type { IndexOutcome } from "../calculators/types.js";
import { usAqiHourly } from "../calculators/us-aqi.js";
import { vnAqiDaily, vnAqiHourly } from "../calculators/vn-aqi.js";
import { vnWqi } from "../calculators/vn-wqi.js";

const MAX_HOURS = 12;
const MAX_AVERAGES = 1000;
/** Every payload here is a handful of numbers; a larger body is refused (413) before parsing. */
const BODY_LIMIT_BYTES = 64 * 1024;

const nonNegative = (unit: string) =>
  z
    .number({ error: `expected a finite number (${unit})` })
    .min(0, { error: `must be ≥ 0 ${unit}` })
    .meta({ description: unit });
const optionalValue = (unit: string) => nonNegative(unit).nullable().optional();
const UG_M3 = "µg/m³";

const hourlySeries = z
  .array(nonNegative(UG_M3).nullable())
  .max(MAX_HOURS, { error: `at most ${MAX_HOURS} hourly means (c1 … c12)` })
  .optional()
  .meta({
    description: "hourly means c1 … c12 in µg/m³, c1 = the current hour first, null for a missing hour",
  });

const vnAqiHourlyBody = z.strictObject({
  pm25: hourlySeries,
  pm10: hourlySeries,
  o3: optionalValue(UG_M3),
  no2: optionalValue(UG_M3),
  so2: optionalValue(UG_M3),
  co: optionalValue(UG_M3),
});

const vnAqiDailyBody = z.strictObject({
  pm25: optionalValue(UG_M3).meta({ description: "24-hour mean, µg/m³" }),
  pm10: optionalValue(UG_M3).meta({ description: "24-hour mean, µg/m³" }),
  o3_1h: optionalValue(UG_M3).meta({ description: "the day's maximum 1-hour mean, µg/m³" }),
  o3_8h: optionalValue(UG_M3).meta({ description: "the day's maximum 8-hour mean, µg/m³" }),
  no2: optionalValue(UG_M3).meta({ description: "the day's maximum 1-hour mean, µg/m³" }),
  so2: optionalValue(UG_M3).meta({ description: "the day's maximum 1-hour mean, µg/m³" }),
  co: optionalValue(UG_M3).meta({ description: "the day's maximum 1-hour mean, µg/m³" }),
});

const usAqiBody = z.strictObject({ pm25: hourlySeries, pm10: hourlySeries });

const MG_L = "mg/L";
const UG_L = "µg/L";
const vnWqiBody = z.strictObject({
  ph: nonNegative("pH").max(14, { error: "must be ≤ 14" }).nullable().optional(),
  aldrin: optionalValue(UG_L),
  bhc: optionalValue(UG_L),
  dieldrin: optionalValue(UG_L),
  ddts: optionalValue(UG_L),
  heptachlor: optionalValue(UG_L).meta({ description: "heptachlor + heptachlor epoxide, µg/L" }),
  as: optionalValue(MG_L),
  cd: optionalValue(MG_L),
  pb: optionalValue(MG_L),
  cr6: optionalValue(MG_L),
  cu: optionalValue(MG_L),
  zn: optionalValue(MG_L),
  hg: optionalValue(MG_L),
  do: optionalValue(MG_L).meta({ description: "dissolved oxygen, mg/L (needs temperature)" }),
  temperature: nonNegative("°C").max(50, { error: "must be ≤ 50 °C" }).nullable().optional(),
  bod5: optionalValue(MG_L),
  cod: optionalValue(MG_L),
  toc: optionalValue(MG_L),
  nh4: optionalValue(MG_L).meta({ description: "N-NH4, mg/L" }),
  no3: optionalValue(MG_L).meta({ description: "N-NO3, mg/L" }),
  no2: optionalValue(MG_L).meta({ description: "N-NO2, mg/L" }),
  po4: optionalValue(MG_L).meta({ description: "P-PO4, mg/L" }),
  coliform: optionalValue("MPN/100 mL"),
  ecoli: optionalValue("MPN/100 mL"),
  options: wqiSettingsSchema
    .optional()
    .meta({ description: "the water body's settings: formula 5 (weighted), groups it requires" }),
});

const qcvn05Pollutant = z.enum(["so2", "co", "no2", "o3", "tsp", "pm10", "pm25"]);
const qcvn05Period = z.enum(["1h", "8h", "24h", "year"]);
const qcvn05Body = z.strictObject({
  averages: z
    .array(
      z.strictObject({
        pollutant: qcvn05Pollutant,
        period: qcvn05Period,
        value: nonNegative("µg/Nm³"),
        at: z
          .union([z.number().int().min(0), instantSchema], {
            error: "expected epoch milliseconds or ISO 8601 with an offset",
          })
          .meta({ description: "start of the averaging period: epoch ms or ISO 8601 with offset" }),
      }),
    )
    .max(MAX_AVERAGES, { error: `at most ${MAX_AVERAGES} averages` }),
});

const categorySchema = z.object({
  key: z.string(),
  vi: z.string(),
  en: z.string(),
  rgb: z.tuple([z.number().int(), z.number().int(), z.number().int()]).readonly(),
});
const bilingual = z.object({ vi: z.string(), en: z.string() });
const subIndexValue = z.number().int().optional();

const aqiResponseSchema = z.object({
  aqi: z.number().int().min(0).max(500),
  category: categorySchema,
  dominant: z.enum(["pm25", "pm10", "o3", "no2", "so2", "co"]),
  subIndices: z
    .object({
      pm25: subIndexValue,
      pm10: subIndexValue,
      o3_1h: subIndexValue,
      o3_8h: subIndexValue,
      no2: subIndexValue,
      so2: subIndexValue,
      co: subIndexValue,
    })
    .meta({ description: "sub-indices of the pollutants given, each rounded half-up" }),
  advice: z.object({ general: bilingual, sensitive: bilingual }),
  nowcast: z
    .object({ pm25: z.number().nullable(), pm10: z.number().nullable() })
    .optional()
    .meta({ description: "hourly indices: the NowCasts in µg/m³" }),
});

const wqiGroup = z.number().int().nullable();
const vnWqiResponseSchema = z.object({
  wqi: z.number().int().min(0).max(100),
  category: categorySchema,
  groups: z.object({ I: wqiGroup, II: wqiGroup, III: wqiGroup, IV: wqiGroup, V: wqiGroup }),
  subIndices: z.record(z.string(), z.number().int()),
  doSaturationPercent: z.number().nullable(),
});

const qcvn05ResponseSchema = z.object({
  exceedances: z.array(
    z.object({
      pollutant: qcvn05Pollutant,
      period: qcvn05Period,
      value: z.number(),
      at: z.string().meta({ description: "ISO 8601, UTC" }),
      limit: z.number(),
      excess: z.number().meta({ description: "value − limit, µg/Nm³" }),
      ratio: z.number().meta({ description: "value / limit" }),
    }),
  ),
});

/** The result; 422 insufficient_data, or 400 bad_request for a RangeError the schema did not catch. */
function answer<T extends object>(compute: () => IndexOutcome<T>): T {
  try {
    const outcome = compute();
    if (outcome.status !== "ok") throw new ServiceError("insufficient_data", outcome.reason);
    const { status: _ok, ...result } = outcome;
    return result as unknown as T;
  } catch (error) {
    if (error instanceof RangeError) throw new ServiceError("bad_request", error.message);
    throw error;
  }
}

const outcomeResponses = <T extends z.ZodType>(ok: T) => ({
  200: ok,
  400: errorResponseSchema,
  413: errorResponseSchema,
  422: errorResponseSchema.meta({ description: "insufficient_data: the input cannot support an index" }),
});

export const indexCalculatorRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    "/indices/vn-aqi/hourly",
    {
      // Pure calculators, but under /api/v1 every route needs a role unless it is /api/v1/public/*.
      config: { access: "viewer" },
      bodyLimit: BODY_LIMIT_BYTES,
      schema: {
        tags: ["indices"],
        summary: "Hourly VN_AQI (Decision 1459/QĐ-TCMT): NowCast of PM2.5/PM10 from up to 12 hourly means",
        body: vnAqiHourlyBody,
        response: outcomeResponses(aqiResponseSchema),
      },
    },
    async (request) => answer(() => vnAqiHourly(request.body)),
  );

  app.post(
    "/indices/vn-aqi/daily",
    {
      config: { access: "viewer" },
      bodyLimit: BODY_LIMIT_BYTES,
      schema: {
        tags: ["indices"],
        summary: "Daily VN_AQI (Decision 1459/QĐ-TCMT) from 24-hour PM means and the day's maxima",
        body: vnAqiDailyBody,
        response: outcomeResponses(aqiResponseSchema),
      },
    },
    async (request) => answer(() => vnAqiDaily(request.body)),
  );

  app.post(
    "/indices/us-aqi",
    {
      config: { access: "viewer" },
      bodyLimit: BODY_LIMIT_BYTES,
      schema: {
        tags: ["indices"],
        summary: "US EPA AQI (PM2.5 breakpoints of May 2024, PM10) from the NowCast of up to 12 hourly means",
        body: usAqiBody,
        response: outcomeResponses(aqiResponseSchema),
      },
    },
    async (request) => answer(() => usAqiHourly(request.body)),
  );

  app.post(
    "/indices/vn-wqi",
    {
      config: { access: "viewer" },
      bodyLimit: BODY_LIMIT_BYTES,
      schema: {
        tags: ["indices"],
        summary: "VN_WQI (Decision 1460/QĐ-TCMT) of one surface-water sample",
        body: vnWqiBody,
        response: outcomeResponses(vnWqiResponseSchema),
      },
    },
    async (request) => {
      const { options, ...sample } = request.body;
      return answer(() => vnWqi(sample, options));
    },
  );

  app.post(
    "/indices/qcvn05",
    {
      config: { access: "viewer" },
      bodyLimit: BODY_LIMIT_BYTES * 2,
      schema: {
        tags: ["indices"],
        summary:
          "QCVN 05:2023/BTNMT exceedances of 1h, 8h, 24h and yearly means (the limit in force at `at`)",
        body: qcvn05Body,
        response: { 200: qcvn05ResponseSchema, 400: errorResponseSchema, 413: errorResponseSchema },
      },
    },
    async (request) => {
      try {
        const exceedances = qcvn05Exceedances(request.body.averages);
        return { exceedances: exceedances.map((e) => ({ ...e, at: isoTime(e.at) })) };
      } catch (error) {
        if (error instanceof RangeError) throw new ServiceError("bad_request", error.message);
        throw error;
      }
    },
  );
};
