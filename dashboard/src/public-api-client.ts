import {
  type AqiLatestResponse,
  aqiLatestResponseSchema,
  type FloodLatestResponse,
  floodLatestResponseSchema,
  publicAreasResponseSchema,
} from "./contract.js";
import { createGetJson } from "./http-json.js";

/** What the residents' page may read: only the public copies under /api/v1/public/, no login. */
export interface PublicApiClient {
  /** Every station when no area is given. */
  aqiLatest(area?: string, signal?: AbortSignal): Promise<Pick<AqiLatestResponse, "stations" | "pending">>;
  floodLatest(area?: string, signal?: AbortSignal): Promise<FloodLatestResponse["stations"]>;
  /** Communes and wards with a registered station, whether or not it has reported yet. */
  areas(): Promise<{ code: string; name: string }[]>;
}

export function createPublicApiClient(options: { baseUrl: string; fetch: typeof fetch }): PublicApiClient {
  const getJson = createGetJson(options.baseUrl, options.fetch);
  const areaParams = (area?: string): Record<string, string> => (area === undefined ? {} : { area });
  return {
    areas: async () => (await getJson("/api/v1/public/areas", {}, publicAreasResponseSchema)).areas,
    aqiLatest: (area, signal) =>
      getJson("/api/v1/public/aqi/latest", areaParams(area), aqiLatestResponseSchema, signal),
    floodLatest: async (area, signal) =>
      (await getJson("/api/v1/public/flood/latest", areaParams(area), floodLatestResponseSchema, signal))
        .stations,
  };
}
