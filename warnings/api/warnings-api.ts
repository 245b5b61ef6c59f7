import type { FastifyPluginAsync } from "fastify";
import type { Clock } from "../../kernel/clock.js";
import type { AuditRecorder } from "../../platform/http/access.js";
import type { AgencyRepository } from "../store/agency-repository.js";
import type { WarningService } from "../warning-service.js";
import { type AgencyRoutesOptions, agencyRoutes } from "./agency-routes.js";
import { warningRoutes } from "./warning-routes.js";

export interface WarningsApiOptions {
  readonly warnings: WarningService;
  readonly agencies: AgencyRepository;
  readonly audit: AuditRecorder;
  readonly clock: Clock;
  readonly communeCodes: AgencyRoutesOptions["communeCodes"];
  readonly accountExists: AgencyRoutesOptions["accountExists"];
  /** Commune names by code (the device registry). */
  readonly communeNames: () => Promise<ReadonlyMap<string, string>>;
}

/** The warning network's HTTP routes under the API prefix: warnings, agencies, residents' copy. */
export const warningsApi: FastifyPluginAsync<WarningsApiOptions> = async (app, options) => {
  const { warnings, agencies, audit, clock } = options;
  await app.register(warningRoutes, { warnings, agencies, audit, clock, communeNames: options.communeNames });
  await app.register(agencyRoutes, {
    agencies,
    audit,
    communeCodes: options.communeCodes,
    accountExists: options.accountExists,
  });
};
