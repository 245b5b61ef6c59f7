/**
 * Puts the broker's access decisions (broker-access.ts) into Aedes: authentication at CONNECT with
 * the right CONNACK code, topic rules on every publish and subscription, and revocation of
 * connections already open. Composes with the other authorizePublish wrappers: it is installed
 * last, so it runs first, and nothing behind it (device presence) sees a refused publish.
 */
import type { Aedes, AuthenticateError, Client, ConnectPacket, PublishPacket } from "aedes";
import type { Logger } from "pino";
import type { Authentication, BrokerAccess, ConnectRefusal, DeviceStanding } from "./broker-access.js";
import { type BrokerLimits, keepaliveAllowed } from "./connection-limits.js";
import type { BrokerMetrics } from "./metrics.js";
import { BrokerRefusal } from "./refusal.js";
import { type BrokerIdentity, mayRetain } from "./topic-acl.js";

export interface AedesAccessControl {
  /** Closes the device's open connections now (call it after decommissioning or revoking it). */
  revokeDevice(deviceId: string): void;
  /** Forgets what is cached about the device, reads it again and closes connections that lost access. */
  invalidateDevice(deviceId: string): Promise<void>;
  /** Reads the standing of every connected device and closes the connections that lost access. */
  recheck(): Promise<void>;
  stop(): void;
}

interface Session {
  readonly identity: BrokerIdentity;
  readonly credentialTag: string | null;
  revoked: boolean;
}

type RevocationReason =
  | "revoked"
  | "decommissioned"
  | "credentials_revoked"
  | "credentials_rotated"
  | "device_removed";

const CONNACK_CODE: Record<ConnectRefusal, 2 | 4 | 5> = {
  missing_credentials: 4,
  unknown_device: 4,
  wrong_secret: 4,
  wrong_service_password: 4,
  invalid_client_id: 2,
  client_id_mismatch: 2,
  unknown_service: 2,
  decommissioned: 5,
};

const payloadBytes = (packet: PublishPacket) =>
  typeof packet.payload === "string" ? Buffer.byteLength(packet.payload) : packet.payload.length;

