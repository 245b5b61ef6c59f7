import type { Server as HttpServer, IncomingMessage } from "node:http";
import { createServer, type Server as NetServer } from "node:net";
import type { Duplex } from "node:stream";
import { Aedes, type Client } from "aedes";
import type { Logger } from "pino";
import { createWebSocketStream, WebSocketServer } from "ws";
import { trackDevicePresence } from "./device-presence.js";
import { refuseEmptyTopicLevels } from "./empty-level-guard.js";
import { IndexedMemoryPersistence } from "./indexed-memory-persistence.js";
import type { BrokerMetrics } from "./metrics.js";

export const MQTT_WEBSOCKET_PATH = "/mqtt";
const BROKER_EMITTER_CONCURRENCY = 1_000_000;

export interface BrokerOptions {
  /** Client ids of the service's own parts start with this; everything else counts as a device. */
  readonly serviceClientPrefix: string;
  readonly drainTimeoutMs: number;
}

export interface MqttBroker {
  readonly aedes: Aedes;
  listen(port: number, host: string): Promise<number>;
  /** Serves MQTT over WebSocket on an HTTP server's upgrade requests to /mqtt. */
  attachWebSocket(server: HttpServer): void;
  isReady(): boolean;
  /** Stops new connections and disconnects devices; service clients stay to drain. */
  stopAcceptingDevices(): Promise<void>;
  close(): Promise<void>;
}

export async function createBroker(
  options: BrokerOptions,
  deps: { readonly logger: Logger; readonly metrics: BrokerMetrics },
): Promise<MqttBroker> {
  const { logger, metrics } = deps;
  const aedes = await Aedes.createBroker({
    drainTimeout: options.drainTimeoutMs,
    // Aedes' emitter queues deliveries beyond `concurrency` and drains the queue recursively:
    // under a burst (seen at 10,000 readings/s with the loop busy) that recursion overflowed the
    // stack and killed the broker (mqemitter PR #204). Flow control already bounds what is in
    // flight (QoS 1 inflight windows, the ingest's INGEST_MAX_PENDING), so the queue is not needed.
    concurrency: BROKER_EMITTER_CONCURRENCY,
    persistence: new IndexedMemoryPersistence(),
  });
  const clients = new Set<Client>();
  const isService = (client: Client) => client.id?.startsWith(options.serviceClientPrefix) === true;
  let tcp: NetServer | undefined;
  let webSocket: WebSocketServer | undefined;
  let accepting = true;

  const countClients = () => {
    let devices = 0;
    for (const c of clients) if (!isService(c)) devices++;
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
  aedes.on("clientError", (client, err) => {
    metrics.clientErrors.inc();
    logger.debug({ clientId: client.id, err: err.message }, "broker: client error");
  });
  aedes.on("connectionError", (_client, err) => {
    metrics.clientErrors.inc();
    logger.debug({ err: err.message }, "broker: connection error");
  });
  trackDevicePresence(aedes, logger);
  refuseEmptyTopicLevels(aedes, (topic) => {
    metrics.refusedPublishes.inc({ reason: "empty_topic_level" });
    logger.debug({ topic }, "broker: refused a publish to a topic with an empty level");
  });

  const handle = (stream: Duplex, request?: IncomingMessage) => {
    if (!accepting) {
      stream.destroy();
      return;
    }
    aedes.handle(stream, request);
  };

  return {
    aedes,

    async listen(port, host) {
      // Nagle would hold small MQTT packets back for up to 40 ms against delayed ACKs.
      tcp = createServer({ noDelay: true }, (socket) => handle(socket));
      await new Promise<void>((resolve, reject) => {
        tcp?.once("error", reject);
        tcp?.listen(port, host, () => resolve());
      });
      const address = tcp.address();
      const bound = typeof address === "object" && address ? address.port : port;
      logger.info({ port: bound }, "broker: MQTT listening");
      return bound;
    },

    attachWebSocket(server) {
      webSocket = new WebSocketServer({
        noServer: true,
        handleProtocols: (protocols) => (protocols.has("mqtt") ? "mqtt" : false),
      });
      server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        const path = (request.url ?? "").split("?")[0];
        if (path !== MQTT_WEBSOCKET_PATH) return; // Socket.IO answers its own upgrades
        webSocket?.handleUpgrade(request, socket, head, (ws) => {
          handle(createWebSocketStream(ws), request);
        });
      });
    },

    isReady: () => !aedes.closed && tcp?.listening === true,

    async stopAcceptingDevices() {
      accepting = false;
      // Stops listening at once; its callback would wait for the service clients, which stay to drain.
      tcp?.close();
      for (const ws of webSocket?.clients ?? []) ws.terminate();
      const devices = [...clients].filter((c) => !isService(c));
      await Promise.all(devices.map((c) => new Promise<void>((resolve) => c.close(() => resolve()))));
    },

    async close() {
      accepting = false;
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      webSocket?.close();
      if (tcp?.listening) tcp.close();
    },
  };
}
