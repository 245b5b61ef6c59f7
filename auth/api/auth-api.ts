import type { FastifyPluginAsync } from "fastify";
import type { AuditLog } from "../store/audit-log.js";
import { auditRoutes } from "./audit-routes.js";
import { type AuthRoutesOptions, authRoutes } from "./auth-routes.js";
import { userRoutes } from "./user-routes.js";

export interface AuthApiOptions extends AuthRoutesOptions {
  readonly audit: AuditLog;
}

/** The auth feature's HTTP routes: login and tokens, user administration, the audit log. */
export const authApi: FastifyPluginAsync<AuthApiOptions> = async (app, options) => {
  await app.register(authRoutes, options);
  await app.register(userRoutes, { accounts: options.accounts, audit: options.audit, now: options.now });
  await app.register(auditRoutes, { audit: options.audit });
};