export function installAccessControl(
  aedes: Aedes,
  options: {
    readonly serviceClientPrefix: string;
    readonly limits: BrokerLimits;
    /** How often connected devices' standing is read again (a change made elsewhere counts within it). */
    readonly recheckMs: number;
  },
  deps: {
    readonly access: BrokerAccess;
    readonly metrics: BrokerMetrics;
    readonly logger: Logger;
    /** Devices connected now, for the connection limit. */
    readonly connectedDevices: () => number;
  },
): AedesAccessControl {
  const { access, metrics, logger } = deps;
  const { limits } = options;
  // What the CONNECT said, kept from preConnect (which sees the packet) for authenticate (which does not).
  const connects = new WeakMap<Client, Pick<ConnectPacket, "clientId" | "keepalive" | "will">>();
  const sessions = new WeakMap<Client, Session>();
  const deviceClients = new Map<string, Set<Client>>();

  const preConnect = aedes.preConnect;
  aedes.preConnect = (client, packet, callback) => {
    connects.set(client, { clientId: packet.clientId, keepalive: packet.keepalive, will: packet.will });
    preConnect.call(aedes, client, packet, callback);
  };

  aedes.authenticate = (client, username, password, done) => {
    const connect = connects.get(client);
    connects.delete(client);
    const clientId = connect?.clientId ?? "";
    const refuse = (message: string, code: 2 | 3 | 4 | 5) => {
      logger.debug({ clientId, username, reason: message }, "refused a connection");
      // Aedes answers with err.returnCode as the CONNACK code.
      done(new BrokerRefusal(message, code) as AuthenticateError, false);
    };
    const isDevice = !clientId.startsWith(options.serviceClientPrefix);
    if (isDevice && !keepaliveAllowed(connect?.keepalive ?? 0, limits)) {
      metrics.limitViolations.inc({ limit: "keepalive" });
      refuse(
        `keepalive ${connect?.keepalive ?? 0} s is outside ${limits.keepaliveMinS}–${limits.keepaliveMaxS} s`,
        2,
      );
      return;
    }
    if (isDevice && deps.connectedDevices() >= limits.maxConnections) {
      metrics.limitViolations.inc({ limit: "max_connections" });
      refuse(`the broker already serves ${limits.maxConnections} devices`, 3);
      return;
    }
    const onResult = (result: Authentication) => {
      if (!result.ok) {
        metrics.refusedConnections.inc({ reason: result.reason });
        refuse(result.reason, CONNACK_CODE[result.reason]);
        return;
      }
      const will = connect?.will;
      // A will is a publish made later on the client's behalf: the same rules, checked now.
      if (
        will &&
        (!access.isTopicAllowed(result.identity, "publish", will.topic) ||
          (will.retain && !mayRetain(will.topic)))
      ) {
        metrics.refusedConnections.inc({ reason: "will_not_allowed" });
        refuse(`will on ${will.topic} is not allowed`, 5);
        return;
      }
      openSession(client, { identity: result.identity, credentialTag: result.credentialTag, revoked: false });
      done(null, true);
    };
    // Two callbacks rather than then/catch: a throw inside Aedes after done() must not call done() again.
    access
      .authenticate({ clientId, username, password: password?.toString("utf8") })
      .then(onResult, (error: unknown) => {
        logger.error({ err: error, clientId }, "authentication failed with an error");
        metrics.refusedConnections.inc({ reason: "error" });
        refuse("authentication is unavailable", 3);
      })
      .catch((error: unknown) => logger.error({ err: error, clientId }, "connection setup failed"));
  };

  function openSession(client: Client, session: Session): void {
    sessions.set(client, session);
    if (session.identity.kind !== "device") return;
    const { deviceId } = session.identity;
    let clients = deviceClients.get(deviceId);
    if (!clients) {
      clients = new Set();
      deviceClients.set(deviceId, clients);
    }
    clients.add(client);
    client.conn.once("close", () => {
      const current = deviceClients.get(deviceId);
      current?.delete(client);
      if (current?.size === 0) deviceClients.delete(deviceId);
    });
  }

  /** Why the client may not publish or subscribe on the topic now; undefined when it may. */
  const topicRefusal = (client: Client, action: "publish" | "subscribe", topic: string) => {
    const session = sessions.get(client);
    if (!session) return "unauthenticated";
    if (session.revoked) return "revoked";
    return access.isTopicAllowed(session.identity, action, topic) ? undefined : "topic_not_allowed";
  };

  const authorizePublish = aedes.authorizePublish;
  aedes.authorizePublish = (client, packet, callback) => {
    if (!client) {
      authorizePublish.call(aedes, client, packet, callback);
      return;
    }
    const refuse = (reason: string, message: string) => {
      logger.debug({ clientId: client.id, topic: packet.topic, reason }, "refused a publish");
      callback(new BrokerRefusal(message));
    };
    if (payloadBytes(packet) > limits.maxPayloadBytes) {
      metrics.limitViolations.inc({ limit: "payload_size" });
      refuse("payload_size", `payload of ${payloadBytes(packet)} bytes is over ${limits.maxPayloadBytes}`);
      return;
    }
    const reason =
      topicRefusal(client, "publish", packet.topic) ??
      (packet.retain && !mayRetain(packet.topic) ? "retained_reading" : undefined);
    if (reason) {
      metrics.refusedPublishes.inc({ reason });
      refuse(reason, `publish to ${packet.topic} refused: ${reason}`);
      return;
    }
    authorizePublish.call(aedes, client, packet, callback);
  };

  const authorizeSubscribe = aedes.authorizeSubscribe;
  aedes.authorizeSubscribe = (client, subscription, callback) => {
    const reason = topicRefusal(client, "subscribe", subscription.topic);
    if (reason) {
      metrics.refusedSubscriptions.inc({ reason });
      logger.debug({ clientId: client.id, topic: subscription.topic, reason }, "refused a subscription");
      // No error: MQTT 3.1.1 answers a refused subscription with a failure code in SUBACK.
      callback(null, null);
      return;
    }
    authorizeSubscribe.call(aedes, client, subscription, callback);
  };

  function revokeClient(client: Client, reason: RevocationReason): void {
    const session = sessions.get(client);
    if (!session || session.revoked) return;
    session.revoked = true;
    metrics.revokedConnections.inc({ reason });
    logger.info({ clientId: client.id, reason }, "closed the connection of a device that lost access");
    client.close();
  }

  const revocationFor = (
    standing: DeviceStanding,
    session: Session | undefined,
  ): RevocationReason | undefined => {
    if (!standing.allowed) {
      if (standing.reason === "decommissioned") return "decommissioned";
      return standing.reason === "no_credentials" ? "credentials_revoked" : "device_removed";
    }
    return session && standing.credentialTag !== session.credentialTag ? "credentials_rotated" : undefined;
  };

  async function apply(deviceIds: readonly string[]): Promise<void> {
    const standings = await access.standingOf(deviceIds);
    for (const deviceId of deviceIds) {
      const standing = standings.get(deviceId);
      if (!standing) continue;
      for (const client of deviceClients.get(deviceId) ?? []) {
        const reason = revocationFor(standing, sessions.get(client));
        if (reason) revokeClient(client, reason);
      }
    }
  }

  let running: Promise<void> | undefined;
  const recheck = (): Promise<void> => {
    running ??= apply([...deviceClients.keys()])
      .catch((error: unknown) => logger.warn({ err: error }, "could not recheck connected devices"))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void recheck(), options.recheckMs);
  timer.unref();

  return {
    revokeDevice(deviceId) {
      access.invalidateDevice(deviceId);
      for (const client of deviceClients.get(deviceId) ?? []) revokeClient(client, "revoked");
    },
    async invalidateDevice(deviceId) {
      access.invalidateDevice(deviceId);
      if (deviceClients.has(deviceId)) await apply([deviceId]);
    },
    recheck,
    stop() {
      clearInterval(timer);
    },
  };
}
