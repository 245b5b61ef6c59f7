import type { FastifyPluginAsync, RouteOptions } from "fastify";
import fastifyPlugin from "fastify-plugin";
import { ServiceError } from "../kernel/errors.js";
import {
  API_V1_PREFIX,
  type AuthenticatedUser,
  ROLES,
  type RouteAccess,
  roleAllows,
} from "../platform/http/access.js";
import { bearerProblem, bearerToken } from "../platform/http/bearer.js";
import {
  type AccessTokens,
  type ActiveUserLookup,
  createAccessVerifier,
  TokenRejectedError,
} from "./access-tokens.js";

/** A route as the access control saw it: routes outside /api/v1 may declare no access (undefined). */
export interface DeclaredRoute {
  readonly method: string;
  readonly url: string;
  readonly access: RouteAccess | undefined;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Every route registered after the access control, with the access it declares. */
    readonly declaredRoutes: readonly DeclaredRoute[];
  }
}

const ACCESS_LEVELS: readonly RouteAccess[] = ["public", "broker", ...ROLES];

export interface AccessControlOptions {
  readonly tokens: AccessTokens;
  /** The account behind a token while it may still act, with its current role and session version. */
  readonly activeUser: ActiveUserLookup;
  /** Applied to every public route that does not declare a rate limit of its own. */
  readonly publicRateLimit: { readonly max: number; readonly timeWindow: number };
}

export const isProtectedPath = (url: string): boolean =>
  url === API_V1_PREFIX || url.startsWith(`${API_V1_PREFIX}/`);

/** Under /api/v1 only these may be public: residents' read-only copies, and logging in and out. */
const PUBLIC_API_PATH = /^\/api\/v1\/(public\/|auth\/(login|refresh|logout)$)/;
const READ_METHODS = new Set(["GET", "HEAD"]);

const isRouteAccess = (value: unknown): value is RouteAccess =>
  typeof value === "string" && (ACCESS_LEVELS as readonly string[]).includes(value);

/** A request without a usable access token: 401 unauthorized, with the challenge RFC 6750 asks for. */
const unauthorized = (message: string) =>
  new ServiceError("unauthorized", message, { headers: { "www-authenticate": 'Bearer realm="envmon"' } });

/**
 * Who may call what. Registered before any route (it applies to the whole server):
 * - at startup, every route under /api/v1 must declare `config.access`, only /api/v1/public/* (read
 *   only) and login/refresh/logout may be public, or the server refuses to start;
 * - public routes get the public rate limit unless they bring their own;
 * - on each request, routes that need a role get the bearer access token checked, the account
 *   looked up (a disabled account, or one whose sessions were ended since the token was issued,
 *   stops at once), and the role compared; `request.user` is set.
 * "broker" routes pass: the broker's HTTP auth plugin checks its own bearer token.
 */
const accessControl: FastifyPluginAsync<AccessControlOptions> = async (app, options) => {
  const { tokens, activeUser, publicRateLimit } = options;
  const verify = createAccessVerifier(tokens, activeUser);
  const declared: DeclaredRoute[] = [];
  app.decorate("declaredRoutes", declared);

  app.addHook("onRoute", (route: RouteOptions) => {
    const access = route.config?.access;
    for (const method of [route.method].flat()) declared.push({ method, url: route.url, access });
    if (access === undefined && !isProtectedPath(route.url)) return;
    if (!isRouteAccess(access)) {
      throw new Error(
        `${route.method} ${route.url} must declare config.access (one of ${ACCESS_LEVELS.join(", ")}); ` +
          `got ${JSON.stringify(access)}`,
      );
    }
    const methods = [route.method].flat();
    const where = `${methods.join(",")} ${route.url}`;
    if (access === "public" && isProtectedPath(route.url) && !PUBLIC_API_PATH.test(route.url)) {
      throw new Error(`${where} is public, but under /api/v1 only /api/v1/public/* and login may be`);
    }
    if (route.url.startsWith(`${API_V1_PREFIX}/public/`)) {
      if (access !== "public" || !methods.every((m) => READ_METHODS.has(m))) {
        throw new Error(`${where}: /api/v1/public/* is for residents, read-only and public`);
      }
    }
    if (access === "public" && route.config?.rateLimit === undefined) {
      route.config = { ...route.config, rateLimit: { ...publicRateLimit } };
    }
  });

  // The token, then the account as it is now: disabled, deleted, or its sessions ended since the
  // token was issued (session version) all stop the token at once, before it expires.
  // Refusals are thrown: the server's error handler answers them (platform/http/error-replies.ts).
  app.addHook("onRequest", async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === "public" || access === "broker") return;
    const header = request.headers.authorization;
    const token = bearerToken(header);
    if (token === undefined) {
      throw unauthorized(
        bearerProblem(header) === "missing"
          ? "log in first: send Authorization: Bearer <access token>"
          : "the Authorization header is not of the form 'Bearer <access token>'",
      );
    }
    let user: AuthenticatedUser;
    try {
      user = (await verify(token)).user;
    } catch (error) {
      if (error instanceof TokenRejectedError) throw unauthorized(error.message);
      throw error;
    }
    if (!roleAllows(user.role, access)) {
      throw new ServiceError("forbidden", `this needs the ${access} role; ${user.username} is ${user.role}`);
    }
    request.user = user;
  });
};

export const accessControlPlugin = fastifyPlugin(accessControl, {
  fastify: "5.x",
  name: "envmon-access-control",
});
