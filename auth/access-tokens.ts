import type { JWT } from "@fastify/jwt";
import type { Clock } from "../kernel/clock.js";
import { type AuthenticatedUser, ROLES, type Role } from "../platform/http/access.js";

/** What an access token says: who (sub), with which role when it was issued, and until when. */
export interface AccessTokenClaims {
  readonly sub: string;
  readonly role: Role;
  readonly typ: "access";
}

declare module "@fastify/jwt" {
  interface FastifyJWT {
    payload: AccessTokenClaims;
    /** Set by the access-control plugin on routes that need a role; null on the others. */
    user: AuthenticatedUser | null;
  }
}

export interface IssuedAccessToken {
  readonly token: string;
  /** Seconds until it expires. */
  readonly expiresIn: number;
  readonly expiresAt: number;
}

export interface VerifiedAccessToken {
  readonly user: AuthenticatedUser;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export type TokenProblem = "missing" | "expired" | "invalid";

export class TokenRejectedError extends Error {
  constructor(
    readonly problem: TokenProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface AccessTokens {
  issue(user: AuthenticatedUser): IssuedAccessToken;
  /** Checks signature, algorithm, expiry and shape; throws TokenRejectedError. */
  verify(token: string): VerifiedAccessToken;
}

/** Short-lived HS256 JWTs through @fastify/jwt, timed by the injected clock. */
export function createAccessTokens(jwt: JWT, options: { ttlS: number; clock: Clock }): AccessTokens {
  const { ttlS, clock } = options;
  return {
    issue(user) {
      const now = clock.now();
      const claims: AccessTokenClaims = { sub: user.username, role: user.role, typ: "access" };
      const token = jwt.sign(claims, { algorithm: "HS256", expiresIn: ttlS, clockTimestamp: now });
      return { token, expiresIn: ttlS, expiresAt: Math.floor(now / 1000) * 1000 + ttlS * 1000 };
    },

    verify(token) {
      let claims: Partial<AccessTokenClaims> & { exp?: number };
      try {
        claims = jwt.verify(token, {
          algorithms: ["HS256"],
          clockTimestamp: clock.now(),
          requiredClaims: ["exp", "sub"],
        });
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === "FAST_JWT_EXPIRED")
          throw new TokenRejectedError("expired", "the access token has expired");
        throw new TokenRejectedError("invalid", "the access token is not valid");
      }
      const { sub, role, typ, exp } = claims;
      if (
        typ !== "access" ||
        typeof sub !== "string" ||
        typeof exp !== "number" ||
        !(ROLES as readonly unknown[]).includes(role)
      ) {
        throw new TokenRejectedError("invalid", "the access token is not valid");
      }
      return { user: { username: sub, role: role as Role }, expiresAt: exp * 1000 };
    },
  };
}
