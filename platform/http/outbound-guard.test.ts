import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  createOutboundGuard,
  type OutboundGuard,
  type ResolveHost,
  systemResolver,
  TargetRefusedError,
} from "./outbound-guard.js";
import { type AllowedTarget, parseAllowedTargets } from "./outbound-policy.js";

const allowList = (raw: string): readonly AllowedTarget[] => {
  const parsed = parseAllowedTargets(raw);
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return parsed.targets;
};

const post = (guard: OutboundGuard, url: string, maxBodyBytes?: number) =>
  guard.request(url, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: "hello",
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
  });

/** What a rejected promise was rejected with. */
const rejection = async (promise: Promise<unknown>): Promise<Error & { code?: string }> => {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error("expected a rejection");
};

describe("outbound guard", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  /** A real HTTP server on 127.0.0.1; `hits` counts the requests that reached it. */
  async function server(handle: (request: IncomingMessage, response: ServerResponse) => void) {
    const state = { hits: 0 };
    const http = createServer((request, response) => {
      state.hits += 1;
      request.resume();
      request.on("end", () => handle(request, response));
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          http.closeAllConnections();
          http.close(() => resolve());
        }),
    );
    const { port } = http.address() as AddressInfo;
    return { port, url: `http://127.0.0.1:${port}/hook`, state };
  }

  const ok = () => server((_request, response) => response.writeHead(204).end());

  it("refuses registration of every hostile spelling of this machine and private networks", async () => {
    const target = await ok();
    const guard = createOutboundGuard();
    const port = target.port;
    for (const [url, reason] of [
      [`http://127.0.0.1:${port}/hook`, "127.0.0.1 is a loopback address"],
      [`http://localhost:${port}/hook`, "localhost is a loopback name"],
      [`http://LocalHost./hook`, "localhost is a loopback name"],
      [`http://0x7f000001:${port}/hook`, "127.0.0.1 is a loopback address"],
      [`http://2130706433:${port}/hook`, "127.0.0.1 is a loopback address"],
      [`http://017700000001:${port}/hook`, "127.0.0.1 is a loopback address"],
      [`http://127.1:${port}/hook`, "127.0.0.1 is a loopback address"],
      [`http://[::1]:${port}/hook`, "::1 is a loopback address"],
      [`http://[::ffff:127.0.0.1]:${port}/hook`, "::ffff:7f00:1 is a loopback address"],
      ["http://0.0.0.0/", "0.0.0.0 is an unspecified"],
      ["http://[::]/", ":: is the unspecified address"],
      ["http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"],
      ["https://10.0.0.5:8443/sms", "10.0.0.5 is a private address"],
      ["http://192.168.1.1/", "192.168.1.1 is a private address"],
      ["http://100.64.1.1/", "100.64.1.1 is a shared (CGNAT) address"],
      ["http://[fd00::1]/", "fd00::1 is a private (unique local) address"],
      ["http://224.0.0.1/", "224.0.0.1 is a multicast address"],
      ["ftp://example.com/", "ftp: is not http: or https:"],
    ] as const) {
      expect(await guard.checkUrl(url), url).toEqual({ ok: false, reason: expect.stringContaining(reason) });
    }
    expect(target.state.hits).toBe(0);
  });

  it("refuses a name that really resolves to a loopback address", async () => {
    // "hooks.test" is answered with whatever the system resolver says "localhost" is.
    const resolve: ResolveHost = (name) => systemResolver(name === "hooks.test" ? "localhost" : name);
    const guard = createOutboundGuard({}, { resolve });
    const check = await guard.checkUrl("http://hooks.test/hook");
    expect(check).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /^(127\.0\.0\.1|::1) is a loopback address, .*\(hooks\.test resolves to it\)$/,
      ),
    });
  });

  it("refuses a name when any one of its addresses is refused", async () => {
    const resolve: ResolveHost = async () => [
      { address: "93.184.215.14", family: 4 },
      { address: "10.1.2.3", family: 4 },
    ];
    const guard = createOutboundGuard({}, { resolve });
    expect(await guard.checkUrl("https://hooks.example/")).toEqual({
      ok: false,
      reason: "10.1.2.3 is a private address, which webhooks may not reach (hooks.example resolves to it)",
    });
  });

  it("accepts a public name, and says when a name does not resolve", async () => {
    const resolve: ResolveHost = async (name) => {
      if (name === "hooks.example") return [{ address: "93.184.215.14", family: 4 }];
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" });
    };
    const guard = createOutboundGuard({}, { resolve });
    expect(await guard.checkUrl("https://Hooks.Example/zalo")).toEqual({ ok: true });
    expect(await guard.checkUrl("https://93.184.215.14/zalo")).toEqual({ ok: true });
    expect(await guard.checkUrl("https://nowhere.example/")).toEqual({
      ok: false,
      reason: "nowhere.example does not resolve (ENOTFOUND)",
    });
  });

  it("judges the address again on each request: a name rebound to this machine is refused", async () => {
    const target = await ok();
    const answers = ["93.184.215.14", "127.0.0.1"];
    const asked: string[] = [];
    const resolve: ResolveHost = async (name) => {
      asked.push(name);
      return [{ address: answers.shift() ?? "127.0.0.1", family: 4 }];
    };
    const guard = createOutboundGuard({}, { resolve });
    const url = `http://rebind.example:${target.port}/hook`;
    expect(await guard.checkUrl(url)).toEqual({ ok: true }); // registration: a public address

    const refused = await rejection(post(guard, url)); // delivery: now this machine
    expect(refused).toBeInstanceOf(TargetRefusedError);
    expect(refused.message).toBe(
      "127.0.0.1 is a loopback address, which webhooks may not reach (rebind.example resolves to it)",
    );
    expect(refused.code).toBe("ETARGETREFUSED");
    expect(target.state.hits).toBe(0);
    expect(asked).toEqual(["rebind.example", "rebind.example"]);
  });

  it("refuses an address written in the URL without asking DNS", async () => {
    const target = await ok();
    const asked: string[] = [];
    const guard = createOutboundGuard(
      { allowed: allowList("hooks.test") },
      {
        resolve: async (name) => {
          asked.push(name);
          return [{ address: "127.0.0.1", family: 4 }];
        },
      },
    );
    for (const host of ["127.0.0.1", "0x7f000001", "2130706433", "127.1", "[::ffff:127.0.0.1]"]) {
      const refused = await rejection(post(guard, `http://${host}:${target.port}/hook`));
      expect(refused, host).toBeInstanceOf(TargetRefusedError);
    }
    expect(target.state.hits).toBe(0);
    expect(asked).toEqual([]);
  });

  it("connects to exactly the address it judged: an allow-listed name reaches the test server", async () => {
    const target = await ok();
    const asked: string[] = [];
    // hooks.test exists in no DNS: only the injected answer can take the request to the server.
    const guard = createOutboundGuard(
      { allowed: allowList("hooks.test") },
      {
        resolve: async (name) => {
          asked.push(name);
          return [{ address: "127.0.0.1", family: 4 }];
        },
      },
    );
    const url = `http://hooks.test:${target.port}/hook`;
    expect(await guard.checkUrl(url)).toEqual({ ok: true });
    expect((await post(guard, url)).status).toBe(204);
    expect((await post(guard, url)).status).toBe(204);
    expect(target.state.hits).toBe(2);
    expect(asked).toEqual(["hooks.test", "hooks.test", "hooks.test"]); // once per check, once per request
  });

  it("reaches an allow-listed address, and nothing else on this machine", async () => {
    const target = await ok();
    const guard = createOutboundGuard({ allowed: allowList("127.0.0.1") });
    expect(await guard.checkUrl(target.url)).toEqual({ ok: true });
    expect((await post(guard, target.url)).status).toBe(204);
    expect(await guard.checkUrl(`http://[::1]:${target.port}/hook`)).toMatchObject({ ok: false });
    expect(await guard.checkUrl(`http://127.0.0.2:${target.port}/hook`)).toMatchObject({ ok: false });
    expect(await guard.checkUrl(`http://localhost:${target.port}/hook`)).toMatchObject({ ok: false });
  });

  it("does not follow a redirect, not even to an allowed address", async () => {
    const other = await ok();
    const redirecting = await server((_request, response) =>
      response.writeHead(307, { location: other.url }).end("moved"),
    );
    const guard = createOutboundGuard({ allowed: allowList("127.0.0.1") });
    const answer = await post(guard, redirecting.url);
    expect(answer.status).toBe(307);
    expect(answer.headers.location).toBe(other.url);
    expect(other.state.hits).toBe(0);
  });

  it("reads only the start of a long answer", async () => {
    const big = "x".repeat(4 * 1024 * 1024);
    const target = await server((_request, response) => response.writeHead(500).end(big));
    const guard = createOutboundGuard({ allowed: allowList("127.0.0.1") });
    const answer = await post(guard, target.url);
    expect(answer.status).toBe(500);
    expect(answer.bodyStart).toBe("x".repeat(1024));
    expect((await post(guard, target.url, 10)).bodyStart).toBe("x".repeat(10));
    expect((await post(guard, target.url, 0)).bodyStart).toBe("");
  });

  it("passes on network errors with their code", async () => {
    const target = await ok();
    const guard = createOutboundGuard({ allowed: allowList("127.0.0.1") });
    const url = target.url;
    await closers.pop()?.();
    expect((await rejection(post(guard, url))).code).toBe("ECONNREFUSED");
  });
});
