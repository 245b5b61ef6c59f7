/** Test support: a real in-process Aedes broker on a free port, and an MQTT client that records messages. */
import net from "node:net";
import { Aedes, type AuthenticateError, type Client } from "aedes";
import mqtt, { type MqttClient } from "mqtt";

export interface TestBroker {
  readonly url: string;
  readonly port: number;
  /** Broker-side clients by client id, e.g. to cut a device's connection abruptly. */
  readonly clients: ReadonlyMap<string, Client>;
  close(): Promise<void>;
}

/** Starts the broker; `setUp` may install checks (authenticate, authorizePublish…) before it listens. */
export async function startTestBroker(setUp: (broker: Aedes) => void = () => {}): Promise<TestBroker> {
  const broker = await Aedes.createBroker();
  setUp(broker);
  const clients = new Map<string, Client>();
  broker.on("client", (client) => clients.set(client.id, client));
  broker.on("clientDisconnect", (client) => {
    if (clients.get(client.id) === client) clients.delete(client.id);
  });
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    clients,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface CheckingBroker extends TestBroker {
  /** Every CONNECT, let in or not. */
  readonly logins: Array<{ clientId: string; username: string | undefined }>;
  /** The client ids let in (clear it to count afresh). */
  readonly accepted: Set<string>;
  /** The publishes let through. */
  readonly published: Array<{ clientId: string; topic: string }>;
  /** The topics of publishes refused. */
  readonly refusedPublishes: string[];
}

/**
 * A broker that checks devices the way the service's does, in miniature: username = client id,
 * the device's own secret, and publishing only under its own topics (sensors/<id>/…).
 */
export async function startCheckingBroker(secrets: ReadonlyMap<string, string>): Promise<CheckingBroker> {
  const logins: Array<{ clientId: string; username: string | undefined }> = [];
  const accepted = new Set<string>();
  const published: Array<{ clientId: string; topic: string }> = [];
  const refusedPublishes: string[] = [];
  const broker = await startTestBroker((aedes) => {
    aedes.authenticate = (client, username, password, done) => {
      logins.push({ clientId: client.id, username });
      const ok = username === client.id && secrets.get(client.id) === password?.toString("utf8");
      if (ok) done(null, true);
      else done(Object.assign(new Error("bad credentials"), { returnCode: 4 }) as AuthenticateError, false);
    };
    aedes.authorizePublish = (client, packet, callback) => {
      if (client && packet.topic.startsWith(`sensors/${client.id}/`)) {
        published.push({ clientId: client.id, topic: packet.topic });
        callback(null);
      } else {
        refusedPublishes.push(packet.topic);
        callback(new Error("not your topic"));
      }
    };
    aedes.on("client", (client) => accepted.add(client.id));
  });
  return { ...broker, logins, accepted, published, refusedPublishes };
}

export interface RecordedMessage {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
  readonly receivedAt: number;
}

export interface MessageRecorder {
  readonly client: MqttClient;
  readonly messages: RecordedMessage[];
  /** Resolves with the recorded messages once `predicate` holds; rejects after `timeoutMs`. */
  waitFor(
    predicate: (messages: readonly RecordedMessage[]) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedMessage[]>;
  close(): Promise<void>;
}

export async function recordMessages(url: string, topics: readonly string[]): Promise<MessageRecorder> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  const messages: RecordedMessage[] = [];
  const waiters = new Set<() => void>();
  client.on("message", (topic, payload, packet) => {
    messages.push({
      topic,
      payload: payload.toString("utf8"),
      retain: packet.retain,
      receivedAt: Date.now(),
    });
    for (const check of waiters) check();
  });
  await client.subscribeAsync([...topics], { qos: 1 });
  return {
    client,
    messages,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(messages)) return;
          cleanUp();
          resolve(messages);
        };
        const timer = setTimeout(() => {
          cleanUp();
          reject(new Error(`condition not met within ${timeoutMs} ms; ${messages.length} messages recorded`));
        }, timeoutMs);
        const cleanUp = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => client.endAsync(),
  };
}
