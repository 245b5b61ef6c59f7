/**
 * The one place that decides who may connect to the broker and what they may do there. The
 * embedded Aedes broker calls it from its hooks (broker/aedes-access-control.ts), and the HTTP
 * endpoints for EMQX and mosquitto-go-auth (broker/api/broker-auth-routes.ts) call the same functions.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { DeviceCredentials } from "../devices/index.js";
import type { Clock } from "../kernel/clock.js";
import {
  type BrokerIdentity,
  type Identification,
  type IdentityRefusal,
  identify,
  isTopicAllowed,
  type TopicAction,
} from "./topic-acl.js";

/** A change made by another process (decommissioning, revocation) counts within this long. */
export const MAX_STANDING_TTL_MS = 5000;

export type ConnectRefusal =
  | IdentityRefusal
  | "missing_credentials"
  | "unknown_device"
  | "wrong_secret"
  | "wrong_service_password"
  | "decommissioned";

export type Authentication =
  | {
      readonly ok: true;
      readonly identity: BrokerIdentity;
      /** The device credential that matched (null for services): see DeviceCredentials.check. */
      readonly credentialTag: string | null;
    }
  | { readonly ok: false; readonly reason: ConnectRefusal };

export type StandingRefusal = "unknown_device" | "no_credentials" | "decommissioned";

/** Whether a device may use the broker at all right now. */
export type DeviceStanding =
  | { readonly allowed: true; readonly credentialTag: string }
  | { readonly allowed: false; readonly reason: StandingRefusal };

export type Authorization =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: "topic_not_allowed" | StandingRefusal };

export interface BrokerAccessOptions {
  /** Client ids of the service's own parts start with this (SERVICE_CLIENT_PREFIX). */
  readonly serviceClientPrefix: string;
  /** Password of the service clients (MQTT_SERVICE_PASSWORD, or generated per start). */
  readonly servicePassword: string;
  /** How long a device's standing is trusted before it is read again; at most MAX_STANDING_TTL_MS. */
  readonly standingTtlMs?: number;
}

export interface BrokerAccess {
  authenticate(request: {
    readonly clientId: string;
    readonly username: string | undefined;
    readonly password: string | undefined;
  }): Promise<Authentication>;
  /** Who a client id and username stand for, without a password (per-action checks of other brokers). */
  identify(clientId: string, username: string): Identification;
  /** The topic rules alone: synchronous, for every message of a connection already authenticated. */
  isTopicAllowed(identity: BrokerIdentity, action: TopicAction, topic: string): boolean;
  /** Topic rules and the device's standing (cached for at most the TTL). */
  authorize(identity: BrokerIdentity, action: TopicAction, topic: string): Promise<Authorization>;
  /** Reads the standing of these devices now (and caches it). */
  standingOf(deviceIds: readonly string[]): Promise<Map<string, DeviceStanding>>;
  /** Forgets what is cached about a device: the next question reads the database. */
  invalidateDevice(deviceId: string): void;
}

/** Standings kept at most; stale ones are dropped first when there are more. */
const MAX_CACHED_STANDINGS = 100_000;

const digest = (text: string) => createHash("sha256").update(text).digest();

export function createBrokerAccess(
  options: BrokerAccessOptions,
  deps: { readonly credentials: DeviceCredentials; readonly clock: Clock },
): BrokerAccess {
  const { credentials, clock } = deps;
  const ttlMs = options.standingTtlMs ?? MAX_STANDING_TTL_MS;
  if (!(ttlMs >= 0 && ttlMs <= MAX_STANDING_TTL_MS)) {
    throw new Error(`standingTtlMs must be between 0 and ${MAX_STANDING_TTL_MS}`);
  }
  if (options.servicePassword.length < 16)
    throw new Error("the service password must be at least 16 characters");
  const servicePasswordDigest = digest(options.servicePassword);
  const standings = new Map<string, { readonly standing: DeviceStanding; readonly readAt: number }>();

  const remember = (deviceId: string, standing: DeviceStanding) => {
    const now = clock.now();
    standings.delete(deviceId);
    standings.set(deviceId, { standing, readAt: now });
    if (standings.size <= MAX_CACHED_STANDINGS) return;
    // Insertion order is reading order: the oldest (stale first) go.
    for (const [id, entry] of standings) {
      if (standings.size <= MAX_CACHED_STANDINGS && now - entry.readAt < ttlMs) break;
      standings.delete(id);
    }
  };

  async function standingOf(deviceIds: readonly string[]): Promise<Map<string, DeviceStanding>> {
    const states = await credentials.accessStates(deviceIds);
    const result = new Map<string, DeviceStanding>();
    for (const deviceId of deviceIds) {
      const state = states.get(deviceId);
      const standing: DeviceStanding = !state
        ? { allowed: false, reason: "unknown_device" }
        : state.lifecycle === "decommissioned"
          ? { allowed: false, reason: "decommissioned" }
          : state.credentialTag === null
            ? { allowed: false, reason: "no_credentials" }
            : { allowed: true, credentialTag: state.credentialTag };
      remember(deviceId, standing);
      result.set(deviceId, standing);
    }
    return result;
  }

  async function cachedStanding(deviceId: string): Promise<DeviceStanding> {
    const cached = standings.get(deviceId);
    if (cached && clock.now() - cached.readAt < ttlMs) return cached.standing;
    const fresh = await standingOf([deviceId]);
    return fresh.get(deviceId) ?? { allowed: false, reason: "unknown_device" };
  }

  return {
    async authenticate({ clientId, username, password }) {
      if (!username || !password) return { ok: false, reason: "missing_credentials" };
      const identification = identify(clientId, username, options.serviceClientPrefix);
      if (!identification.ok) return identification;
      const { identity } = identification;
      if (identity.kind === "service") {
        return timingSafeEqual(digest(password), servicePasswordDigest)
          ? { ok: true, identity, credentialTag: null }
          : { ok: false, reason: "wrong_service_password" };
      }
      const checked = await credentials.check(identity.deviceId, password);
      switch (checked.verdict) {
        case "unknown":
          return { ok: false, reason: "unknown_device" };
        case "wrong":
          return { ok: false, reason: "wrong_secret" };
        case "decommissioned":
          remember(identity.deviceId, { allowed: false, reason: "decommissioned" });
          return { ok: false, reason: "decommissioned" };
        case "ok":
          if (checked.credentialTag !== null) {
            remember(identity.deviceId, { allowed: true, credentialTag: checked.credentialTag });
          }
          return { ok: true, identity, credentialTag: checked.credentialTag };
      }
    },

    identify: (clientId, username) => identify(clientId, username, options.serviceClientPrefix),

    isTopicAllowed,

    async authorize(identity, action, topic) {
      if (!isTopicAllowed(identity, action, topic)) return { allowed: false, reason: "topic_not_allowed" };
      if (identity.kind === "service") return { allowed: true };
      const standing = await cachedStanding(identity.deviceId);
      return standing.allowed ? { allowed: true } : { allowed: false, reason: standing.reason };
    },

    standingOf,

    invalidateDevice(deviceId) {
      standings.delete(deviceId);
    },
  };
}
