import type { Server, Socket } from "socket.io";
import { type AuthenticatedUser, type Role, roleAllows } from "../platform/http/access.js";
import type { VerifiedAccessToken } from "./access-tokens.js";

/** Checks an access token and the account behind it; throws (any error) when either is not good. */
export type VerifyAccessToken = (token: string) => Promise<VerifiedAccessToken> | VerifiedAccessToken;

export interface SocketAuthOptions {
  readonly now: () => number;
  /** Viewer unless told. */
  readonly minRole?: Role;
}

/** What the operations namespace knows about a socket once the handshake passed. */
export interface AuthenticatedSocketData {
  user?: AuthenticatedUser;
}

type Middleware = (socket: Socket, next: (error?: Error) => void) => void;

// setTimeout holds at most 2^31-1 ms; tokens never live that long, but a clock far off must not overflow it.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Socket.IO middleware for `io.of("/ops").use(...)`: the access token comes in the handshake
 * (`auth: { token }`), is checked on every connection, reconnections included, and the socket is
 * disconnected when the token expires (the client reconnects with a fresh one). Every refusal is
 * the same connect_error, "unauthorized".
 */
export function createSocketAuthenticator(verify: VerifyAccessToken, options: SocketAuthOptions): Middleware {
  const minRole = options.minRole ?? "viewer";
  return (socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== "string" || token === "") {
      next(new Error("unauthorized"));
      return;
    }
    Promise.resolve()
      .then(() => verify(token))
      .then(
        ({ user, expiresAt }) => {
          if (!roleAllows(user.role, minRole)) {
            next(new Error("unauthorized"));
            return;
          }
          (socket.data as AuthenticatedSocketData).user = user;
          const timer = setTimeout(
            () => socket.disconnect(),
            Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - options.now())),
          );
          timer.unref();
          socket.once("disconnect", () => clearTimeout(timer));
          next();
        },
        () => next(new Error("unauthorized")),
      );
  };
}

/**
 * Socket.IO's connection-state recovery skips middlewares by default, which would let a recovered
 * session in without its token being checked again. Call once on the server: it refuses that setup.
 */
export function assertHandshakeChecksOnRecovery(io: Server): void {
  const recovery = (io as unknown as { opts: { connectionStateRecovery?: { skipMiddlewares?: boolean } } })
    .opts.connectionStateRecovery;
  if (recovery && recovery.skipMiddlewares !== false) {
    throw new Error(
      "Socket.IO connectionStateRecovery must set skipMiddlewares: false, or recovered sessions skip the token check",
    );
  }
}
