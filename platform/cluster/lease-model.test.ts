import { describe, expect, it } from "vitest";
import { checkTimings, FOLLOWER, type LeaseState, leaseAfter, tokenAt } from "./lease-model.js";

const timings = { ttlMs: 10_000, safetyMs: 2_000, renewEveryMs: 2_000 };

describe("lease state machine (pure, times as arguments)", () => {
  it("holds from a grant until ttl - safety after it was asked for, and renewals extend it", () => {
    let state: LeaseState = leaseAfter(FOLLOWER, { kind: "granted", token: 7, askedAt: 1_000 }, timings);
    expect(tokenAt(state, 1_000)).toBe(7);
    expect(tokenAt(state, 8_999)).toBe(7);
    expect(tokenAt(state, 9_000)).toBeUndefined();
    state = leaseAfter(state, { kind: "granted", token: 7, askedAt: 3_000 }, timings);
    expect(tokenAt(state, 10_999)).toBe(7);
    expect(tokenAt(state, 11_000)).toBeUndefined();
  });

  it("a node paused past its validity does not act when it wakes, whatever it last heard", () => {
    const held = leaseAfter(FOLLOWER, { kind: "granted", token: 3, askedAt: 0 }, timings);
    // Asleep for 30 s: no answer came in between; the clock alone ends its right to act.
    expect(tokenAt(held, 30_000)).toBeUndefined();
  });

  it("keeps a grant through an unreachable store until it runs out; a refusal ends it at once", () => {
    const held = leaseAfter(FOLLOWER, { kind: "granted", token: 4, askedAt: 0 }, timings);
    const blip = leaseAfter(held, { kind: "unreachable" }, timings);
    expect(tokenAt(blip, 5_000)).toBe(4);
    expect(tokenAt(blip, 8_000)).toBeUndefined();
    expect(leaseAfter(held, { kind: "refused" }, timings)).toEqual(FOLLOWER);
    expect(leaseAfter(FOLLOWER, { kind: "unreachable" }, timings)).toEqual(FOLLOWER);
  });

  it("never goes back to a smaller token", () => {
    const held = leaseAfter(FOLLOWER, { kind: "granted", token: 9, askedAt: 0 }, timings);
    expect(leaseAfter(held, { kind: "granted", token: 8, askedAt: 1 }, timings)).toEqual(FOLLOWER);
    expect(tokenAt(leaseAfter(held, { kind: "granted", token: 10, askedAt: 1 }, timings), 2)).toBe(10);
  });

  it("refuses timings that would let a lease lapse between renewals", () => {
    expect(() => checkTimings({ ttlMs: 5_000, safetyMs: 2_000, renewEveryMs: 3_000 })).toThrow(
      /renewed more often/,
    );
    expect(() => checkTimings({ ttlMs: 0, safetyMs: 0, renewEveryMs: 1 })).toThrow(/positive/);
    expect(checkTimings(timings)).toBe(timings);
  });
});
