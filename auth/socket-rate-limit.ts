import type { Socket } from "socket.io";

/**
 * Rate limits for Socket.IO, which Fastify's hooks never see: handshakes per client address
 * (a namespace middleware) and events per socket (a per-socket packet middleware). Fixed windows
 * on an injected clock.
 */
export interface WindowLimit {
  readonly max: number;
  readonly windowMs: number;
}

type Middleware = (socket: Socket, next: (error?: Error) => void) => void;

/** Counts hits per key in fixed windows; remembers at most `maxKeys` keys (oldest forgotten first). */
export function createWindowCounter(limit: WindowLimit, now: () => number, maxKeys = 50_000) {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    /** Counts one hit; true while the key is within its limit. */
    hit(key: string): boolean {
      const at = now();
      let entry = windows.get(key);
      if (!entry || at - entry.start >= limit.windowMs) {
        entry = { start: at, count: 0 };
        windows.delete(key);
        windows.set(key, entry);
        if (windows.size > maxKeys) {
          const oldest = windows.keys().next().value;
          if (oldest !== undefined) windows.delete(oldest);
        }
      }
      entry.count += 1;
      return entry.count <= limit.max;
    },
  };
}

/** At most `max` handshakes per client address per window; the rest get connect_error "rate_limited". */
export function createHandshakeRateLimit(
  limit: WindowLimit,
  options: { readonly now: () => number },
): Middleware {
  const counter = createWindowCounter(limit, options.now);
  return (socket, next) => {
    if (counter.hit(socket.handshake.address)) next();
    else next(new Error("rate_limited"));
  };
}

/**
 * At most `max` events per socket per window. Events over the limit are dropped (an acknowledgement,
 * when asked for, answers { ok: false, error: "rate_limited" }); a socket that keeps going past
 * `disconnectAfter` dropped events in one window is disconnected.
 */
export function createEventRateLimit(
  limit: WindowLimit & { readonly disconnectAfter?: number },
  options: { readonly now: () => number },
): Middleware {
  const disconnectAfter = limit.disconnectAfter ?? limit.max;
  return (socket, next) => {
    let windowStart = options.now();
    let count = 0;
    socket.use((packet, pass) => {
      const at = options.now();
      if (at - windowStart >= limit.windowMs) {
        windowStart = at;
        count = 0;
      }
      count += 1;
      if (count <= limit.max) {
        pass();
        return;
      }
      const ack = packet.at(-1);
      if (typeof ack === "function") (ack as (answer: unknown) => void)({ ok: false, error: "rate_limited" });
      if (count - limit.max > disconnectAfter) socket.disconnect(true);
    });
    next();
  };
}
