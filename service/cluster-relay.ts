/**
 * What the nodes of a cluster tell each other through Redis (REDIS_URL): alert transitions for
 * every node's screens, and that rules or a device changed, so every node's alert engine and
 * broker act on it at once instead of at their next recheck. Readings and AQIs need nothing here:
 * Socket.IO's Redis Streams adapter carries the live gateway's room broadcasts to every node.
 */
import type { Logger } from "pino";
import { z } from "zod";
import { type AlertEventPayload as AlertTransition, alertEventSchema } from "../kernel/api-contract.js";
import { DEVICE_ID_PATTERN } from "../kernel/topics.js";
import { type ClusterBus, connectClusterBus } from "../platform/cluster/cluster-bus.js";

const CHANNELS = {
  transitions: "alert-transitions",
  rules: "rules-changed",
  devices: "device-changed",
} as const;

export interface ClusterRelay {
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
  function hear<T>(channel: string, schema: z.ZodType<T>, listener: (message: T) => void): () => void {
    return bus.subscribe(channel, (raw) => {
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
