import type { z } from "zod";
import {
  type CatalogueMetric,
  catalogueSchema,
  type Device,
  devicesResponseSchema,
  type LatestResponse,
  latestResponseSchema,
  type ReadingsResponse,
  readingsResponseSchema,
} from "./contract.js";

export interface ReadingsQuery {
  device: string;
  metric: string;
  from: Date;
  to: Date;
  /** Bucket size such as "30s"; omitted for raw points. */
  step?: string;
}

export interface ApiClient {
  catalogue(signal?: AbortSignal): Promise<CatalogueMetric[]>;
  devices(signal?: AbortSignal): Promise<Device[]>;
  latest(signal?: AbortSignal): Promise<LatestResponse["devices"]>;
  readings(query: ReadingsQuery, signal?: AbortSignal): Promise<ReadingsResponse>;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ApiClientOptions {
  /** Origin of the service, e.g. location.origin. */
  baseUrl: string;
  fetch: typeof fetch;
}

export function createApiClient({ baseUrl, fetch: fetchFn }: ApiClientOptions): ApiClient {
  async function getJson<S extends z.ZodType>(
    path: string,
    params: Record<string, string>,
    schema: S,
    signal?: AbortSignal,
  ): Promise<z.infer<S>> {
    const url = new URL(path, baseUrl);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    const response = await fetchFn(url, { headers: { accept: "application/json" }, signal });
    if (!response.ok) {
      throw new ApiError(`GET ${url.pathname} answered ${response.status}`, response.status);
    }
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success) {
      throw new ApiError(`GET ${url.pathname} sent an unexpected payload: ${parsed.error.message}`, null);
    }
    return parsed.data;
  }

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
  };
}
