import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorResponseSchema } from "../../kernel/api-contract.js";
import { ServiceError } from "../../kernel/errors.js";
import type { AuditRecorder } from "../../platform/http/access.js";
import type { AccessTokens } from "../access-tokens.js";
import {
  authenticatedUserSchema,
  loginBodySchema,
  refreshBodySchema,
  tokenResponseSchema,
} from "../model/auth-schemas.js";
import type { OperatorSessions } from "../store/operator-sessions.js";
import { USERNAME_PATTERN, type UserAccounts } from "../store/user-accounts.js";

export interface AuthRoutesOptions {
  readonly accounts: UserAccounts;
  readonly sessions: OperatorSessions;
  readonly tokens: AccessTokens;
  readonly audit: AuditRecorder;
  readonly now: () => number;
  /** Login, refresh and logout: a tight limit per client address against password guessing. */
  readonly rateLimit: { readonly max: number; readonly timeWindow: number };
}

const INVALID_LOGIN = "wrong username or password";

/** Login with a password, then short-lived access tokens renewed with rotating refresh tokens. */
export const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (app, options) => {
  const { accounts, sessions, tokens, audit, now } = options;
  const rateLimit = { ...options.rateLimit };
  const secondsUntil = (ms: number) => Math.max(0, Math.ceil((ms - now()) / 1000));
  // A name typed into the login form may be a password typed in the wrong box: only names that
  // could be accounts go into the audit log.
  const loginTarget = (username: string) => `user:${USERNAME_PATTERN.test(username) ? username : "?"}`;

  app.post(
    "/auth/login",
    {
      config: { access: "public", rateLimit },
      schema: {
        tags: ["auth"],
        summary: "Log in: an access token (JWT, Authorization: Bearer) and a refresh token",
        body: loginBodySchema,
        response: { 200: tokenResponseSchema, 401: errorResponseSchema, 429: errorResponseSchema },
      },
    },
    async (request) => {
      const { username, password } = request.body;
      const result = await accounts.verifyLogin(username, password);
      if (!result.ok) {
        await audit.record({
          actor: "anonymous",
          action: result.reason === "locked" ? "auth.login-locked" : "auth.login-failed",
          target: loginTarget(username),
          source: request.ip,
          before: null,
          after: null,
        });
        if (result.reason === "locked") {
          const seconds = Math.ceil(result.retryAfterMs / 1000);
          throw new ServiceError(
            "too_many_attempts",
            `too many failed logins: try again in ${Math.ceil(seconds / 60)} min`,
            { headers: { "retry-after": String(seconds) } },
          );
        }
        throw new ServiceError("unauthorized", INVALID_LOGIN);
      }
      const access = tokens.issue(result.user);
      const refresh = await sessions.start(result.user.username);
      const user = { username: result.user.username, role: result.user.role };
      await audit.record({
        actor: result.user.username,
        action: "auth.login",
        target: `user:${result.user.username}`,
        source: request.ip,
        before: null,
        after: null,
      });
      return {
        token: access.token,
        expiresIn: access.expiresIn,
        refreshToken: refresh.token,
        refreshExpiresIn: secondsUntil(refresh.expiresAt),
        user,
      };
    },
  );

  app.post(
    "/auth/refresh",
    {
      config: { access: "public", rateLimit },
      schema: {
        tags: ["auth"],
        summary: "A new access token for a refresh token; the refresh token is replaced (use each once)",
        body: refreshBodySchema,
        response: { 200: tokenResponseSchema, 401: errorResponseSchema },
      },
    },
    async (request) => {
      const rotated = await sessions.rotate(request.body.refreshToken);
      if (!rotated.ok) {
        if (rotated.reason === "reused") {
          // Its access tokens were revoked with the family: close the sockets that use them now.
          accounts.announceSessionsEnded(rotated.username);
          await audit.record({
            actor: "anonymous",
            action: "auth.refresh-reused",
            target: `user:${rotated.username}`,
            source: request.ip,
            before: null,
            after: { revoked: "every session of that login and the account's access tokens" },
          });
        }
        const message =
          rotated.reason === "reused"
            ? "this refresh token was already used; every session of that login is ended, log in again"
            : rotated.reason === "expired"
              ? "the refresh token has expired: log in again"
              : "the refresh token is not valid: log in again";
        throw new ServiceError("unauthorized", message);
      }
      const account = await accounts.activeUser(rotated.username);
      if (!account) {
        await sessions.end(rotated.next.token);
        throw new ServiceError("unauthorized", "the account is disabled");
      }
      const access = tokens.issue(account);
      return {
        token: access.token,
        expiresIn: access.expiresIn,
        refreshToken: rotated.next.token,
        refreshExpiresIn: secondsUntil(rotated.next.expiresAt),
        user: { username: account.username, role: account.role },
      };
    },
  );

  app.post(
    "/auth/logout",
    {
      // Public so that a client whose access token has expired can still end its session: holding
      // the refresh token is what proves the session is its own.
      config: { access: "public", rateLimit },
      schema: {
        tags: ["auth"],
        summary: "Log out: the refresh token and every token rotated from the same login stop working",
        body: refreshBodySchema,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const username = await sessions.end(request.body.refreshToken);
      if (username !== undefined) {
        await audit.record({
          actor: username,
          action: "auth.logout",
          target: `user:${username}`,
          source: request.ip,
          before: null,
          after: null,
        });
      }
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/auth/me",
    {
      config: { access: "viewer" },
      schema: {
        tags: ["auth"],
        summary: "Who the access token belongs to, with the account's current role",
        response: { 200: authenticatedUserSchema },
      },
    },
    async (request) => {
      const user = request.user;
      if (!user) throw new Error("access control did not set the user");
      return user;
    },
  );
};
