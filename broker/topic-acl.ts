/**
 * Who a broker client is, and which topics it may use. Pure: the same rules serve the embedded
 * broker's hooks and the HTTP endpoints that EMQX or mosquitto-go-auth call.
 */
import {
  deviceTopic,
  isValidDeviceId,
  parseDeviceTopic,
  READINGS_SUBSCRIPTION,
  STATUS_SUBSCRIPTION,
  STORED_READINGS_TOPIC,
} from "../kernel/topics.js";

export type ServiceRole = "ingest" | "feed";

export type BrokerIdentity =
  | { readonly kind: "device"; readonly deviceId: string }
  | { readonly kind: "service"; readonly role: ServiceRole; readonly clientId: string };

/** publish: send to the topic; subscribe: a filter in SUBSCRIBE; receive: be delivered a message on the topic. */
export type TopicAction = "publish" | "subscribe" | "receive";

export type IdentityRefusal = "invalid_client_id" | "client_id_mismatch" | "unknown_service";

export type Identification =
  | { readonly ok: true; readonly identity: BrokerIdentity }
  | { readonly ok: false; readonly reason: IdentityRefusal };

/** Service client ids: one topic level of safe characters, so their own topics hold no wildcard. */
const SERVICE_CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Where the ingest sends itself its shutdown marker (see readings/ingest/ingest-worker.ts). */
export const drainTopicOf = (clientId: string): string => `services/${clientId}/drain`;

/**
 * username must equal the client id. Ids with the service prefix are services, told apart by
 * what follows the prefix ("svc-ingest…", "svc-feed…"); any other service id has no rights and is
 * refused. Everything else must be a valid device id.
 */
export function identify(clientId: string, username: string, serviceClientPrefix: string): Identification {
  if (username !== clientId) return { ok: false, reason: "client_id_mismatch" };
  if (clientId.startsWith(serviceClientPrefix)) {
    if (!SERVICE_CLIENT_ID.test(clientId)) return { ok: false, reason: "invalid_client_id" };
    const rest = clientId.slice(serviceClientPrefix.length);
    const role: ServiceRole | undefined = rest.startsWith("ingest")
      ? "ingest"
      : rest.startsWith("feed")
        ? "feed"
        : undefined;
    return role
      ? { ok: true, identity: { kind: "service", role, clientId } }
      : { ok: false, reason: "unknown_service" };
  }
  return isValidDeviceId(clientId)
    ? { ok: true, identity: { kind: "device", deviceId: clientId } }
    : { ok: false, reason: "invalid_client_id" };
}

/** MQTT topic filter matching (`+` one level, `#` the rest); `$` topics never match wildcards at the start. */
export function topicMatches(filter: string, topic: string): boolean {
  const filterLevels = filter.split("/");
  const topicLevels = topic.split("/");
  if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i];
    if (level === "#") return i === filterLevels.length - 1;
    if (i >= topicLevels.length) return false;
    if (level !== "+" && level !== topicLevels[i]) return false;
  }
  return filterLevels.length === topicLevels.length;
}

/** The exact filters each identity may subscribe to: no wider, no narrower. */
function subscriptionsOf(identity: BrokerIdentity): readonly string[] {
  if (identity.kind === "device") return [deviceTopic(identity.deviceId, "errors")];
  if (identity.role === "ingest") {
    return [READINGS_SUBSCRIPTION, STATUS_SUBSCRIPTION, drainTopicOf(identity.clientId)];
  }
  return [STORED_READINGS_TOPIC];
}

function mayPublish(identity: BrokerIdentity, topic: string): boolean {
  if (identity.kind === "device") {
    return (
      topic === deviceTopic(identity.deviceId, "readings") ||
      topic === deviceTopic(identity.deviceId, "status")
    );
  }
  if (identity.role === "ingest") {
    // Rejection reports to any device, and its own drain marker.
    return parseDeviceTopic(topic)?.kind === "errors" || topic === drainTopicOf(identity.clientId);
  }
  // The feed client of an ingest-only process announces stored readings; an API-only one listens.
  return topic === STORED_READINGS_TOPIC;
}

/**
 * Whether a publish to the topic may carry the retain flag. Readings are events, not state: a
 * retained reading is delivered again with every new subscription (the ingest's, each time it
 * reconnects), and one without `ts` would be stored again as a new point each time. Status is
 * state and is meant to be retained.
 */
export function mayRetain(topic: string): boolean {
  const levels = topic.split("/");
  return !(levels.length === 3 && levels[0] === "sensors" && levels[2] === "readings");
}

export function isTopicAllowed(identity: BrokerIdentity, action: TopicAction, topic: string): boolean {
  switch (action) {
    case "publish":
      return mayPublish(identity, topic);
    case "subscribe":
      return subscriptionsOf(identity).includes(topic);
    case "receive":
      return subscriptionsOf(identity).some((filter) => topicMatches(filter, topic));
  }
}
