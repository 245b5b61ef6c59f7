import { Counter, Gauge, type Registry } from "prom-client";

export type BrokerMetrics = ReturnType<typeof createBrokerMetrics>;

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
    refusedPublishes: new Counter({
      name: "envmon_broker_refused_publishes_total",
      help: "Publishes the broker refused (the client is disconnected), by reason",
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
