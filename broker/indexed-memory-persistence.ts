import { createRequire } from "node:module";
import { Readable } from "node:stream";

// aedes-persistence's in-memory store keeps each persistent subscriber's outgoing queue as an
// array and scans it on every delivery (outgoingUpdate) and every PUBACK (outgoingClearMessageId).
// The ingest acknowledges only after its batch is durable, so its queue holds every message of
// the last batch or two and the scans grow with the load: at ~10 000 messages/s they took a
// large share of the broker's event loop. This subclass keeps the same queue in insertion order
// with two indexes, so both operations are O(1). Everything else is the library's code; the
// version is pinned in package.json because this relies on its module layout.
const require = createRequire(import.meta.url);
const MemoryPersistence = require("aedes-persistence/asyncPersistence.js") as new () => object;
const { Packet } = require("aedes-persistence/asyncPersistence.js") as {
  Packet: new (original: object) => QueuedPacket;
};

interface QueuedPacket {
  brokerId: string;
  brokerCounter: number;
  messageId?: number;
}

interface ClientQueue {
  /** Insertion-ordered: the order in which messages were queued, as the array kept it. */
  readonly entries: Map<number, QueuedPacket>;
  readonly byBrokerPacket: Map<string, number>;
  readonly byMessageId: Map<number, number>;
  nextKey: number;
}

const brokerPacketKey = (p: QueuedPacket) => `${p.brokerId}\u0000${p.brokerCounter}`;

export class IndexedMemoryPersistence extends MemoryPersistence {
  readonly #outgoing = new Map<string, ClientQueue>();

  #queue(clientId: string): ClientQueue {
    let queue = this.#outgoing.get(clientId);
    if (!queue) {
      queue = { entries: new Map(), byBrokerPacket: new Map(), byMessageId: new Map(), nextKey: 0 };
      this.#outgoing.set(clientId, queue);
    }
    return queue;
  }

  #enqueue(clientId: string, packet: object): void {
    const queue = this.#queue(clientId);
    const queued = new Packet(packet);
    const key = queue.nextKey++;
    queue.entries.set(key, queued);
    queue.byBrokerPacket.set(brokerPacketKey(queued), key);
  }

  async outgoingEnqueue(sub: { clientId: string }, packet: object): Promise<void> {
    this.#enqueue(sub.clientId, packet);
  }

  async outgoingEnqueueCombi(subs: readonly { clientId: string }[], packet: object): Promise<void> {
    for (const sub of subs) this.#enqueue(sub.clientId, packet);
  }

  /** Records the packet id a queued message was sent with (the library's semantics). */
  async outgoingUpdate(client: { id: string }, packet: QueuedPacket): Promise<void> {
    const queue = this.#queue(client.id);
    const key = queue.byBrokerPacket.get(brokerPacketKey(packet));
    if (key !== undefined) {
      const entry = queue.entries.get(key) as QueuedPacket;
      if (entry.messageId !== undefined && queue.byMessageId.get(entry.messageId) === key) {
        queue.byMessageId.delete(entry.messageId);
      }
      entry.messageId = packet.messageId;
      if (packet.messageId !== undefined) queue.byMessageId.set(packet.messageId, key);
      return;
    }
    // A packet of another broker (clustered setups) takes the place of the entry with its id.
    const sameId = packet.messageId === undefined ? undefined : queue.byMessageId.get(packet.messageId);
    const replaced = sameId === undefined ? undefined : queue.entries.get(sameId);
    if (sameId !== undefined && replaced && replaced.brokerId !== packet.brokerId) {
      queue.byBrokerPacket.delete(brokerPacketKey(replaced));
      queue.entries.set(sameId, packet);
      queue.byBrokerPacket.set(brokerPacketKey(packet), sameId);
      return;
    }
    throw new Error("no such packet");
  }

  async outgoingClearMessageId(
    client: { id: string },
    packet: { messageId?: number },
  ): Promise<QueuedPacket | undefined> {
    const queue = this.#outgoing.get(client.id);
    if (!queue || packet.messageId === undefined) return undefined;
    const key = queue.byMessageId.get(packet.messageId);
    if (key === undefined) return undefined;
    const entry = queue.entries.get(key) as QueuedPacket;
    queue.entries.delete(key);
    queue.byMessageId.delete(packet.messageId);
    queue.byBrokerPacket.delete(brokerPacketKey(entry));
    return entry;
  }

  outgoingStream(client: { id: string }): Readable {
    // A copy, as the library does, so that acknowledgements during the stream cannot disturb it.
    return Readable.from([...(this.#outgoing.get(client.id)?.entries.values() ?? [])]);
  }
}
