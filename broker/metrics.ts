import { Counter, Gauge, type Registry } from "prom-client";

export type BrokerMetrics = ReturnType<typeof createBrokerMetrics>;

/**
 * Refusals are counted once, where they happen: authentication and topic rules under
 * refused_{connections,publishes,subscriptions}; every configured limit under limit_violations.
 */
export function createBrokerMetrics(registry: Registry) {
  return {
    connectedClients: new Gauge({
      name: "envmon_broker_connected_clients",
      help: "MQTT clients connected to the broker, devices and services",
      registers: [registry],
    }),
    connectedDevices: new Gauge({
      name: "envmon_broker_connected_devices",
      help: "MQTT clients connected that are devices (not the service's own clients)",
      registers: [registry],
    }),
    refusedConnections: new Counter({
      name: "envmon_broker_refused_connections_total",
      help: "CONNECTs refused by authentication (wrong or unknown credentials, decommissioned device…), by reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    refusedPublishes: new Counter({
      name: "envmon_broker_refused_publishes_total",
      help: "Publishes the broker refused (the client is disconnected), by reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    refusedSubscriptions: new Counter({
      name: "envmon_broker_refused_subscriptions_total",
      help: "Subscriptions the broker refused (SUBACK failure), by reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    limitViolations: new Counter({
      name: "envmon_broker_limit_violations_total",
      help: "Connections refused or dropped for breaking a broker limit, by limit",
      labelNames: ["limit"] as const,
      registers: [registry],
    }),
    revokedConnections: new Counter({
      name: "envmon_broker_revoked_connections_total",
      help: "Open device connections closed because the device lost its access, by reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    clientErrors: new Counter({
      name: "envmon_broker_client_errors_total",
      help: "Connections dropped because of a protocol or socket error",
      registers: [registry],
    }),
  };
}
