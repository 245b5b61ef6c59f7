import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { createClient, type RedisClientType } from "redis";
import { z } from "zod";

/**
 * What one node tells the others through Redis pub/sub: a rule or a device changed, an alert
 * transition was stored. Notices, not the record of anything: the database stays the truth, and a
 * node that misses one (Redis restarting) catches up from it (rules reload, device rechecks,
 * replay of alerts by id).
 */
export interface ClusterBus {
  /** This node's id (random per start). */
  readonly nodeId: string;
  /** Tells every other node; resolves once Redis took it. */
  publish(channel: string, message: unknown): Promise<void>;
  /** Hears what the other nodes publish on a channel (never this node's own messages). */
  subscribe(channel: string, listener: (message: unknown) => void): () => void;
  /** The connection Socket.IO's Redis Streams adapter publishes with. */
  readonly client: RedisClientType;
  close(): Promise<void>;
}

const envelopeSchema = z.object({ from: z.string(), message: z.unknown() });
const CHANNEL_PREFIX = "envmon:";

/** Connects to REDIS_URL: one connection to publish (and for the Socket.IO adapter), one to listen. */
export async function connectClusterBus(url: string, logger: Pick<Logger, "warn">): Promise<ClusterBus> {
  const nodeId = randomUUID();
  const client = createClient({ url }) as RedisClientType;
  const subscriber = client.duplicate();
  // node-redis reconnects by itself; an error while it does is worth a line, not a crash.
  for (const connection of [client, subscriber]) {
    connection.on("error", (err: unknown) => logger.warn({ err }, "redis connection error; reconnecting"));
  }
  await client.connect();
  await subscriber.connect();
  const listeners = new Map<string, Set<(message: unknown) => void>>();

  const deliver = (raw: string, channel: string) => {
    let parsed: z.infer<typeof envelopeSchema>;
    try {
      parsed = envelopeSchema.parse(JSON.parse(raw));
    } catch (err) {
      logger.warn({ err, channel }, "unreadable message on the cluster bus; ignored");
      return;
    }
    if (parsed.from === nodeId) return;
    for (const listener of listeners.get(channel.slice(CHANNEL_PREFIX.length)) ?? [])
      listener(parsed.message);
  };

  return {
    nodeId,
    client,
    async publish(channel, message) {
      await client.publish(CHANNEL_PREFIX + channel, JSON.stringify({ from: nodeId, message }));
    },
    subscribe(channel, listener) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        void subscriber.subscribe(CHANNEL_PREFIX + channel, deliver);
      }
      set.add(listener);
      return () => set.delete(listener);
    },
    async close() {
      await Promise.allSettled([subscriber.quit(), client.quit()]);
    },
  };
}
