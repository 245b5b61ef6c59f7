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
  /** The newest hourly AQI of every air station. */
  aqiLatest(signal?: AbortSignal): Promise<AqiLatestResponse["stations"]>;
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

export function createApiClient({ baseUrl, fetch: fetchFn }: ApiClientOptions): ApiClient {
  const getJson = createGetJson(baseUrl, fetchFn);
  return {
    catalogue: async (signal) => (await getJson("/api/v1/catalogue", {}, catalogueSchema, signal)).metrics,
    devices: async (signal) => (await getJson("/api/v1/devices", {}, devicesResponseSchema, signal)).devices,
    latest: async (signal) => (await getJson("/api/v1/latest", {}, latestResponseSchema, signal)).devices,
    readings: (query, signal) => {
      const params: Record<string, string> = {
        device: query.device,
        metric: query.metric,
        from: query.from.toISOString(),
        to: query.to.toISOString(),
      };
      if (query.step !== undefined) params.step = query.step;
      return getJson("/api/v1/readings", params, readingsResponseSchema, signal);
    },
    aqiLatest: async (signal) =>
      (await getJson("/api/v1/aqi/latest", {}, aqiLatestResponseSchema, signal)).stations,
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
