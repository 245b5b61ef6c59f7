/**
 * What the nodes of a cluster tell each other through Redis (REDIS_URL): alert transitions for
 * every node's screens; stored readings and AQIs for the node doing the alert work (the holder of
 * the alert lease); and that rules or a device changed, so every node's alert engine and broker
 * act on it at once instead of at their next recheck. The live view needs nothing here: Socket.IO's
 * Redis Streams adapter carries the live gateway's room broadcasts to every node.
 */
import type { Logger } from "pino";
import { z } from "zod";
import { type AlertEventPayload as AlertTransition, alertEventSchema } from "../kernel/api-contract.js";
import { METRIC_KEYS, type MetricKey } from "../kernel/catalogue.js";
import type { Reading } from "../kernel/reading.js";
import { DEVICE_ID_PATTERN } from "../kernel/topics.js";
import { type ClusterBus, connectClusterBus } from "../platform/cluster/cluster-bus.js";

const CHANNELS = {
  readings: "stored-readings",
  aqi: "stored-aqi",
  transitions: "alert-transitions",
  rules: "rules-changed",
  devices: "device-changed",
} as const;

const readingsSchema = z
  .array(
    z.object({
      deviceId: z.string().regex(DEVICE_ID_PATTERN),
      metric: z.enum(METRIC_KEYS as [MetricKey, ...MetricKey[]]),
      ts: z.number().int(),
      value: z.number(),
    }),
  )
  .max(100_000);
const aqiSchema = z.object({
  station: z.string().regex(DEVICE_ID_PATTERN),
  period: z.enum(["hour", "day"]),
  ts: z.string(),
  aqi: z.number(),
});
export type RelayedAqi = z.infer<typeof aqiSchema>;

export interface ClusterRelay {
  /** Tells the other nodes of readings this node stored (for the node doing the alert work). */
  shareStored(readings: readonly Reading[]): void;
  /** Tells the other nodes of an AQI this node stored. */
  shareAqi(event: RelayedAqi): void;
  /**
   * Readings other nodes stored. `wanted` is asked first: a node that is not doing the work skips
   * checking a batch it would drop (up to a whole group commit per message).
   */
  onRemoteReadings(listener: (readings: readonly Reading[]) => void, wanted?: () => boolean): () => void;
  /** AQIs other nodes stored; `wanted` as for readings. */
  onRemoteAqi(listener: (event: RelayedAqi) => void, wanted?: () => boolean): () => void;
  /** Transitions other nodes stored (for the alert gateway). */
  remoteTransitions(listener: (t: AlertTransition) => void): () => void;
  /** Another node changed a rule. */
  onRemoteRuleChange(listener: () => void): () => void;
  /** Another node changed a device (decommissioned, secret rotated…). */
  onRemoteDeviceChange(listener: (deviceId: string) => void): () => void;
  close(): void;
}

export function createClusterRelay(
  bus: ClusterBus,
  local: {
    readonly alerts: { onTransition(listener: (t: AlertTransition) => void): () => void };
    readonly rules: { onChange(listener: () => void): () => void };
    readonly registry: { onChange(listener: (deviceId: string) => void): () => void };
  },
  logger: Pick<Logger, "warn">,
): ClusterRelay {
  const tell = (channel: string, message: unknown) =>
    bus
      .publish(channel, message)
      .catch((err: unknown) => logger.warn({ err, channel }, "could not tell the other nodes"));
  const stops = [
    local.alerts.onTransition((t) => void tell(CHANNELS.transitions, t)),
    local.rules.onChange(() => void tell(CHANNELS.rules, {})),
    local.registry.onChange((deviceId) => void tell(CHANNELS.devices, deviceId)),
  ];
  /** Hears a channel, passing on only messages of the expected shape. */
  function hear<T>(
    channel: string,
    schema: z.ZodType<T>,
    listener: (message: T) => void,
    wanted: () => boolean = () => true,
  ): () => void {
    return bus.subscribe(channel, (raw) => {
      if (!wanted()) return;
      const parsed = schema.safeParse(raw);
      if (parsed.success) listener(parsed.data);
      else
        logger.warn(
          { channel, problem: parsed.error.issues[0]?.message },
          "malformed notice from another node",
        );
    });
  }
  return {
    shareStored: (readings) => void tell(CHANNELS.readings, readings),
    shareAqi: (event) => void tell(CHANNELS.aqi, event),
    onRemoteReadings: (listener, wanted) => hear(CHANNELS.readings, readingsSchema, listener, wanted),
    onRemoteAqi: (listener, wanted) => hear(CHANNELS.aqi, aqiSchema, listener, wanted),
    remoteTransitions: (listener) => hear(CHANNELS.transitions, alertEventSchema, listener),
    onRemoteRuleChange: (listener) => hear(CHANNELS.rules, z.object({}), () => listener()),
    onRemoteDeviceChange: (listener) => hear(CHANNELS.devices, z.string().regex(DEVICE_ID_PATTERN), listener),
    close() {
      for (const stop of stops) stop();
    },
  };
}

type RelayedStores = Parameters<typeof createClusterRelay>[1];

/** Connects to REDIS_URL and relays this node's stores' changes; close() stops both. */
export async function joinCluster(
  url: string,
  stores: RelayedStores,
  logger: Logger,
): Promise<{ readonly bus: ClusterBus; readonly relay: ClusterRelay; close(): Promise<void> }> {
  const bus = await connectClusterBus(url, logger);
  const relay = createClusterRelay(bus, stores, logger);
  logger.info({ nodeId: bus.nodeId }, "joined the cluster");
  return {
    bus,
    relay,
    async close() {
      relay.close();
      await bus.close();
    },
  };
}
