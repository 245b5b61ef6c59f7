import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";

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
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs" });
}
