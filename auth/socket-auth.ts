import type { Namespace, ServerOptions, Socket } from "socket.io";
import { type AuthenticatedUser, type Role, roleAllows } from "../platform/http/access.js";
import type { VerifiedAccessToken } from "./access-tokens.js";

/** What the handshake needs of a token: the account as it is now (its current role), and until when. */
export type SocketAccess = Pick<VerifiedAccessToken, "user" | "expiresAt">;

/**
 * Checks an access token and the account behind it (enabled, its sessions not ended since the token
 * was issued); throws (any error) when either is not good.
 */
export type VerifyAccessToken = (token: string) => Promise<SocketAccess> | SocketAccess;

export interface SocketAuthOptions {
  readonly now: () => number;
  /** Viewer unless told. */
  readonly minRole?: Role;
  /**
   * Notices that an account's sessions were ended in this process (UserAccounts.onSessionsEnded:
   * password reset, disabled, a refresh token used twice): that account's open sockets have their
   * token checked again at once, and those that no longer pass are disconnected.
   */
  readonly onSessionsEnded?: (listener: (username: string) => void) => () => void;
  /**
   * Every open socket's token is checked again this often, for accounts changed by another process
   * (`npm run users -- disable`, another API process). Default 5 s; 0 turns it off.
   */
  readonly recheckMs?: number;
}

/** What the operations namespace knows about a socket once the handshake passed. */
export interface AuthenticatedSocketData {
  user?: AuthenticatedUser;
}

type Middleware = (socket: Socket, next: (error?: Error) => void) => void;

// setTimeout holds at most 2^31-1 ms; tokens never live that long, but a clock far off must not overflow it.
const MAX_TIMER_MS = 2 ** 31 - 1;
export const DEFAULT_SOCKET_RECHECK_MS = 5_000;

const handshakeToken = (socket: Socket): unknown =>
  (socket.handshake.auth as { token?: unknown } | undefined)?.token;

/**
 * Socket.IO middleware for `io.of("/ops").use(...)`: the access token comes in the handshake
 * (`auth: { token }`), is checked on every connection, reconnections included, and the socket is
 * disconnected when the token expires (the client reconnects with a fresh one) or stops passing
 * the check: its account disabled or its sessions ended (at once when this process learns of it
 * through `onSessionsEnded`, else at the next periodic recheck). Every refusal is the same
 * connect_error, "unauthorized"; a disconnection is Socket.IO's "io server disconnect".
 */
export function createSocketAuthenticator(verify: VerifyAccessToken, options: SocketAuthOptions): Middleware {
  const minRole = options.minRole ?? "viewer";
  const recheckMs = options.recheckMs ?? DEFAULT_SOCKET_RECHECK_MS;
  /** Namespaces this middleware guards (normally one): their connected sockets are the ones to recheck. */
  const namespaces = new Set<Namespace>();
  let unsubscribe: (() => void) | undefined;
  let sweep: ReturnType<typeof setInterval> | undefined;

  /** The token's access while it passes: any error (a refusal, a failing lookup) counts as not passing. */
  const check = async (token: string): Promise<SocketAccess | undefined> => {
    try {
      const access = await verify(token);
      return roleAllows(access.user.role, minRole) ? access : undefined;
    } catch {
      return undefined;
    }
  };

  /** The connected sockets this middleware let in (of one account, when given). */
  function* guarded(username?: string): Generator<Socket> {
    for (const namespace of namespaces) {
      for (const socket of namespace.sockets.values()) {
        const user = (socket.data as AuthenticatedSocketData).user;
        if (user && (username === undefined || user.username === username)) yield socket;
      }
    }
  }

  const recheck = (sockets: Iterable<Socket>) => {
    for (const socket of [...sockets]) {
      const token = handshakeToken(socket);
      void (typeof token === "string" ? check(token) : Promise.resolve(undefined)).then((access) => {
        if (access) (socket.data as AuthenticatedSocketData).user = access.user;
        else socket.disconnect();
      });
    }
  };

  /** Listening and the periodic recheck run only while some socket is connected. */
  const watch = () => {
    if (unsubscribe === undefined && options.onSessionsEnded) {
      unsubscribe = options.onSessionsEnded((username) => recheck(guarded(username)));
    }
    if (sweep === undefined && recheckMs > 0) {
      sweep = setInterval(() => {
        const sockets = [...guarded()];
        if (sockets.length > 0) return recheck(sockets);
        clearInterval(sweep);
        sweep = undefined;
        unsubscribe?.();
        unsubscribe = undefined;
      }, recheckMs);
      sweep.unref();
    }
  };

  return (socket, next) => {
    const token = handshakeToken(socket);
    if (typeof token !== "string" || token === "") {
      next(new Error("unauthorized"));
      return;
    }
    void check(token).then((access) => {
      if (!access) {
        next(new Error("unauthorized"));
        return;
      }
      (socket.data as AuthenticatedSocketData).user = access.user;
      namespaces.add(socket.nsp);
      const timer = setTimeout(
        () => socket.disconnect(),
        Math.min(MAX_TIMER_MS, Math.max(0, access.expiresAt - options.now())),
      );
      timer.unref();
      socket.once("disconnect", () => clearTimeout(timer));
      watch();
      next();
    });
  };
}

/**
 * Socket.IO's connection-state recovery skips middlewares by default (`connectionStateRecovery.
 * skipMiddlewares`, documented default true), which would let a recovered session in without its
 * token being checked again. Call it with the options the server is made with: it refuses that
 * setup. Only the documented `ServerOptions` are read.
 */
export function assertHandshakeChecksOnRecovery(options: Partial<ServerOptions>): void {
  const recovery = options.connectionStateRecovery;
  if (recovery && recovery.skipMiddlewares !== false) {
    throw new Error(
      "Socket.IO connectionStateRecovery must set skipMiddlewares: false, or recovered sessions skip the token check",
    );
  }
}
