import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/**
 * Every /api/v1 route but the public ones takes `Authorization: Bearer <token>`: the document says
 * so, and /docs has an Authorize button, so "Try it out" works with a token from /api/v1/auth/login.
 */
function withSecurity(input: TransformInput) {
  const transformed = jsonSchemaTransform(input);
  const access = (input.route.config as { access?: unknown } | undefined)?.access;
  const needsToken = input.url.startsWith("/api/") && access !== undefined && access !== "public";
  return {
    ...transformed,
    schema: { ...transformed.schema, security: needsToken ? [{ bearerAuth: [] }] : [] },
  };
}

/** OpenAPI document at /docs/json and its UI at /docs (assets ship with the package: no CDN). */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: "Tây Ninh environmental monitoring API",
        description:
          "Trạm quan trắc, số liệu và dữ liệu bị từ chối · Stations, readings and rejected input. Times are UTC (ISO 8601).",
        version,
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "JWT",
            description: "The token of POST /api/v1/auth/login · Mã token từ POST /api/v1/auth/login",
          },
        },
      },
    },
    transform: withSecurity,
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs" });
}
