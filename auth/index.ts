/** The auth feature as the rest of the service uses it. */
export { accessControlPlugin } from "./access-control.js";
export { createAccessTokens, createAccessVerifier } from "./access-tokens.js";
export { authApi } from "./api/auth-api.js";
export { type BootstrapOutcome, demoLoginLine, ensureBootstrapAdmin } from "./bootstrap-admin.js";
export { loadOrCreateJwtSecret } from "./jwt-secret.js";
export {
  assertHandshakeChecksOnRecovery,
  createSocketAuthenticator,
  type VerifyAccessToken,
} from "./socket-auth.js";
export { createEventRateLimit, createHandshakeRateLimit } from "./socket-rate-limit.js";
export { type AuditLog, createAuditLog } from "./store/audit-log.js";
export { operatorMigrations } from "./store/operator-migrations.js";
export type { OperatorTables } from "./store/operator-schema.js";
export { createOperatorSessions, type OperatorSessions } from "./store/operator-sessions.js";
export {
  createUserAccounts,
  passwordSchema,
  roleSchema,
  type UserAccount,
  type UserAccounts,
  UserExistsError,
  usernameSchema,
} from "./store/user-accounts.js";
