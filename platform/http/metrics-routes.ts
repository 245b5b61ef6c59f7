import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import type { Registry } from "prom-client";
import { ServiceError } from "../../kernel/errors.js";
import { bearerProblem, bearerToken } from "./bearer.js";

/**
 * Who may read /metrics on a server:
 * - `{ bearerToken }`: whoever sends `Authorization: Bearer <METRICS_TOKEN>` (the public HTTP port);
 * - "open": anyone who can reach it (the internal METRICS_PORT listener, 127.0.0.1 by default);
 * - "closed": nobody (the public port without METRICS_TOKEN): 404.
 * The metrics tell a lot about the installation (stations, traffic, refusals, process internals):
 * they are not for the public port's visitors.
 */
export type MetricsAccess = { readonly bearerToken: string } | "open" | "closed";

/** The public port's rule: the METRICS_TOKEN setting's bearer token, or closed without one. */
export const publicMetricsAccess = (token: string | undefined): MetricsAccess =>
  token === undefined ? "closed" : { bearerToken: token };

const REALM = 'Bearer realm="envmon-metrics"';
const digest = (text: string) => createHash("sha256").update(text).digest();

export const metricsRoutes: FastifyPluginAsync<{
  readonly registry: Registry;
  readonly access: MetricsAccess;
}> = async (app, { registry, access }) => {
  // Refusals are thrown: every server that serves /metrics answers them (registerErrorReplies).
  // Compared as digests of equal length, in constant time: the answer tells nothing of the token.
  const expected = typeof access === "object" ? digest(access.bearerToken) : undefined;

  app.get(
    "/metrics",
    {
      schema: {
        tags: ["operations"],
        summary:
          access === "open"
            ? "Prometheus metrics"
            : "Prometheus metrics; needs Authorization: Bearer <METRICS_TOKEN> (not served without that setting)",
      },
    },
    async (request, reply) => {
      if (access === "closed") {
        throw new ServiceError(
          "not_found",
          "/metrics is not served on this port: set METRICS_TOKEN, or scrape METRICS_PORT",
        );
      }
      if (expected !== undefined) {
        const header = request.headers.authorization;
        const token = bearerToken(header);
        const refusal =
          token === undefined
            ? bearerProblem(header) === "missing"
              ? "/metrics needs Authorization: Bearer <METRICS_TOKEN>"
              : "the Authorization header is not of the form 'Bearer <METRICS_TOKEN>'"
            : timingSafeEqual(digest(token), expected)
              ? undefined
              : "wrong metrics token";
        if (refusal !== undefined) {
          throw new ServiceError("unauthorized", refusal, { headers: { "www-authenticate": REALM } });
        }
      }
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
};
