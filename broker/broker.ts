import type { Server as HttpServer, IncomingMessage } from "node:http";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Server as TlsServer } from "node:tls";
import { Aedes, type Client } from "aedes";
import type { Logger } from "pino";
import { createWebSocketStream, WebSocketServer } from "ws";
import { type Clock, systemClock } from "../kernel/clock.js";
import { type AedesAccessControl, installAccessControl } from "./aedes-access-control.js";
import { limitPacketLength } from "./aedes-parser-adapter.js";
import { type BrokerAccess, MAX_STANDING_TTL_MS } from "./broker-access.js";
import {
  AEDES_MAX_TOPIC_LEVELS,
  type BrokerLimit,
  type BrokerLimits,
  createConnectionRateLimiter,
  defaultBrokerLimits,
  limitBrokenBy,
  SERVICE_SOCKET_HEADROOM,
} from "./connection-limits.js";
import { type DeviceIntake, installDeviceIntake } from "./device-intake.js";
import { trackDevicePresence } from "./device-presence.js";
import { refuseEmptyTopicLevels } from "./empty-level-guard.js";
import { IndexedMemoryPersistence } from "./indexed-memory-persistence.js";
import type { BrokerMetrics } from "./metrics.js";
import { BrokerRefusal } from "./refusal.js";
import { createMqttTlsServer, readTlsCredentials, type TlsFiles } from "./tls.js";

export const MQTT_WEBSOCKET_PATH = "/mqtt";
const BROKER_EMITTER_CONCURRENCY = 1_000_000;

export interface BrokerOptions {
  /** Client ids of the service's own parts start with this; everything else counts as a device. */
  readonly serviceClientPrefix: string;
  readonly drainTimeoutMs: number;
  /** Each limit defaults to the configuration's default (platform/config.ts). */
  readonly limits?: Partial<BrokerLimits>;
  /** Certificate and key for MQTT over TLS (listenTls). */
  readonly tls?: TlsFiles;
  /** How often connected devices' standing is read again; at most (and by default) 5 s. */
  readonly accessRecheckMs?: number;
  /** A connection that sends no CONNECT within this is dropped (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Source addresses exempt from the per-address connection rate (e.g. an in-process demo fleet's 127.0.0.1). */
  readonly rateLimitExemptAddresses?: readonly string[];
  /**
   * Devices' readings and statuses taken in by this process at the edge (the ingest runs here):
   * a reading's PUBACK then waits until it is stored. Absent: an ingest subscribes as a client.
   */
  readonly intake?: DeviceIntake;
}

export interface BrokerDeps {
  readonly logger: Logger;
  readonly metrics: BrokerMetrics;
  /** Who may connect and what they may do: required, the broker never runs open. */
  readonly access: BrokerAccess;
  readonly clock?: Clock;
}

export interface MqttBroker {
  readonly aedes: Aedes;
  listen(port: number, host: string): Promise<number>;
  /** MQTT over TLS with the certificate given in the options. */
  listenTls(port: number, host: string): Promise<number>;
  /** Serves MQTT over WebSocket on an HTTP server's upgrade requests to /mqtt. */
  attachWebSocket(server: HttpServer): void;
  isReady(): boolean;
  /** Publishes a message from the service (QoS 0, not retained), e.g. a report on a device's errors topic. */
  publish(topic: string, payload: string): void;
  /** Closes the device's open connections now; call it after decommissioning it or revoking its secret. */
  revokeDevice(deviceId: string): void;
  /** Drops what is cached about a device and closes its connections if it lost access (after any change to it). */
  invalidateDevice(deviceId: string): Promise<void>;
  /** Stops new connections and disconnects devices; service clients stay to drain. */
  stopAcceptingDevices(): Promise<void>;
  close(): Promise<void>;
}

const listenOn = async (server: NetServer, port: number, host: string): Promise<number> => {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === "object" && address ? address.port : port;
};

