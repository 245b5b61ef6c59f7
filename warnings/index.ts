/** The warning network as the rest of the service uses it. */

export { subscriptionRoutes } from "./api/subscription-routes.js";
export { createWarningCap, warningCapRoutes } from "./api/warning-cap-routes.js";
export { warningsApi } from "./api/warnings-api.js";
export { createSmtpTransport } from "./delivery/mail-dispatcher.js";
export { communeCentroids, communeDirectory, communeNamesOf } from "./model/prefill.js";
export { type AgencyRepository, createAgencyRepository } from "./store/agency-repository.js";
export { createMailRepository, type MailRepository } from "./store/mail-repository.js";
export { warningMigrations } from "./store/warning-migrations.js";
export { createWarningRepository } from "./store/warning-repository.js";
export type { WarningTables } from "./store/warning-schema.js";
export { startWarningNetwork, type WarningNetwork } from "./warning-network.js";
export { createWarningService, type WarningService } from "./warning-service.js";
