/**
 * The one place the broker reaches into Aedes and mqtt-packet internals (written against aedes
 * 1.2.0 and mqtt-packet 9.0.2). Neither has a documented limit on the size of an incoming packet
 * (mqtt-packet's parser buffers up to 256 MB before it emits one), so the limit goes into the
 * parser itself. Private API used:
 *  - `Client#_parser` (aedes lib/client.js): the connection's mqtt-packet parser;
 *  - its `_parseLength` state, looked up by name on the instance each time (`this[state]()`), and
 *    `packet.length`, the remaining length it has just read;
 *  - its `_emitError`, which stops parsing and reaches Aedes as a client error.
 * aedes-parser-adapter.test.ts checks them against the installed libraries and fails, naming this
 * file, when an upgrade changes them.
 */
import type { Client } from "aedes";
import { BrokerRefusal } from "./refusal.js";

export const AEDES_PARSER_ADAPTER = "broker/aedes-parser-adapter.ts";
export const AEDES_PARSER_VERSIONS_WRITTEN_FOR = "aedes 1.2.0, mqtt-packet 9.0.2";

/** A topic and packet identifier on top of the payload: a packet longer than this is certainly too large. */
const PUBLISH_OVERHEAD_BYTES = 2 + 65_535 + 2;

interface PacketParser {
  packet: { length: number };
  _parseLength(): boolean;
  _emitError(error: Error): void;
}

/**
 * Cuts a connection as soon as a packet's fixed header announces more than the payload limit
 * allows, instead of buffering up to 256 MB first. Returns false when the internals it needs are
 * not there (the size check at authorisation is then the only one).
 */
export function limitPacketLength(client: Client, maxPayloadBytes: number, onExceeded: () => void): boolean {
  const parser = (client as unknown as { _parser?: Partial<PacketParser> })._parser;
  const parseLength = parser?._parseLength;
  if (!parser || typeof parseLength !== "function" || typeof parser._emitError !== "function") return false;
  const maxLength = maxPayloadBytes + PUBLISH_OVERHEAD_BYTES;
  parser._parseLength = function limitedParseLength(this: PacketParser) {
    const complete = parseLength.call(this);
    if (complete && this.packet.length > maxLength) {
      onExceeded();
      this._emitError(new BrokerRefusal(`packet of ${this.packet.length} bytes is over the limit`));
      return false;
    }
    return complete;
  };
  return true;
}
