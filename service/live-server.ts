import { createAdapter } from "@socket.io/redis-streams-adapter";
import type { FastifyInstance } from "fastify";
import { type ServerOptions, Server as SocketServer } from "socket.io";
import {
  assertHandshakeChecksOnRecovery,
  createEventRateLimit,
  createHandshakeRateLimit,
  createSocketAuthenticator,
} from "../auth/index.js";
import type { Clock } from "../kernel/clock.js";
import { OPS_NAMESPACE, PUBLIC_NAMESPACE } from "../kernel/topics.js";
import type { ClusterBus } from "../platform/cluster/cluster-bus.js";

/** Clients only send subscriptions; nothing bigger is expected on the live sockets. */
const SOCKET_MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Socket.IO on the API's HTTP server: /ops for signed-in operators, /public for residents, each
 * with its handshake and event rate limits.
 */
export function createLiveServer(
  app: FastifyInstance,
  deps: {
    readonly clock: Clock;
    /** Ends an account's open sockets when its sessions end here (a reused refresh token, a disable…). */
    readonly onSessionsEnded: (listener: (username: string) => void) => () => void;
    /** REDIS_URL: broadcasts reach the sockets of every node (Socket.IO's Redis Streams adapter). */
    readonly cluster?: ClusterBus;
  },
): SocketServer {
  const options: Partial<ServerOptions> = {
    serveClient: false,
    maxHttpBufferSize: SOCKET_MAX_MESSAGE_BYTES,
  };
  assertHandshakeChecksOnRecovery(options);
  const io = new SocketServer(app.server, options);
  if (deps.cluster) io.adapter(createAdapter(deps.cluster.client, { streamName: "envmon:socket.io" }));
  const now = () => deps.clock.now();
  const ops = io.of(OPS_NAMESPACE);
  ops.use(createHandshakeRateLimit({ max: 30, windowMs: 60_000 }, { now }));
  ops.use(createSocketAuthenticator(app.verifyAccessToken, { now, onSessionsEnded: deps.onSessionsEnded }));
  ops.use(createEventRateLimit({ max: 20, windowMs: 10_000 }, { now }));
  // Residents may share one carrier NAT address: a higher handshake allowance.
  const residents = io.of(PUBLIC_NAMESPACE);
  residents.use(createHandshakeRateLimit({ max: 300, windowMs: 60_000 }, { now }));
  residents.use(createEventRateLimit({ max: 10, windowMs: 10_000 }, { now }));
  return io;
}

/**
 * Socket.IO first: it stops the HTTP server accepting and drops its connections, so a client
 * that reconnects at once cannot keep Fastify's close waiting for ever.
 */
export async function closeLiveServer(io: SocketServer, app: FastifyInstance): Promise<void> {
  await new Promise<void>((resolve) => io.close(() => resolve()));
  await app.close();
}
