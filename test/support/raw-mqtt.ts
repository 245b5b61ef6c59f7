/**
 * Test support: MQTT 3.1.1 packets written by hand, for what a well-behaved client library will
 * not do (withhold PUBREL, announce a packet larger than it sends).
 */
import { connect as connectTcp, type Socket } from "node:net";

const text = (value: string) => {
  const bytes = Buffer.from(value, "utf8");
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** The "remaining length" of the fixed header: 7 bits per byte, high bit = more follows. */
export function remainingLength(length: number): Buffer {
  const bytes: number[] = [];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

const packet = (firstByte: number, body: Buffer) =>
  Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body]);

export function connectPacket(options: {
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  readonly keepaliveS?: number;
}): Buffer {
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(options.keepaliveS ?? 30);
  const flags = 0x80 | 0x40 | 0x02; // username, password, clean session
  const variableHeader = Buffer.concat([text("MQTT"), Buffer.from([4, flags]), keepalive]);
  return packet(
    0x10,
    Buffer.concat([variableHeader, text(options.clientId), text(options.username), text(options.password)]),
  );
}

export function publishPacket(topic: string, payload: Buffer, qos: 0 | 1 | 2, messageId = 1): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(messageId);
  return packet(0x30 | (qos << 1), Buffer.concat([text(topic), qos > 0 ? id : Buffer.alloc(0), payload]));
}

export function subscribePacket(filter: string, qos: 0 | 1 | 2, messageId = 1): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(messageId);
  return packet(0x82, Buffer.concat([id, text(filter), Buffer.from([qos])]));
}

export interface RawConnection {
  readonly socket: Socket;
  /** Everything received so far. */
  received(): Buffer;
  readonly closed: Promise<void>;
  isClosed(): boolean;
}

/**
 * A TCP connection that records what arrives; the socket is destroyed when the peer closes.
 * `reading: false` never reads, like a client that stopped taking its messages.
 */
export async function openRaw(
  port: number,
  options: { readonly reading?: boolean } = {},
): Promise<RawConnection> {
  const socket = connectTcp({ port, host: "127.0.0.1" });
  const chunks: Buffer[] = [];
  let isClosed = false;
  if (options.reading === false) socket.pause();
  else socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) =>
    socket.once("close", () => {
      isClosed = true;
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  return { socket, received: () => Buffer.concat(chunks), closed, isClosed: () => isClosed };
}

/** The return code of the CONNACK at the start of `received`, or undefined before it arrived. */
export function connackCode(received: Buffer): number | undefined {
  return received.length >= 4 && received[0] === 0x20 ? received[3] : undefined;
}
