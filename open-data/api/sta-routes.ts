import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { ServiceError } from "../../kernel/errors.js";
import { FilterEvaluationError } from "../model/filter-evaluation.js";
import { QueryOptionError, readQueryOptions } from "../model/query-options.js";
import { parseResourcePath, ResourcePathError } from "../model/resource-path.js";
import { QueryTooBroadError } from "../sta/observation-query.js";
import type { Presentation } from "../sta/sta-entities.js";
import type { StaService } from "../sta/sta-service.js";
import { sendCached } from "./http-caching.js";

export const STA_PREFIX = "/sta";
export const STA_VERSIONS = ["v1.1", "v1.0"] as const;

export interface StaRoutesOptions {
  readonly sta: StaService;
  /** Config PUBLIC_BASE_URL; the request's own address when unset. */
  readonly publicBaseUrl?: string;
  /** Where the data dictionary is, relative to the base URL. */
  readonly dictionaryPath: string;
  readonly rateLimit: RouteRateLimit;
}

/** A route's own rate limit per client address (@fastify/rate-limit's route config). */
export interface RouteRateLimit {
  readonly max: number;
  /** Milliseconds. */
  readonly timeWindow: number;
}

export const baseUrlOf = (request: FastifyRequest, configured: string | undefined) =>
  (configured ?? `${request.protocol}://${request.host}`).replace(/\/+$/, "");

/**
 * SensorThings API Part 1 (Sensing), read-only and public, at /sta/v1.1 and /sta/v1.0. Every
 * answer carries an ETag (304 when unchanged); the public rate limit applies (access "public").
 */
export const staRoutes: FastifyPluginAsync<StaRoutesOptions> = async (app, options) => {
  for (const version of STA_VERSIONS) {
    const prefix = `${STA_PREFIX}/${version}`;
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const base = baseUrlOf(request, options.publicBaseUrl);
      const presentation: Presentation = {
        base,
        root: `${base}${prefix}`,
        version,
        dictionaryUrl: `${base}${options.dictionaryPath}`,
      };
      const mark = request.url.indexOf("?");
      const rawPath = mark < 0 ? request.url : request.url.slice(0, mark);
      const rawQuery = mark < 0 ? "" : request.url.slice(mark + 1);
      const resource = rawPath.slice(prefix.length);
      try {
        const path = parseResourcePath(resource);
        const answer = await options.sta.answer({
          path,
          options: readQueryOptions(request.query as Record<string, unknown>),
          presentation,
          rawQuery,
          resourceUrl: `${presentation.root}${resource.replace(/\/+$/, "")}`,
        });
        if (answer.kind === "text") {
          reply.type("text/plain; charset=utf-8");
          return sendCached(request, reply, answer.body);
        }
        reply.type("application/json; charset=utf-8");
        return sendCached(request, reply, JSON.stringify(answer.body));
      } catch (error) {
        if (error instanceof ResourcePathError)
          throw new ServiceError(error.status === 404 ? "not_found" : "bad_request", error.message);
        if (
          error instanceof QueryOptionError ||
          error instanceof FilterEvaluationError ||
          error instanceof QueryTooBroadError
        )
          throw new ServiceError("bad_request", error.message);
        throw error;
      }
    };
    const routeOptions = {
      config: { access: "public" as const, rateLimit: { ...options.rateLimit } },
      schema: { hide: true },
    };
    app.get(prefix, routeOptions, handler);
    app.get(`${prefix}/*`, routeOptions, handler);
  }
};
