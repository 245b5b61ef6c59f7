/** Device protocol v1 topics. A device id is one topic level of safe characters. */

export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export type DeviceTopicKind = "readings" | "status" | "errors";

export const deviceTopic = (deviceId: string, kind: DeviceTopicKind): string => `sensors/${deviceId}/${kind}`;

/** Subscriptions the ingest worker holds. */
export const READINGS_SUBSCRIPTION = "sensors/+/readings";
export const STATUS_SUBSCRIPTION = "sensors/+/status";

export interface ParsedDeviceTopic {
  readonly deviceId: string;
  readonly kind: DeviceTopicKind;
}

/** Returns null for anything that is not `sensors/<valid id>/<kind>`. */
export function parseDeviceTopic(topic: string): ParsedDeviceTopic | null {
  const parts = topic.split("/");
  if (parts.length !== 3 || parts[0] !== "sensors") return null;
  const [, deviceId, kind] = parts as [string, string, string];
  if (kind !== "readings" && kind !== "status" && kind !== "errors") return null;
  if (!isValidDeviceId(deviceId)) return null;
  return { deviceId, kind };
}

export const isValidDeviceId = (id: string): boolean => DEVICE_ID_PATTERN.test(id);

/** Where an ingest in another process announces stored readings to the API processes (service clients only). */
export const STORED_READINGS_TOPIC = "services/readings/stored";

/** Socket.IO namespaces of the live view: operators (login required) and residents (public). */
export const OPS_NAMESPACE = "/ops";
export const PUBLIC_NAMESPACE = "/public";
