import type { FastifyPluginAsync } from "fastify";
import { type AqiRoutesOptions, aqiRoutes } from "./aqi-routes.js";
import { indexCalculatorRoutes } from "./calculator-routes.js";
import { floodRoutes } from "./flood-routes.js";
import { wqiRoutes } from "./wqi-routes.js";

/** The indices feature's HTTP routes: AQI, WQI and flood levels (also for residents), calculators. */
export const indicesApi: FastifyPluginAsync<AqiRoutesOptions> = async (app, options) => {
  const { store, registry, clock } = options;
  await app.register(aqiRoutes, options);
  await app.register(wqiRoutes, { store, registry, clock });
  await app.register(floodRoutes, { registry, store });
  await app.register(indexCalculatorRoutes);
};