export async function createBroker(options: BrokerOptions, deps: BrokerDeps): Promise<MqttBroker> {
  const { logger, metrics, access } = deps;
  const clock = deps.clock ?? systemClock;
  const limits: BrokerLimits = { ...defaultBrokerLimits(), ...options.limits };
  const recheckMs = options.accessRecheckMs ?? MAX_STANDING_TTL_MS;
  if (!(recheckMs > 0 && recheckMs <= MAX_STANDING_TTL_MS)) {
    throw new Error(`accessRecheckMs must be between 1 and ${MAX_STANDING_TTL_MS}`);
  }
  if (limits.maxTopicLevels > AEDES_MAX_TOPIC_LEVELS) {
    logger.warn(
      { maxTopicLevels: limits.maxTopicLevels },
      `topics deeper than ${AEDES_MAX_TOPIC_LEVELS} levels are refused whatever the setting`,
    );
  }
  const aedes = await Aedes.createBroker({
    drainTimeout: options.drainTimeoutMs,
    // Aedes' emitter queues deliveries beyond `concurrency` and drains the queue recursively:
    // under a burst (seen at 10,000 readings/s with the loop busy) that recursion overflowed the
    // stack and killed the broker (mqemitter PR #204). Flow control already bounds what is in
    // flight (QoS 1 inflight windows, the ingest's INGEST_MAX_PENDING), so the queue is not needed.
    concurrency: BROKER_EMITTER_CONCURRENCY,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    maxTopicLevels: Math.min(limits.maxTopicLevels, AEDES_MAX_TOPIC_LEVELS),
    maxInflightInbound: limits.maxInflight,
    persistence: new IndexedMemoryPersistence(),
  });
  const clients = new Set<Client>();
  const isService = (client: Client) => client.id?.startsWith(options.serviceClientPrefix) === true;
  let connectedDevices = 0;
  let tcp: NetServer | undefined;
  let tls: TlsServer | undefined;
  let webSocket: WebSocketServer | undefined;
  let accepting = true;
  let openSockets = 0;
  const rateLimiter = createConnectionRateLimiter({
    perSecond: limits.maxConnectionsPerIpPerSecond,
    clock,
    ...(options.rateLimitExemptAddresses ? { exemptAddresses: options.rateLimitExemptAddresses } : {}),
  });

  const countClients = () => {
    let devices = 0;
    for (const c of clients) if (!isService(c)) devices++;
    connectedDevices = devices;
    metrics.connectedClients.set(clients.size);
    metrics.connectedDevices.set(devices);
  };
  aedes.on("client", (client) => {
    clients.add(client);
    countClients();
  });
  aedes.on("clientDisconnect", (client) => {
    clients.delete(client);
    countClients();
  });

  const onError = (clientId: string | undefined, err: Error) => {
    // Refusals were counted and logged where they were made.
    if (err instanceof BrokerRefusal) return;
    const limit = limitBrokenBy(err);
    if (limit) {
      metrics.limitViolations.inc({ limit });
      logger.debug({ clientId, limit, err: err.message }, "client broke a limit");
      return;
    }
    metrics.clientErrors.inc();
    logger.debug({ clientId, err: err.message }, clientId ? "client error" : "connection error");
  };
  aedes.on("clientError", (client, err) => onError(client.id, err));
  aedes.on("connectionError", (_client, err) => onError(undefined, err));

  trackDevicePresence(aedes, logger);
  refuseEmptyTopicLevels(aedes, (topic) => {
    metrics.refusedPublishes.inc({ reason: "empty_topic_level" });
    logger.debug({ topic }, "refused a publish to a topic with an empty level");
  });
  if (options.intake) {
    installDeviceIntake(aedes, options.intake, isService, (err, topic) =>
      logger.error({ err, topic }, "could not take in a reading; connection closed, nothing acknowledged"),
    );
  }
  // Installed last, so it runs first: nothing behind it sees what it refuses.
  const accessControl: AedesAccessControl = installAccessControl(
    aedes,
    { serviceClientPrefix: options.serviceClientPrefix, limits, recheckMs },
    { access, metrics, logger, connectedDevices: () => connectedDevices },
  );

  /** Connection limits that apply before a single byte of MQTT is read. */
  const admit = (socket: Socket): boolean => {
    const refuse = (limit: BrokerLimit) => {
      metrics.limitViolations.inc({ limit });
      logger.debug({ address: socket.remoteAddress, limit }, "refused a connection");
      return false;
    };
    if (!accepting) return false;
    if (openSockets >= limits.maxConnections + SERVICE_SOCKET_HEADROOM) return refuse("max_connections");
    if (!rateLimiter.admit(socket.remoteAddress)) return refuse("connection_rate");
    openSockets++;
    socket.once("close", () => {
      openSockets--;
    });
    return true;
  };

  let packetLimitWarned = false;
  const handle = (stream: Duplex, request?: IncomingMessage) => {
    const client = aedes.handle(stream, request);
    const limited = limitPacketLength(client, limits.maxPayloadBytes, () =>
      metrics.limitViolations.inc({ limit: "payload_size" }),
    );
    if (!limited && !packetLimitWarned) {
      packetLimitWarned = true;
      logger.warn(
        "cannot limit packet length while reading (Aedes internals changed: broker/aedes-parser-adapter.ts)",
      );
    }
  };

  return {
    aedes,

    async listen(port, host) {
      // Nagle would hold small MQTT packets back for up to 40 ms against delayed ACKs.
      const server = createServer({ noDelay: true }, (socket) => {
        if (admit(socket)) handle(socket);
        else socket.destroy();
      });
      tcp = server;
      const bound = await listenOn(server, port, host);
      logger.info({ port: bound }, "MQTT listening");
      return bound;
    },

    async listenTls(port, host) {
      if (!options.tls) throw new Error("listenTls needs the tls option (certificate and key files)");
      const server = createMqttTlsServer(await readTlsCredentials(options.tls), {
        admit,
        onSecureConnection: (socket) => handle(socket),
        onHandshakeError: (error) => logger.debug({ err: error.message }, "TLS handshake failed"),
      });
      tls = server;
      const bound = await listenOn(server, port, host);
      logger.info({ port: bound }, "MQTT over TLS listening");
      return bound;
    },

    attachWebSocket(server) {
      webSocket = new WebSocketServer({
        noServer: true,
        maxPayload: limits.maxPayloadBytes + 128 * 1024,
        handleProtocols: (protocols) => (protocols.has("mqtt") ? "mqtt" : false),
      });
      server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        const path = (request.url ?? "").split("?")[0];
        if (path !== MQTT_WEBSOCKET_PATH) return; // Socket.IO answers its own upgrades
        if (!admit(request.socket)) {
          socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n");
          socket.destroy();
          return;
        }
        webSocket?.handleUpgrade(request, socket, head, (ws) => {
          handle(createWebSocketStream(ws), request);
        });
      });
    },

    isReady: () => !aedes.closed && tcp?.listening === true && (tls === undefined || tls.listening === true),

    publish(topic, payload) {
      aedes.publish(
        { cmd: "publish", topic, payload: Buffer.from(payload), qos: 0, retain: false, dup: false },
        () => {},
      );
    },

    revokeDevice: (deviceId) => accessControl.revokeDevice(deviceId),

    invalidateDevice: (deviceId) => accessControl.invalidateDevice(deviceId),

    async stopAcceptingDevices() {
      accepting = false;
      // Stops listening at once; its callback would wait for the service clients, which stay to drain.
      tcp?.close();
      tls?.close();
      for (const ws of webSocket?.clients ?? []) ws.terminate();
      const devices = [...clients].filter((c) => !isService(c));
      await Promise.all(devices.map((c) => new Promise<void>((resolve) => c.close(() => resolve()))));
    },

    async close() {
      accepting = false;
      accessControl.stop();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      webSocket?.close();
      if (tcp?.listening) tcp.close();
      if (tls?.listening) tls.close();
    },
  };
}
