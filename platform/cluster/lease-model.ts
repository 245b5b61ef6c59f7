/**
 * One node's view of a lease on work that must happen once across the cluster (alert evaluation,
 * webhook dispatch…). Pure: times come in as arguments. The lease store (Redis) grants a lease for
 * `ttlMs` with a fencing token that grows with every grant; this node counts itself the holder
 * only until `ttlMs - safetyMs` after it *asked* for the grant or the last renewal (the grant may
 * have been made later, never earlier), and does the work only while it does. A node paused past
 * that point (a long GC, a frozen VM) stops counting itself the holder when it wakes; a write it
 * was already making is refused by the fencing token, which the database checks (fence-store.ts).
 */
export interface LeaseTimings {
  /** How long a grant lasts in the store. */
  readonly ttlMs: number;
  /** Stop counting on the lease this long before the store lets it go (clock drift, slow writes). */
  readonly safetyMs: number;
  /** How often the holder renews and a follower tries to acquire. */
  readonly renewEveryMs: number;
}

export type LeaseState =
  | { readonly role: "follower" }
  | {
      readonly role: "holder";
      readonly token: number;
      /** Until when this node may act on the lease. */
      readonly validUntil: number;
    };

export type LeaseEvent =
  /** The store granted the lease (or a renewal), asked for at `askedAt`. */
  | { readonly kind: "granted"; readonly token: number; readonly askedAt: number }
  /** The store refused (another node holds it) or could not be reached. */
  | { readonly kind: "refused" }
  | { readonly kind: "unreachable" };

export const FOLLOWER: LeaseState = { role: "follower" };

export function checkTimings(timings: LeaseTimings): LeaseTimings {
  const { ttlMs, safetyMs, renewEveryMs } = timings;
  if (!(ttlMs > 0 && safetyMs >= 0 && renewEveryMs > 0)) throw new Error("lease timings must be positive");
  if (renewEveryMs >= ttlMs - safetyMs) {
    throw new Error(
      "a lease must be renewed more often than it stays valid (renewEveryMs < ttlMs - safetyMs)",
    );
  }
  return timings;
}

/** The state after an answer of the store. */
export function leaseAfter(state: LeaseState, event: LeaseEvent, timings: LeaseTimings): LeaseState {
  switch (event.kind) {
    case "granted":
      // A renewal keeps the token; a grant after losing the lease brings a new, larger one.
      if (state.role === "holder" && event.token < state.token) return FOLLOWER;
      return {
        role: "holder",
        token: event.token,
        validUntil: event.askedAt + timings.ttlMs - timings.safetyMs,
      };
    case "refused":
      return FOLLOWER;
    case "unreachable":
      // Keep what was granted until it runs out: holding on is safe (the fence guards the writes),
      // and a Redis blip does not bounce the work between nodes.
      return state;
  }
}

/** The fencing token to write with at `now`, or undefined when this node must not act. */
export function tokenAt(state: LeaseState, now: number): number | undefined {
  return state.role === "holder" && now < state.validUntil ? state.token : undefined;
}
