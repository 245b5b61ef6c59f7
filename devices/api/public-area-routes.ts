import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { publicAreasResponseSchema } from "../../kernel/api-contract.js";
import type { DeviceRegistry } from "../store/device-registry.js";

/** The communes and wards that have a registered station, for residents to choose from. */
export const publicAreaRoutes: FastifyPluginAsyncZod<{ readonly registry: DeviceRegistry }> = async (
  app,
  { registry },
) => {
  app.get(
    "/public/areas",
    {
      config: { access: "public" },
      schema: {
        tags: ["public"],
        summary: "Communes and wards with at least one registered station",
        response: { 200: publicAreasResponseSchema },
      },
    },
    async () => {
      const names = new Map<string, string>();
      for (const device of await registry.list()) {
        if (device.registered && device.area !== null && !names.has(device.area)) {
          names.set(device.area, device.areaName ?? device.area);
        }
      }
      return { areas: [...names].map(([code, name]) => ({ code, name })) };
    },
  );
};
