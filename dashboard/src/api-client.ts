import type { z } from "zod";
import { type FacilitiesResponse, facilitiesResponseSchema } from "../../industrial/model/index.js";
import {
  type AqiLatestResponse,
  type AqiPoint,
  aqiLatestResponseSchema,
  aqiSeriesResponseSchema,
  type CatalogueMetric,
  catalogueSchema,
  type Device,
  devicesResponseSchema,
  type FloodLatestResponse,
  floodLatestResponseSchema,
  type LatestResponse,
  latestResponseSchema,
  type ReadingsResponse,
  readingsResponseSchema,
  wqiLatestResponseSchema,
} from "./contract.js";
import { ApiError, createGetJson } from "./http-json.js";

export { ApiError };

export interface ReadingsQuery {
  device: string;
  metric: string;
  from: Date;
  to: Date;
  /** Bucket size such as "30s"; omitted for raw points. */
  step?: string;
}

export type WqiStation = z.infer<typeof wqiLatestResponseSchema>["stations"][number];

export interface AqiSeriesQuery {
  station: string;
  from: Date;
  to: Date;
}

export interface ApiClient {
  catalogue(signal?: AbortSignal): Promise<CatalogueMetric[]>;
  devices(signal?: AbortSignal): Promise<Device[]>;
  latest(signal?: AbortSignal): Promise<LatestResponse["devices"]>;
  readings(query: ReadingsQuery, signal?: AbortSignal): Promise<ReadingsResponse>;
  /** The same series as CSV for Excel (UTF-8 with BOM), with the file name the service suggests. */
  readingsCsv(query: ReadingsQuery): Promise<{ blob: Blob; filename: string }>;
  /** The newest hourly AQI of every air station, and the air stations still waiting for their first. */
  aqiLatest(signal?: AbortSignal): Promise<Pick<AqiLatestResponse, "stations" | "pending">>;
  /** The newest hourly WQI of every water-quality station. */
  wqiLatest(signal?: AbortSignal): Promise<WqiStation[]>;
  /** Hourly AQI of one station. */
  aqiHours(query: AqiSeriesQuery, signal?: AbortSignal): Promise<AqiPoint[]>;
  floodLatest(signal?: AbortSignal): Promise<FloodLatestResponse["stations"]>;
  /** Facilities reporting by file with today's completeness; null when the service has none. */
  facilities(signal?: AbortSignal): Promise<FacilitiesResponse["facilities"] | null>;
}

export interface ApiClientOptions {
  /** Origin of the service, e.g. location.origin. */
  baseUrl: string;
  fetch: typeof fetch;
}

function readingsParams(query: ReadingsQuery): Record<string, string> {
  const params: Record<string, string> = {
    device: query.device,
    metric: query.metric,
    from: query.from.toISOString(),
    to: query.to.toISOString(),
  };
  if (query.step !== undefined) params.step = query.step;
  return params;
}

export function createApiClient({ baseUrl, fetch: fetchFn }: ApiClientOptions): ApiClient {
  const getJson = createGetJson(baseUrl, fetchFn);
  return {
    async readingsCsv(query) {
      const url = new URL("/api/v1/readings", baseUrl);
      for (const [name, value] of Object.entries({ ...readingsParams(query), format: "excel" })) {
        url.searchParams.set(name, value);
      }
      const response = await fetchFn(url, { headers: { accept: "text/csv" } });
      if (!response.ok)
        throw new ApiError(`GET ${url.pathname} answered ${response.status}`, response.status);
      const disposition = response.headers.get("content-disposition") ?? "";
      const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `${query.device}_${query.metric}.csv`;
      return { blob: await response.blob(), filename };
    },
    catalogue: async (signal) => (await getJson("/api/v1/catalogue", {}, catalogueSchema, signal)).metrics,
    devices: async (signal) => (await getJson("/api/v1/devices", {}, devicesResponseSchema, signal)).devices,
    latest: async (signal) => (await getJson("/api/v1/latest", {}, latestResponseSchema, signal)).devices,
    readings: (query, signal) =>
      getJson("/api/v1/readings", readingsParams(query), readingsResponseSchema, signal),
    aqiLatest: (signal) => getJson("/api/v1/aqi/latest", {}, aqiLatestResponseSchema, signal),
    wqiLatest: async (signal) =>
      (await getJson("/api/v1/wqi/latest", {}, wqiLatestResponseSchema, signal)).stations,
    aqiHours: async (query, signal) => {
      const params = {
        station: query.station,
        period: "hour",
        from: query.from.toISOString(),
        to: query.to.toISOString(),
      };
      return (await getJson("/api/v1/aqi", params, aqiSeriesResponseSchema, signal)).points;
    },
    floodLatest: async (signal) =>
      (await getJson("/api/v1/flood/latest", {}, floodLatestResponseSchema, signal)).stations,
    facilities: async (signal) => {
      try {
        return (await getJson("/api/v1/industrial/facilities", {}, facilitiesResponseSchema, signal))
          .facilities;
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  };
}
