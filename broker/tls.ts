import { readFile } from "node:fs/promises";
import type { Socket } from "node:net";
import { createServer, type TLSSocket, type Server as TlsServer } from "node:tls";

export interface TlsFiles {
  /** PEM certificate chain (TLS_CERT_FILE). */
  readonly certFile: string;
  /** PEM private key (TLS_KEY_FILE). */
  readonly keyFile: string;
}

export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Reads the certificate and key; the API's HTTPS server can use the same pair. */
export async function readTlsCredentials(files: TlsFiles): Promise<TlsCredentials> {
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new Error(`cannot read the TLS ${what} ${path}: ${(error as Error).message}`);
    }
  };
  return { cert: await read(files.certFile, "certificate"), key: await read(files.keyFile, "key") };
}

/** A handshake that does not finish within this is dropped: an open socket costs the broker a slot. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * MQTT over TLS: every connection is offered to `admit` as a plain socket first (before the
 * handshake costs anything), then handed over decrypted.
 */
export function createMqttTlsServer(
  credentials: TlsCredentials,
  handlers: {
    readonly admit: (socket: Socket) => boolean;
    readonly onSecureConnection: (socket: TLSSocket) => void;
    readonly onHandshakeError: (error: Error) => void;
  },
): TlsServer {
  const server = createServer(
    { ...credentials, minVersion: "TLSv1.2", handshakeTimeout: HANDSHAKE_TIMEOUT_MS },
    (socket) => {
      // Nagle would hold small MQTT packets back for up to 40 ms against delayed ACKs.
      socket.setNoDelay(true);
      handlers.onSecureConnection(socket);
    },
  );
  server.on("connection", (socket: Socket) => {
    if (!handlers.admit(socket)) socket.destroy();
  });
  server.on("tlsClientError", (error) => handlers.onHandshakeError(error));
  return server;
}
