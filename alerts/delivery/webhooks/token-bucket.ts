/**
 * A token bucket: up to `capacity` sends at once, then `refillPerMinute` a minute. Time is passed
 * in (epoch ms) so that it is pure and tests drive it.
 */
export interface TokenBucketLimits {
  readonly capacity: number;
  readonly refillPerMinute: number;
}

export interface TokenBucket {
  /** Takes a token if one is there. */
  tryTake(now: number): boolean;
  /** How long until a token is there (0: now). */
  msUntilToken(now: number): number;
}

export function createTokenBucket(limits: TokenBucketLimits, start: number): TokenBucket {
  if (!(limits.capacity >= 1) || !(limits.refillPerMinute > 0)) {
    throw new RangeError("a token bucket needs capacity ≥ 1 and a positive refill rate");
  }
  const msPerToken = 60_000 / limits.refillPerMinute;
  let tokens = limits.capacity;
  let last = start;

  const refill = (now: number) => {
    if (now > last) {
      tokens = Math.min(limits.capacity, tokens + (now - last) / msPerToken);
      last = now;
    }
  };

  return {
    tryTake(now) {
      refill(now);
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    msUntilToken(now) {
      refill(now);
      return tokens >= 1 ? 0 : Math.ceil((1 - tokens) * msPerToken);
    },
  };
}
