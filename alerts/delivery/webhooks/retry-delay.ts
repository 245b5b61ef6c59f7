export interface RetryPolicy {
  /** Delay before the first retry, ms. */
  readonly baseDelayMs: number;
  /** No wait grows beyond this. */
  readonly maxDelayMs: number;
}

/**
 * Exponential backoff after the `attempts`-th failed attempt (1, 2, …): base·2^(attempts−1),
 * capped, with "equal jitter" (half fixed, half random) so that receivers coming back are not
 * hit by every sender at the same instant. `random` in [0, 1) is injected for determinism.
 */
export function retryDelayMs(attempts: number, policy: RetryPolicy, random: () => number): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, attempts - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped / 2 + (capped / 2) * random());
}

/** A Retry-After header (seconds, or an HTTP date) as ms from `now`; undefined when absent or unusable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
