/**
 * The Aedes and mqtt-packet internals behind the packet length limit, checked against the installed
 * libraries on a real connection: when one of these fails after an upgrade, aedes-parser-adapter.ts
 * needs a new way in.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { Aedes, type Client } from "aedes";
import { afterEach, describe, expect, it } from "vitest";
import { withTimeout } from "../test/support/poll.js";
import { connectPacket, publishPacket, remainingLength } from "../test/support/raw-mqtt.js";
import { waitUntil } from "../test/support/wait-until.js";
import {
  AEDES_PARSER_ADAPTER,
  AEDES_PARSER_VERSIONS_WRITTEN_FOR,
  limitPacketLength,
} from "./aedes-parser-adapter.js";
import { BrokerRefusal } from "./refusal.js";

const changed = (what: string) =>
  `${AEDES_PARSER_ADAPTER} (written for ${AEDES_PARSER_VERSIONS_WRITTEN_FOR}): ${what} — the libraries' internals changed`;

const MAX_PAYLOAD_BYTES = 1024;

describe("Aedes parser adapter (real Aedes, real mqtt-packet parser)", () => {
  let aedes: Aedes | undefined;
  let server: Server | undefined;
  const sockets: Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (aedes ? aedes.close(() => resolve()) : resolve()));
    server = undefined;
    aedes = undefined;
  });

  it("limits the packet length on a connection: a packet within it is read, one announcing more is cut at its header", async () => {
    const broker = await Aedes.createBroker();
    aedes = broker;
    const installed: boolean[] = [];
    let exceeded = 0;
    const errors: Error[] = [];
    const published: string[] = [];
    broker.on("clientError", (_client: Client, error: Error) => errors.push(error));
    broker.on("publish", (packet, client) => {
      if (client) published.push(packet.topic);
    });
    const listening = createServer((socket) => {
      const client = broker.handle(socket);
      installed.push(
        limitPacketLength(client, MAX_PAYLOAD_BYTES, () => {
          exceeded += 1;
        }),
      );
    });
    server = listening;
    await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
    const { port } = listening.address() as { port: number };

    const socket = createConnection({ port, host: "127.0.0.1" });
    sockets.push(socket);
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("error", () => {});
    socket.resume(); // reads (and drops) the broker's answers, so that its closing is seen
    socket.write(connectPacket({ clientId: "parser-adapter", username: "u", password: "p" }));
    await waitUntil("the broker to take the connection", () => installed.length === 1 || undefined);
    expect(installed, changed("Client#_parser, its _parseLength or _emitError are gone")).toEqual([true]);

    socket.write(publishPacket("adapter/within", Buffer.alloc(MAX_PAYLOAD_BYTES, "x"), 0));
    await waitUntil(changed("a packet within the limit to be read"), () =>
      published.includes("adapter/within"),
    );
    expect(exceeded).toBe(0);

    // A header announcing 50 MB: cut once its length is read, before any of the body.
    socket.write(Buffer.concat([Buffer.from([0x30]), remainingLength(50 * 1024 * 1024)]));
    await waitUntil(changed("the wrapped _parseLength to see the remaining length"), () => exceeded === 1);
    await withTimeout(changed("the connection to close after _emitError"), closed, 15_000);
    expect(
      errors.map((error) => error instanceof BrokerRefusal && error.message),
      changed("_emitError's error did not reach Aedes as a client error"),
    ).toEqual([`packet of ${50 * 1024 * 1024} bytes is over the limit`]);
  });

  it("declines, without throwing, a client whose parser is not the one it knows", () => {
    expect(limitPacketLength({} as Client, MAX_PAYLOAD_BYTES, () => {})).toBe(false);
    const parser = { _parseLength: () => true };
    expect(limitPacketLength({ _parser: parser } as unknown as Client, MAX_PAYLOAD_BYTES, () => {})).toBe(
      false,
    );
  });
});
