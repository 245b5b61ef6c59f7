import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Clock } from "../kernel/clock.js";
import type { ServiceConfig } from "../platform/config.js";
import { createBroker, type MqttBroker } from "./broker.js";
import type { BrokerAccess } from "./broker-access.js";
import { brokerLimitsFrom } from "./connection-limits.js";
import type { DeviceIntake } from "./device-intake.js";
import { createBrokerMetrics } from "./metrics.js";

export interface StartedBroker {
  readonly broker: MqttBroker;
  readonly mqttPort: number;
  /** MQTT over TLS, when a certificate is configured. */
  readonly mqttTlsPort: number | undefined;
}

/** How long the broker waits for the service's own clients to drain at shutdown. */
const DRAIN_TIMEOUT_MS = 15_000;

/** The embedded Aedes broker, listening on MQTT_PORT (and MQTT_TLS_PORT with a certificate). */
export async function startBroker(
  config: ServiceConfig,
  deps: {
    readonly serviceClientPrefix: string;
    readonly access: BrokerAccess;
    readonly metricsRegistry: Registry;
    readonly clock: Clock;
    readonly logger: Logger;
    /** The ingest at the edge, when it runs in this process (see device-intake.ts). */
    readonly intake?: DeviceIntake;
  },
): Promise<StartedBroker> {
  const tls =
    config.TLS_CERT_FILE && config.TLS_KEY_FILE
      ? { certFile: config.TLS_CERT_FILE, keyFile: config.TLS_KEY_FILE }
      : undefined;
  const broker = await createBroker(
    {
      serviceClientPrefix: deps.serviceClientPrefix,
      drainTimeoutMs: DRAIN_TIMEOUT_MS,
      limits: brokerLimitsFrom(config),
      ...(tls ? { tls } : {}),
      // The in-process demo fleet connects its 24 stations from 127.0.0.1 at once.
      ...(config.DEMO ? { rateLimitExemptAddresses: ["127.0.0.1"] } : {}),
      ...(deps.intake ? { intake: deps.intake } : {}),
    },
    {
      logger: deps.logger,
      metrics: createBrokerMetrics(deps.metricsRegistry),
      access: deps.access,
      clock: deps.clock,
    },
  );
  try {
    const mqttPort = await broker.listen(config.MQTT_PORT, config.BIND_HOST);
    const mqttTlsPort = tls ? await broker.listenTls(config.MQTT_TLS_PORT, config.BIND_HOST) : undefined;
    return { broker, mqttPort, mqttTlsPort };
  } catch (error) {
    await broker.close();
    throw error;
  }
}
