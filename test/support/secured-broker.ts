/**
 * Test support: the broker as the service runs it (authentication, topic rules, limits) on a
 * free port, with a real metadata database for device credentials.
 */
import { randomBytes } from "node:crypto";
import { connect, type IClientOptions, type MqttClient } from "mqtt";
import { pino } from "pino";
import { Registry } from "prom-client";
import { type BrokerOptions, createBroker, type MqttBroker } from "../../broker/broker.js";
import { type BrokerAccess, createBrokerAccess } from "../../broker/broker-access.js";
import { createBrokerMetrics } from "../../broker/metrics.js";
import {
  createDeviceCredentials,
  type DeviceCredentials,
} from "../../devices/credentials/device-credentials.js";
import type { DeviceLifecycle } from "../../devices/index.js";
import { type Clock, systemClock } from "../../kernel/clock.js";
import { TEST_DEVICE_SECRET_KEY } from "./device-secret-key.js";
import { labelledSample, metricSamples } from "./prometheus-text.js";
import { openSqliteFixture, type SqliteFixture } from "./sqlite-fixture.js";

export const TEST_SERVICE_PREFIX = "svc-";

export interface SecuredBroker {
  readonly broker: MqttBroker;
  readonly port: number;
  readonly url: string;
  readonly servicePassword: string;
  readonly credentials: DeviceCredentials;
  readonly access: BrokerAccess;
  readonly fixture: SqliteFixture;
  /** Registers a device and returns its new secret. */
  addDevice(deviceId: string): Promise<string>;
  setLifecycle(deviceId: string, lifecycle: DeviceLifecycle): Promise<void>;
  /** A labelled counter's value (0 when absent). */
  counter(name: string, labels: Record<string, string>): Promise<number>;
  /** An unlabelled metric's value. */
  gauge(name: string): Promise<number>;
  close(): Promise<void>;
}

export async function startSecuredBroker(
  options: Partial<Omit<BrokerOptions, "serviceClientPrefix">> & { readonly clock?: Clock } = {},
): Promise<SecuredBroker> {
  const fixture = await openSqliteFixture(systemClock, "envmon-broker-");
  const metricsRegistry = new Registry();
  const servicePassword = randomBytes(24).toString("base64url");
  const credentials = createDeviceCredentials(fixture.metadata, systemClock, {
    secretKey: TEST_DEVICE_SECRET_KEY,
  });
  const access = createBrokerAccess(
    { serviceClientPrefix: TEST_SERVICE_PREFIX, servicePassword, standingTtlMs: 1000 },
    { credentials, clock: systemClock },
  );
  const { clock, ...brokerOptions } = options;
  const broker = await createBroker(
    {
      serviceClientPrefix: TEST_SERVICE_PREFIX,
      drainTimeoutMs: 2000,
      accessRecheckMs: 500,
      ...brokerOptions,
    },
    {
      logger: pino({ level: "silent" }),
      metrics: createBrokerMetrics(metricsRegistry),
      access,
      ...(clock ? { clock } : {}),
    },
  );
  let port: number;
  try {
    port = await broker.listen(0, "127.0.0.1");
  } catch (error) {
    await broker.close();
    await fixture.close();
    throw error;
  }
  return {
    broker,
    port,
    url: `mqtt://127.0.0.1:${port}`,
    servicePassword,
    credentials,
    access,
    fixture,
    async addDevice(deviceId) {
      await fixture.registry.noteSeen([deviceId]);
      return credentials.issue(deviceId);
    },
    async setLifecycle(deviceId, lifecycle) {
      await fixture.metadata.updateTable("devices").set({ lifecycle }).where("id", "=", deviceId).execute();
    },
    async counter(name, labels) {
      return labelledSample(await metricsRegistry.metrics(), name, labels);
    },
    async gauge(name) {
      return metricSamples(await metricsRegistry.metrics(), name).get("") ?? Number.NaN;
    },
    async close() {
      await broker.close();
      await fixture.close();
    },
  };
}

/** Connects and resolves once the broker accepted (CONNACK 0); rejects with the refusal otherwise. */
export function connectClient(url: string, options: IClientOptions): Promise<MqttClient> {
  const client = connect(url, { reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4, ...options });
  return new Promise<MqttClient>((resolve, reject) => {
    client.once("connect", () => resolve(client));
    client.once("error", (error) => {
      client.end(true);
      reject(error);
    });
    client.once("close", () => reject(new Error(`connection to ${url} closed before CONNACK`)));
  });
}

/** The CONNACK return code of a refused connection (fails the test if it is accepted). */
export async function refusalCode(url: string, options: IClientOptions): Promise<number> {
  try {
    const client = await connectClient(url, options);
    await client.endAsync(true);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "number") return code;
    throw error;
  }
  throw new Error(`the broker accepted ${options.clientId ?? "a client"} it should have refused`);
}

/** Resolves when the client's connection has closed. */
export const closed = (client: MqttClient): Promise<void> =>
  client.disconnected || !client.connected
    ? Promise.resolve()
    : new Promise((resolve) => client.once("close", () => resolve()));
