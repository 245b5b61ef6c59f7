/**
 * The broker's limits: what each one is, where it is checked, and how a broken one is named in
 * envmon_broker_limit_violations_total{limit}.
 */
import type { Clock } from "../kernel/clock.js";
import { parseConfig, type ServiceConfig } from "../platform/config.js";

export type BrokerLimit =
  | "max_connections"
  | "connection_rate"
  | "keepalive"
  | "topic_levels"
  | "payload_size"
  | "inflight"
  | "drain_timeout";

export interface BrokerLimits {
  /** Device connections at once (CONNACK 3 beyond it); sockets are capped a little above it. */
  readonly maxConnections: number;
  /** New connections per source address per second (token bucket with that many in hand). */
  readonly maxConnectionsPerIpPerSecond: number;
  /** Levels of a topic or filter. Aedes can check at most 100. */
  readonly maxTopicLevels: number;
  /** Payload of one PUBLISH; a packet announcing much more is cut before it is read. */
  readonly maxPayloadBytes: number;
  /** Keepalive a device must ask for (seconds); 0 (no keepalive) is refused for devices. */
  readonly keepaliveMinS: number;
  readonly keepaliveMaxS: number;
  /**
   * Inbound QoS 2 messages awaiting PUBREL per client (Aedes' maxInflightInbound). Aedes acknowledges
   * QoS 1 as it reads it, so there is no inbound QoS 1 window to bound: TCP backpressure does that.
   */
  readonly maxInflight: number;
}

export function brokerLimitsFrom(
  config: Pick<
    ServiceConfig,
    | "MQTT_MAX_CONNECTIONS"
    | "MQTT_MAX_CONNECTIONS_PER_IP_PER_S"
    | "MQTT_MAX_TOPIC_LEVELS"
    | "MAX_PAYLOAD_BYTES"
    | "MQTT_KEEPALIVE_MIN_S"
    | "MQTT_KEEPALIVE_MAX_S"
    | "MQTT_MAX_INFLIGHT"
  >,
): BrokerLimits {
  return {
    maxConnections: config.MQTT_MAX_CONNECTIONS,
    maxConnectionsPerIpPerSecond: config.MQTT_MAX_CONNECTIONS_PER_IP_PER_S,
    maxTopicLevels: config.MQTT_MAX_TOPIC_LEVELS,
    maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
    keepaliveMinS: config.MQTT_KEEPALIVE_MIN_S,
    keepaliveMaxS: config.MQTT_KEEPALIVE_MAX_S,
    maxInflight: config.MQTT_MAX_INFLIGHT,
  };
}

/** The configuration's defaults, so that the numbers live in one place (platform/config.ts); read when asked, not at import. */
export const defaultBrokerLimits = (): BrokerLimits => brokerLimitsFrom(parseConfig({}));

/** Highest topic depth Aedes' routing can take. */
export const AEDES_MAX_TOPIC_LEVELS = 100;

/** Sockets beyond maxConnections still accepted, so that a service client can connect when devices fill the broker. */
export const SERVICE_SOCKET_HEADROOM = 16;

export const keepaliveAllowed = (keepaliveS: number, limits: BrokerLimits): boolean =>
  keepaliveS > 0 && keepaliveS >= limits.keepaliveMinS && keepaliveS <= limits.keepaliveMaxS;

/** IPv4 clients of a dual-stack socket appear as ::ffff:a.b.c.d; count them as a.b.c.d. */
const normaliseAddress = (address: string) => (address.startsWith("::ffff:") ? address.slice(7) : address);

/** Admits new connections per source address at a steady rate with a burst of the same size. */
export function createConnectionRateLimiter(options: {
  readonly perSecond: number;
  readonly clock: Clock;
  /** Addresses never limited (for example the loopback address of an in-process demo fleet). */
  readonly exemptAddresses?: readonly string[];
}): { admit(address: string | undefined): boolean } {
  const { perSecond, clock } = options;
  const exempt = new Set((options.exemptAddresses ?? []).map(normaliseAddress));
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refilled = (bucket: { tokens: number; at: number }, now: number) =>
    Math.min(perSecond, bucket.tokens + ((now - bucket.at) * perSecond) / 1000);

  return {
    admit(rawAddress) {
      // A socket already closed has no address; there is nothing left to limit.
      if (rawAddress === undefined) return true;
      const address = normaliseAddress(rawAddress);
      if (exempt.has(address)) return true;
      const now = clock.now();
      const bucket = buckets.get(address);
      const tokens = bucket ? refilled(bucket, now) : perSecond;
      if (buckets.size > 10_000) {
        // Full buckets hold no information: forget them.
        for (const [key, value] of buckets) if (refilled(value, now) >= perSecond) buckets.delete(key);
      }
      if (tokens < 1) {
        buckets.set(address, { tokens, at: now });
        return false;
      }
      buckets.set(address, { tokens: tokens - 1, at: now });
      return true;
    },
  };
}

/** Limits Aedes enforces itself, recognised by its error messages (aedes 1.2). */
export function limitBrokenBy(error: Error): BrokerLimit | undefined {
  if (error.message === "topic has too many levels") return "topic_levels";
  if (error.message.startsWith("maxInflightInbound exceeded")) return "inflight";
  if (error.message === "drain timeout") return "drain_timeout";
  return undefined;
}
