import type { Logger } from "pino";
import type { Clock } from "../../kernel/clock.js";
import {
  checkTimings,
  FOLLOWER,
  type LeaseState,
  type LeaseTimings,
  leaseAfter,
  tokenAt,
} from "./lease-model.js";
import type { LeaseStore } from "./redis-lease-store.js";

/** Keeps asking for one lease; tells when this node starts and stops holding it. */
export interface LeaseKeeper {
  readonly name: string;
  /** The fencing token to write with now, or undefined when this node must not do the work. */
  token(): number | undefined;
  /** Called with true when this node becomes the holder, false when it stops being one. */
  onChange(listener: (holding: boolean) => void): () => void;
  start(): Promise<void>;
  /** Stops asking and releases the lease if held. */
  stop(): Promise<void>;
}

/** A dead holder's lease is taken over within ttl + one renewal interval: under 10 s. */
export const DEFAULT_LEASE_TIMINGS: LeaseTimings = { ttlMs: 7_000, safetyMs: 2_000, renewEveryMs: 1_500 };

export function createLeaseKeeper(
  settings: { readonly name: string; readonly nodeId: string; readonly timings?: LeaseTimings },
  deps: { readonly store: LeaseStore; readonly clock: Clock; readonly logger: Pick<Logger, "info" | "warn"> },
): LeaseKeeper {
  const timings = checkTimings(settings.timings ?? DEFAULT_LEASE_TIMINGS);
  const { name, nodeId } = settings;
  const listeners = new Set<(holding: boolean) => void>();
  let state: LeaseState = FOLLOWER;
  let holding = false;
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  const noticeChange = () => {
    const now = tokenAt(state, deps.clock.now()) !== undefined;
    if (now === holding) return;
    holding = now;
    deps.logger.info(
      { lease: name, holding, token: state.role === "holder" ? state.token : null },
      "lease changed",
    );
    for (const listener of listeners) listener(holding);
  };

  async function tick(): Promise<void> {
    const askedAt = deps.clock.now();
    try {
      const token = await deps.store.acquire(name, nodeId, timings.ttlMs);
      state = leaseAfter(
        state,
        token === undefined ? { kind: "refused" } : { kind: "granted", token, askedAt },
        timings,
      );
    } catch (err) {
      deps.logger.warn({ err, lease: name }, "lease store unreachable");
      state = leaseAfter(state, { kind: "unreachable" }, timings);
    }
    noticeChange();
  }

  const schedule = () => {
    if (!running) return;
    timer = setTimeout(() => void tick().finally(schedule), timings.renewEveryMs);
  };

  return {
    name,
    token: () => tokenAt(state, deps.clock.now()),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      if (running) return;
      running = true;
      await tick();
      schedule();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      const held = state.role === "holder";
      state = FOLLOWER;
      noticeChange();
      if (held) await deps.store.release(name, nodeId).catch(() => {});
    },
  };
}
