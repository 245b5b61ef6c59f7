/**
 * The security headers must not break the pages they protect: the built dashboard, the residents'
 * page and the API docs load in Chromium without a single Content-Security-Policy violation, and
 * Socket.IO still reaches its WebSocket transport. Needs `npm run build` (npm test runs it).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { type Socket, Server as SocketServer } from "socket.io";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSocketAuthenticator } from "../../auth/socket-auth.js";
import type { Clock } from "../../kernel/clock.js";
import { type ApiUnderTest, openApiUnderTest, TEST_PASSWORD } from "../../test/support/api-under-test.js";
import { launchChromium } from "../../test/support/chromium.js";
import { waitUntil } from "../../test/support/wait-until.js";

const DASHBOARD = fileURLToPath(new URL("../../dashboard/dist", import.meta.url));
const clock: Clock = { now: () => Date.now() };

describe("security headers with the real pages in Chromium", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let io: SocketServer;
  let browser: Browser;
  let base: string;
  const residents: Socket[] = [];
  const operators: Socket[] = [];

  beforeAll(async () => {
    if (!existsSync(`${DASHBOARD}/index.html`))
      throw new Error("dashboard/dist is missing: run `npm run build`");
    api = await openApiUnderTest(clock, "envmon-csp-");
    app = await api.server({ dashboardRoot: DASHBOARD });
    await app.listen({ port: 0, host: "127.0.0.1" });
    io = new SocketServer(app.server, { serveClient: false });
    io.of("/ops").use(createSocketAuthenticator(app.verifyAccessToken, clock));
    io.of("/ops").on("connection", (socket) => {
      operators.push(socket);
      socket.on("subscribe", (_payload: unknown, ack?: (answer: unknown) => void) => ack?.({ ok: true }));
    });
    io.of("/public").on("connection", (socket) => {
      residents.push(socket);
      socket.on("subscribe", (_payload: unknown, ack?: (answer: unknown) => void) => ack?.({ ok: true }));
    });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    await api.headersFor("viewer");
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (io ? io.close(resolve) : resolve(undefined)));
    await api?.close();
  });

  /** Loads a page, lets `use` work with it, and answers every CSP violation it reported. */
  async function violationsOf(path: string, use: (page: Page) => Promise<void> = async () => {}) {
    const page = await browser.newPage();
    const reported: string[] = [];
    page.on("console", (message) => {
      if (/Content.Security.Policy/i.test(message.text())) reported.push(message.text());
    });
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => {
        console.error(`Content-Security-Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    // Network idle: every script, style, image and font the page asked for has been answered.
    const response = await page.goto(`${base}${path}`, { waitUntil: "networkidle" });
    expect(response?.status(), path).toBe(200);
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'");
    await use(page);
    await page.close();
    return reported;
  }

  const onWebSocket = (sockets: Socket[]) => () =>
    sockets.some((s) => s.connected && s.conn.transport.name === "websocket");

  it("serves the operators' dashboard without a CSP violation, before and after logging in", async () => {
    const violations = await violationsOf("/", async (page) => {
      await page.fill("#login-username", "test-viewer");
      await page.fill("#login-password", TEST_PASSWORD);
      await page.click("#login-form button[type=submit]");
      // Logged in: the live feed connects to /ops with the access token, over WebSocket.
      await waitUntil("an operator socket on the WebSocket transport", onWebSocket(operators));
      await page.waitForLoadState("networkidle");
    });
    expect(violations).toEqual([]);
    expect(operators.at(-1)?.data.user).toEqual({ username: "test-viewer", role: "viewer" });
  });

  it("serves the residents' page without a CSP violation, its Socket.IO upgraded to WebSocket", async () => {
    const violations = await violationsOf("/public.html", async () => {
      await waitUntil("a resident socket on the WebSocket transport", onWebSocket(residents));
    });
    expect(violations).toEqual([]);
  });

  it("serves the API docs (Swagger UI) without a CSP violation", async () => {
    expect(await violationsOf("/docs/")).toEqual([]);
  });
});
