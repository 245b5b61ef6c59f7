/** The broker feature as the rest of the service uses it. */
export { brokerAuthRoutes as brokerApi } from "./api/broker-auth-routes.js";
export type { MqttBroker } from "./broker.js";
export { type BrokerAccess, createBrokerAccess } from "./broker-access.js";
export { type StartedBroker, startBroker } from "./start-broker.js";
