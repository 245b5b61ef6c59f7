import Fastify, { type FastifyInstance } from "fastify";
import { type ServerOptions, type Socket, Server as SocketServer } from "socket.io";
import { type Socket as ClientSocket, io as connectClient } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../kernel/clock.js";
import type { AuthenticatedUser } from "../platform/http/access.js";
import {
  ACCESS_TOKEN_TTL_S,
  type ApiUnderTest,
  openApiUnderTest,
  TEST_SCRYPT_COST,
} from "../test/support/api-under-test.js";
import { withTimeout } from "../test/support/poll.js";
import { assertHandshakeChecksOnRecovery, createSocketAuthenticator } from "./socket-auth.js";
import { createEventRateLimit, createHandshakeRateLimit } from "./socket-rate-limit.js";
import { createUserAccounts } from "./store/user-accounts.js";

const NOW = Date.UTC(2026, 10, 22, 3, 0, 0);

describe("Socket.IO /ops handshake authentication and rate limits (real server and client)", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  const clock: Clock = { now: () => NOW };
  const servers: SocketServer[] = [];
  const clients: ClientSocket[] = [];

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-socket-auth-");
    app = await api.server();
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
    await api?.close();
  });

  /** A Socket.IO server on its own port with the /ops namespace guarded as the service guards it. */
  async function opsServer(
    options: {
      recovery?: boolean;
      handshakes?: number;
      events?: number;
      /** Listen to the accounts' notices that sessions ended (as the service does). */
      notices?: boolean;
      recheckMs?: number;
    } = {},
  ) {
    const http = Fastify();
    await http.listen({ port: 0, host: "127.0.0.1" });
    const serverOptions: Partial<ServerOptions> = {
      serveClient: false,
      ...(options.recovery ? { connectionStateRecovery: { skipMiddlewares: false } } : {}),
    };
    assertHandshakeChecksOnRecovery(serverOptions);
    const io = new SocketServer(http.server, serverOptions);
    servers.push(io);
    const ops = io.of("/ops");
    let checks = 0;
    ops.use((_socket, next) => {
      checks += 1;
      next();
    });
    ops.use(createHandshakeRateLimit({ max: options.handshakes ?? 1000, windowMs: 60_000 }, clock));
    ops.use(
      createSocketAuthenticator(app.verifyAccessToken, {
        now: clock.now,
        ...(options.notices ? { onSessionsEnded: api.accounts.onSessionsEnded } : {}),
        ...(options.recheckMs === undefined ? {} : { recheckMs: options.recheckMs }),
      }),
    );
    ops.use(createEventRateLimit({ max: options.events ?? 1000, windowMs: 1000, disconnectAfter: 3 }, clock));
    const connected: Socket[] = [];
    ops.on("connection", (socket) => {
      connected.push(socket);
      socket.on("subscribe", (_payload: unknown, ack?: (answer: unknown) => void) => ack?.({ ok: true }));
    });
    const address = http.server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    return { url: `http://127.0.0.1:${port}`, connected, checks: () => checks, io };
  }

  function client(base: string, auth: Record<string, unknown>, reconnection = false): ClientSocket {
    const socket = connectClient(`${base}/ops`, {
      auth,
      transports: ["websocket"],
      reconnection,
      reconnectionDelay: 50,
      reconnectionDelayMax: 100,
      forceNew: true,
    });
    clients.push(socket);
    return socket;
  }

  const outcome = (socket: ClientSocket) =>
    new Promise<string>((resolve) => {
      socket.once("connect", () => resolve("connected"));
      socket.once("connect_error", (error) => resolve(`refused: ${error.message}`));
    });

  const tokenFor = async (role: "viewer" | "operator" | "admin", issuedAt = NOW) => {
    await api.headersFor(role);
    return app.jwt.sign(
      { sub: `test-${role}`, role, typ: "access" },
      { expiresIn: ACCESS_TOKEN_TTL_S, clockTimestamp: issuedAt },
    );
  };

  it("refuses a missing, malformed, tampered or expired token with 'unauthorized'", async () => {
    const server = await opsServer();
    const good = await tokenFor("viewer");
    const [header, , signature] = good.split(".");
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: "test-viewer", role: "admin", typ: "access", exp: NOW / 1000 + 60 })).toString("base64url")}.${signature}`;
    const expired = await tokenFor("viewer", NOW - 2 * ACCESS_TOKEN_TTL_S * 1000);
    for (const auth of [
      {},
      { token: "" },
      { token: 42 },
      { token: "not-a-jwt" },
      { token: forged },
      { token: expired },
    ]) {
      expect(await outcome(client(server.url, auth)), JSON.stringify(auth)).toBe("refused: unauthorized");
    }
    expect(server.connected).toHaveLength(0);
  });

  it("accepts a good token and puts the account on socket.data.user", async () => {
    const server = await opsServer();
    const socket = client(server.url, { token: await tokenFor("operator") });
    expect(await outcome(socket)).toBe("connected");
    expect(server.connected.map((s) => s.data.user as AuthenticatedUser)).toEqual([
      { username: "test-operator", role: "operator" },
    ]);
  });

  it("disconnects a socket when its token expires", async () => {
    const server = await opsServer();
    // Issued so that it has one second left.
    const socket = client(server.url, {
      token: await tokenFor("viewer", NOW - (ACCESS_TOKEN_TTL_S - 1) * 1000),
    });
    expect(await outcome(socket)).toBe("connected");
    const reason = await new Promise<string>((resolve) => socket.once("disconnect", resolve));
    expect(reason).toBe("io server disconnect");
  });

  it("checks the token again on every reconnection", async () => {
    const server = await opsServer();
    await api.accounts.create({ username: "reconnecting", password: "long enough password", role: "viewer" });
    const token = app.jwt.sign(
      { sub: "reconnecting", role: "viewer", typ: "access" },
      { expiresIn: ACCESS_TOKEN_TTL_S, clockTimestamp: NOW },
    );
    const socket = client(server.url, { token }, true);
    expect(await outcome(socket)).toBe("connected");
    const checksAfterFirst = server.checks();
    // The network drops; the client reconnects by itself, and the handshake is checked again.
    socket.io.engine.close();
    expect(await outcome(socket)).toBe("connected");
    expect(server.checks()).toBe(checksAfterFirst + 1);
    // Disabled meanwhile: the next reconnection is refused although the token has not expired.
    await api.accounts.setDisabled("reconnecting", true);
    socket.io.engine.close();
    expect(await outcome(socket)).toBe("refused: unauthorized");
  });

  /** Logs in through the API as the dashboard does: the access and refresh tokens. */
  const logIn = async (username: string) => {
    const response = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { username, password: "long enough password" },
    });
    expect(response.statusCode).toBe(200);
    return response.json() as { token: string; refreshToken: string };
  };
  const refresh = (refreshToken: string) =>
    app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken } });
  const disconnection = (socket: ClientSocket) =>
    withTimeout(
      "the server to disconnect the socket",
      new Promise<string>((resolve) => socket.once("disconnect", resolve)),
      5_000,
    );

  it("disconnects the sockets of a reused refresh token's account at once, and refuses them after", async () => {
    const server = await opsServer({ notices: true, recheckMs: 0 });
    await api.accounts.create({ username: "stolen", password: "long enough password", role: "viewer" });
    await api.accounts.create({ username: "bystander", password: "long enough password", role: "viewer" });
    const victim = await logIn("stolen");
    // The thief rotates the copied refresh token first and connects with the newest access token.
    const thief = (await refresh(victim.refreshToken)).json() as { token: string };
    const thiefSocket = client(server.url, { token: thief.token });
    expect(await outcome(thiefSocket)).toBe("connected");
    const other = client(server.url, { token: (await logIn("bystander")).token });
    expect(await outcome(other)).toBe("connected");

    const dropped = disconnection(thiefSocket);
    expect((await refresh(victim.refreshToken)).statusCode).toBe(401); // the victim's copy: reuse
    expect(await dropped).toBe("io server disconnect");
    // The token has not expired, but it no longer opens a socket; other accounts are untouched.
    expect(await outcome(client(server.url, { token: thief.token }))).toBe("refused: unauthorized");
    expect(await outcome(client(server.url, { token: victim.token }))).toBe("refused: unauthorized");
    expect(other.connected).toBe(true);
    expect(await other.timeout(2000).emitWithAck("subscribe", { all: true })).toEqual({ ok: true });
  });

  it("disconnects an account's sockets when an admin disables it or resets its password", async () => {
    const server = await opsServer({ notices: true, recheckMs: 0 });
    await api.accounts.create({ username: "leaving", password: "long enough password", role: "operator" });
    const socket = client(server.url, { token: (await logIn("leaving")).token });
    expect(await outcome(socket)).toBe("connected");
    const dropped = disconnection(socket);
    await api.accounts.setDisabled("leaving", true);
    expect(await dropped).toBe("io server disconnect");

    await api.accounts.setDisabled("leaving", false);
    const again = client(server.url, { token: (await logIn("leaving")).token });
    expect(await outcome(again)).toBe("connected");
    const droppedAgain = disconnection(again);
    await api.accounts.setPassword("leaving", "a different long password");
    expect(await droppedAgain).toBe("io server disconnect");
  });

  it("rechecks open sockets periodically, for accounts changed by another process", async () => {
    const server = await opsServer({ recheckMs: 50 });
    await api.accounts.create({ username: "elsewhere", password: "long enough password", role: "viewer" });
    const socket = client(server.url, { token: (await logIn("elsewhere")).token });
    expect(await outcome(socket)).toBe("connected");
    // The CLI (npm run users -- disable) works on the same database through its own objects: no notice here.
    const cli = createUserAccounts(api.fixture.metadata, clock, { cost: TEST_SCRYPT_COST });
    const dropped = disconnection(socket);
    await cli.setDisabled("elsewhere", true);
    expect(await dropped).toBe("io server disconnect");
  });

  it("does not let a recovered session (connection-state recovery) skip the check", async () => {
    expect(() => assertHandshakeChecksOnRecovery({ connectionStateRecovery: {} })).toThrow(
      /skipMiddlewares: false/,
    );
    expect(() =>
      assertHandshakeChecksOnRecovery({ connectionStateRecovery: { skipMiddlewares: true } }),
    ).toThrow(/skipMiddlewares: false/);

    const server = await opsServer({ recovery: true });
    await api.accounts.create({ username: "recovering", password: "long enough password", role: "viewer" });
    const token = app.jwt.sign(
      { sub: "recovering", role: "viewer", typ: "access" },
      { expiresIn: ACCESS_TOKEN_TTL_S, clockTimestamp: NOW },
    );
    const socket = client(server.url, { token }, true);
    expect(await outcome(socket)).toBe("connected");
    // Recovery needs a broadcast the client has seen (its offset).
    const heard = () => new Promise((resolve) => socket.once("news", resolve));
    let news = heard();
    server.io.of("/ops").emit("news", 1);
    await news;
    const checks = server.checks();
    socket.io.engine.close();
    expect(await outcome(socket)).toBe("connected");
    expect(server.connected.at(-1)?.recovered).toBe(true);
    expect(server.checks()).toBe(checks + 1);

    news = heard();
    server.io.of("/ops").emit("news", 2);
    await news;
    await api.accounts.setDisabled("recovering", true);
    socket.io.engine.close();
    expect(await outcome(socket)).toBe("refused: unauthorized");
  });

  it("limits handshakes per address", async () => {
    const server = await opsServer({ handshakes: 3 });
    const token = await tokenFor("viewer");
    const results: string[] = [];
    for (let i = 0; i < 4; i++) results.push(await outcome(client(server.url, { token })));
    expect(results).toEqual(["connected", "connected", "connected", "refused: rate_limited"]);
  });

  it("limits events per socket: extra events are refused, a flood is disconnected", async () => {
    const server = await opsServer({ events: 5 });
    const socket = client(server.url, { token: await tokenFor("viewer") });
    expect(await outcome(socket)).toBe("connected");
    const answers: unknown[] = [];
    for (let i = 0; i < 7; i++)
      answers.push(await socket.timeout(2000).emitWithAck("subscribe", { all: true }));
    expect(answers).toEqual([
      ...Array(5).fill({ ok: true }),
      { ok: false, error: "rate_limited" },
      { ok: false, error: "rate_limited" },
    ]);
    const disconnected = new Promise<string>((resolve) => socket.once("disconnect", resolve));
    for (let i = 0; i < 3; i++) socket.emit("subscribe", { all: true });
    expect(await disconnected).toBe("io server disconnect");
  });
});
