/**
 * Who may call a route. Every route under /api/v1 declares one in its options,
 * `config: { access: "viewer" }`; the access-control plugin refuses to start a server with an
 * /api/v1 route that does not, so no route is open by omission.
 */
import type { Role } from "../../kernel/roles.js";

export { ROLES, type Role, roleAllows } from "../../kernel/roles.js";

/** Where the versioned HTTP API lives: feature route plugins are registered under it. */
export const API_V1_PREFIX = "/api/v1";

/** "public": anyone (residents, /api/v1/public/*, login); "broker": the broker's HTTP auth callers. */
export type RouteAccess = "public" | "broker" | Role;

export interface AuthenticatedUser {
  readonly username: string;
  readonly role: Role;
}

declare module "fastify" {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/** One line of the audit log: every mutating operator action. */
export interface AuditEntry {
  readonly actor: string;
  /** Dotted verb, for example "device.create", "alert.ack", "user.reset-password". */
  readonly action: string;
  /** What was acted on, for example "device:tn-air-001". */
  readonly target: string;
  /** Client address the request came from. */
  readonly source: string | null;
  readonly before: unknown;
  readonly after: unknown;
}

export interface AuditRecorder {
  record(entry: AuditEntry): Promise<void>;
}

/** Who made the request, for the audit log and alert transitions. */
export function actorOf(request: object): string {
  const user = (request as { user?: Partial<AuthenticatedUser> }).user;
  return user?.username ?? "anonymous";
}

/** Records a mutating action of the request's user. */
export function auditAction(
  audit: AuditRecorder,
  request: { readonly ip: string },
  entry: Pick<AuditEntry, "action" | "target" | "before" | "after">,
): Promise<void> {
  return audit.record({ actor: actorOf(request), source: request.ip, ...entry });
}
