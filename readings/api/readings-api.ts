import type { FastifyPluginAsync } from "fastify";
import type { DeviceRegistry } from "../../devices/index.js";
import type { Clock } from "../../kernel/clock.js";
import type { DeadLetterRepository } from "../store/dead-letter-repository.js";
import type { TimeSeriesStore } from "../store/time-series-store.js";
import { catalogueRoutes } from "./catalogue-routes.js";
import { latestRoutes } from "./latest-routes.js";
import { readingsRoutes } from "./readings-routes.js";
import { rejectedRoutes } from "./rejected-routes.js";

export interface ReadingsApiOptions {
  readonly store: TimeSeriesStore;
  readonly registry: DeviceRegistry;
  readonly deadLetters: DeadLetterRepository;
  readonly clock: Clock;
}

/** The readings feature's HTTP routes: catalogue, latest values, series, dead letters. */
export const readingsApi: FastifyPluginAsync<ReadingsApiOptions> = async (app, options) => {
  await app.register(catalogueRoutes);
  await app.register(latestRoutes, { registry: options.registry, store: options.store });
  await app.register(readingsRoutes, { store: options.store, clock: options.clock });
  await app.register(rejectedRoutes, { deadLetters: options.deadLetters });
};
