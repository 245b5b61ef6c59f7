import type { FastifyPluginAsync } from "fastify";
import { type DeviceRoutesOptions, deviceRoutes } from "./device-routes.js";
import { publicAreaRoutes } from "./public-area-routes.js";

/** The devices feature's HTTP routes: the registry for operators, the communes for residents. */
export const devicesApi: FastifyPluginAsync<DeviceRoutesOptions> = async (app, options) => {
  await app.register(deviceRoutes, options);
  await app.register(publicAreaRoutes, { registry: options.registry });
};
