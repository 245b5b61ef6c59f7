import type { JWT } from "@fastify/jwt";
import type { Clock } from "../kernel/clock.js";
import { type AuthenticatedUser, ROLES, type Role } from "../platform/http/access.js";

/**
 * What an access token says: who (sub), with which role when it was issued, the account's session
 * version then (sv), and until when.
 */
export interface AccessTokenClaims {
  readonly sub: string;
  readonly role: Role;
  readonly typ: "access";
  /**
   * The account's session version when the token was issued: once the account's sessions end (the
   * version is bumped) the token is refused. Tokens from before the claim existed lack it and count
   * as version 0, which every account had then.
   */
  readonly sv?: number;
}

/** An account a token may be issued to, with its current session version. */
export interface TokenSubject extends AuthenticatedUser {
  readonly sessionVersion: number;
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
  /** The account's session version the token was issued under (claim `sv`). */
  readonly sessionVersion: number;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/** "revoked": signed and unexpired, but the account is disabled or gone, or its sessions were ended. */
export type TokenProblem = "missing" | "expired" | "invalid" | "revoked";

export class TokenRejectedError extends Error {
  constructor(
    readonly problem: TokenProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface AccessTokens {
  issue(user: TokenSubject): IssuedAccessToken;
  /** Checks signature, algorithm, expiry and shape; throws TokenRejectedError. */
  verify(token: string): VerifiedAccessToken;
}

/** Short-lived HS256 JWTs through @fastify/jwt, timed by the injected clock. */
export function createAccessTokens(jwt: JWT, options: { ttlS: number; clock: Clock }): AccessTokens {
  const { ttlS, clock } = options;
  return {
    issue(user) {
      const now = clock.now();
      const claims: AccessTokenClaims = {
        sub: user.username,
        role: user.role,
        typ: "access",
        sv: user.sessionVersion,
      };
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
      const { sub, role, typ, exp, sv = 0 } = claims;
      if (
        typ !== "access" ||
        typeof sub !== "string" ||
        typeof exp !== "number" ||
        !(ROLES as readonly unknown[]).includes(role) ||
        !Number.isSafeInteger(sv) ||
        sv < 0
      ) {
        throw new TokenRejectedError("invalid", "the access token is not valid");
      }
      return { user: { username: sub, role: role as Role }, sessionVersion: sv, expiresAt: exp * 1000 };
    },
  };
}

/** The account behind a token as it is now (current role and session version); undefined when disabled or gone. */
export type ActiveUserLookup = (username: string) => Promise<TokenSubject | undefined>;

/**
 * Checks an access token and the account behind it as it is now, for every request and Socket.IO
 * handshake: signature, algorithm, expiry and shape, then that the account exists, is enabled and
 * has not had its sessions ended since the token was issued (its session version). One lookup by
 * primary key, the one that reads the current role anyway. Answers the account with its current
 * role; throws TokenRejectedError.
 */
export function createAccessVerifier(
  tokens: AccessTokens,
  activeUser: ActiveUserLookup,
): (token: string) => Promise<VerifiedAccessToken> {
  return async (token) => {
    const verified = tokens.verify(token);
    const account = await activeUser(verified.user.username);
    if (!account) throw new TokenRejectedError("revoked", "the account is disabled or no longer exists");
    if (account.sessionVersion !== verified.sessionVersion) {
      throw new TokenRejectedError(
        "revoked",
        "the access token was revoked: the account's sessions were ended since it was issued " +
          "(password reset, account disabled or a refresh token used twice); log in again",
      );
    }
    return {
      user: { username: account.username, role: account.role },
      sessionVersion: account.sessionVersion,
      expiresAt: verified.expiresAt,
    };
  };
}
