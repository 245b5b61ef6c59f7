import { describe, expect, it } from "vitest";
import { parseConfig } from "../platform/config.js";
import {
  brokerLimitsFrom,
  createConnectionRateLimiter,
  defaultBrokerLimits,
  keepaliveAllowed,
  limitBrokenBy,
} from "./connection-limits.js";

const manualClock = (start = 1_000_000) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

describe("connection rate per source address", () => {
  it("admits a burst of the rate, then one more per 1/rate seconds", () => {
    const clock = manualClock();
    const limiter = createConnectionRateLimiter({ perSecond: 3, clock });
    expect([1, 2, 3, 4].map(() => limiter.admit("203.0.113.7"))).toEqual([true, true, true, false]);
    // Another address has its own allowance.
    expect(limiter.admit("203.0.113.8")).toBe(true);
    clock.advance(333);
    expect(limiter.admit("203.0.113.7")).toBe(false);
    clock.advance(1);
    expect(limiter.admit("203.0.113.7")).toBe(true);
    expect(limiter.admit("203.0.113.7")).toBe(false);
    // A quiet address gets its full burst back, no more.
    clock.advance(60_000);
    expect([1, 2, 3, 4].map(() => limiter.admit("203.0.113.7"))).toEqual([true, true, true, false]);
  });

  it("counts an IPv4 client of a dual-stack socket as its IPv4 address; exempt addresses are never limited", () => {
    const clock = manualClock();
    const limiter = createConnectionRateLimiter({ perSecond: 1, clock, exemptAddresses: ["127.0.0.1"] });
    expect(limiter.admit("198.51.100.1")).toBe(true);
    expect(limiter.admit("::ffff:198.51.100.1")).toBe(false);
    for (let i = 0; i < 10; i++) expect(limiter.admit("::ffff:127.0.0.1")).toBe(true);
  });
});

describe("keepalive bounds", () => {
  const limits = { ...defaultBrokerLimits(), keepaliveMinS: 5, keepaliveMaxS: 1200 };
  it.each([
    [0, false],
    [4, false],
    [5, true],
    [60, true],
    [1200, true],
    [1201, false],
  ])("keepalive %i s allowed: %s", (keepalive, allowed) => {
    expect(keepaliveAllowed(keepalive, limits)).toBe(allowed);
  });
});

describe("limits", () => {
  it("come from the configuration, defaults included", () => {
    expect(defaultBrokerLimits()).toEqual({
      maxConnections: 10_000,
      maxConnectionsPerIpPerSecond: 20,
      maxTopicLevels: 8,
      maxPayloadBytes: 1024 * 1024,
      keepaliveMinS: 5,
      keepaliveMaxS: 1200,
      maxInflight: 100,
    });
    const config = parseConfig({
      MQTT_MAX_CONNECTIONS: "50",
      MQTT_MAX_INFLIGHT: "7",
      MAX_PAYLOAD_BYTES: "2048",
    });
    expect(brokerLimitsFrom(config)).toMatchObject({
      maxConnections: 50,
      maxInflight: 7,
      maxPayloadBytes: 2048,
    });
  });

  it("recognises the limits Aedes enforces by their errors, and nothing else", () => {
    expect(limitBrokenBy(new Error("topic has too many levels"))).toBe("topic_levels");
    expect(
      limitBrokenBy(
        new Error("maxInflightInbound exceeded: 5 inbound QoS 2 messages already awaiting PUBREL"),
      ),
    ).toBe("inflight");
    expect(limitBrokenBy(new Error("drain timeout"))).toBe("drain_timeout");
    expect(limitBrokenBy(new Error("keep alive timeout"))).toBeUndefined();
    expect(limitBrokenBy(new Error("Invalid protocol"))).toBeUndefined();
  });
});
