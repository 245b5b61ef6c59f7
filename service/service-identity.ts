import { randomBytes, randomUUID } from "node:crypto";
import { ConfigError, SERVICE_PARTS, type ServiceConfig } from "../platform/config.js";

/** Client ids of the service's own MQTT clients start with this; the broker treats them apart. */
export const SERVICE_CLIENT_PREFIX = "svc-";

/**
 * The service's own MQTT clients log in with the configured password, or one made for this start
 * when every part runs here (nobody else needs to know it).
 */
export function servicePasswordFor(config: ServiceConfig): string {
  if (config.MQTT_SERVICE_PASSWORD !== undefined) return config.MQTT_SERVICE_PASSWORD;
  if (SERVICE_PARTS.every((part) => config.PARTS.has(part))) return randomBytes(24).toString("base64url");
  throw new ConfigError([
    "MQTT_SERVICE_PASSWORD: required when the broker, ingest and API run in separate processes",
  ]);
}

/** A service client's MQTT identity: `feed` gets a fresh suffix, since every API process runs one. */
export function serviceLogin(role: string, password: string) {
  const clientId = `${SERVICE_CLIENT_PREFIX}${role === "feed" ? `feed-${randomUUID().slice(0, 8)}` : role}`;
  return { clientId, username: clientId, password };
}
