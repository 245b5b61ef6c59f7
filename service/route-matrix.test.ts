/**
 * Who may call what, for every route the server has: each is called with no token, an expired
 * token, tampered tokens and each role's token, and must allow or refuse exactly as it declares.
 */
import { createHmac } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessControlPlugin, type DeclaredRoute } from "../auth/access-control.js";
import type { Clock } from "../kernel/clock.js";
import { ROLES, type Role, type RouteAccess, roleAllows } from "../platform/http/access.js";
import { ACCESS_TOKEN_TTL_S, type ApiUnderTest, openApiUnderTest } from "../test/support/api-under-test.js";

const NOW = Date.UTC(2026, 10, 22, 3, 0, 0);
const clock: Clock = { now: () => NOW };

/** Fills every path parameter with a value that fits the usual patterns but names nothing that exists. */
const concreteUrl = (url: string) => url.replace(/:(\w+)/g, "999999");

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("route access matrix (every route × no token, expired, tampered, each role)", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let routes: DeclaredRoute[];
  const credentials = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-matrix-");
    // Generous limits: this test is about roles, not rate limits (tested on their own).
    app = await api.server({
      rateLimits: { auth: { max: 10_000, timeWindow: 60_000 }, public: { max: 10_000, timeWindow: 60_000 } },
    });
    routes = app.declaredRoutes.filter((r) => r.access !== undefined || r.url.startsWith("/api/v1"));
    for (const role of ROLES) credentials.set(role, await api.headersFor(role));

    const viewerToken = (credentials.get("viewer")?.authorization ?? "").replace("Bearer ", "");
    const [header, payload, signature] = viewerToken.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    credentials.set("none", {});
    credentials.set("not-bearer", {
      authorization: `Basic ${Buffer.from("admin:admin").toString("base64")}`,
    });
    credentials.set(
      "expired",
      bearer(
        app.jwt.sign(
          { sub: "test-admin", role: "admin", typ: "access" },
          { expiresIn: ACCESS_TOKEN_TTL_S, clockTimestamp: NOW - 2 * ACCESS_TOKEN_TTL_S * 1000 },
        ),
      ),
    );
    // The viewer's token with its role raised to admin, signature kept.
    credentials.set(
      "tampered-role",
      bearer(`${header}.${base64url({ ...claims, role: "admin" })}.${signature}`),
    );
    credentials.set("tampered-signature", bearer(`${header}.${payload}.${signature?.slice(0, -4)}AAAA`));
    credentials.set(
      "alg-none",
      bearer(`${base64url({ alg: "none", typ: "JWT" })}.${base64url({ ...claims, role: "admin" })}.`),
    );
    // Signed correctly, but by someone else's secret.
    const forgedClaims = `${header}.${base64url({ ...claims, role: "admin" })}`;
    const forgedSignature = createHmac("sha256", "an attacker's secret that is long enough")
      .update(forgedClaims)
      .digest("base64url");
    credentials.set("other-secret", bearer(`${forgedClaims}.${forgedSignature}`));
    credentials.set(
      "unknown-user",
      bearer(
        app.jwt.sign(
          { sub: "ghost", role: "admin", typ: "access" },
          { expiresIn: ACCESS_TOKEN_TTL_S, clockTimestamp: NOW },
        ),
      ),
    );
  });

  afterAll(async () => {
    await api?.close();
  });

  it("sees every route, including the known ones with their declared access", () => {
    const table = new Map(routes.map((r) => [`${r.method} ${r.url}`, r.access]));
    const expected: Record<string, RouteAccess> = {
      "GET /api/v1/catalogue": "viewer",
      "GET /api/v1/devices": "viewer",
      "GET /api/v1/devices/:id": "viewer",
      "POST /api/v1/devices": "admin",
      "GET /api/v1/latest": "viewer",
      "GET /api/v1/readings": "viewer",
      "GET /api/v1/rejected": "viewer",
      "GET /api/v1/aqi": "viewer",
      "GET /api/v1/public/aqi/latest": "public",
      "GET /api/v1/public/wqi/latest": "public",
      "GET /api/v1/public/flood/latest": "public",
      "GET /api/v1/public/alerts": "public",
      "POST /api/v1/indices/vn-aqi/hourly": "viewer",
      "GET /api/v1/rules": "viewer",
      "POST /api/v1/rules": "operator",
      "DELETE /api/v1/rules/:id": "admin",
      "POST /api/v1/alerts/:id/ack": "operator",
      "POST /api/v1/auth/login": "public",
      "POST /api/v1/auth/refresh": "public",
      "POST /api/v1/auth/logout": "public",
      "GET /api/v1/auth/me": "viewer",
      "GET /api/v1/users": "admin",
      "POST /api/v1/users": "admin",
      "PATCH /api/v1/users/:username": "admin",
      "GET /api/v1/audit": "admin",
      "GET /cap/alerts.atom": "public",
      "GET /api/v1/warnings": "viewer",
      "POST /api/v1/warnings": "viewer",
      "POST /api/v1/warnings/:id/publish": "viewer",
      "GET /api/v1/public/warnings": "public",
      "POST /api/v1/agencies": "admin",
      "PUT /api/v1/agencies/:id/members/:username": "admin",
    };
    for (const [route, access] of Object.entries(expected)) expect(table.get(route), route).toBe(access);
    expect(routes.length).toBeGreaterThan(Object.keys(expected).length);
    // Nothing under /api/v1 is open by omission.
    expect(routes.filter((r) => r.access === undefined)).toEqual([]);
  });

  it("covers every /api/v1 path of the OpenAPI document", async () => {
    const doc = (await app.inject({ method: "GET", url: "/docs/json" })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const seen = new Set(routes.map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, "{$1}")}`));
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith("/api/v1"))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.length).toBeGreaterThan(20);
    for (const route of documented) expect(seen.has(route), route).toBe(true);
  });

  it("refuses to start a server with an /api/v1 route that declares no access", async () => {
    const bare = Fastify();
    await bare.register(accessControlPlugin, {
      tokens: {
        issue: () => ({ token: "", expiresIn: 0, expiresAt: 0 }),
        verify: () => ({ user: { username: "x", role: "viewer" }, sessionVersion: 0, expiresAt: 0 }),
      },
      activeUser: async () => undefined,
      publicRateLimit: { max: 1, timeWindow: 1 },
    });
    bare.get("/healthz", async () => "ok");
    expect(() => bare.get("/api/v1/forgotten", async () => "oops")).toThrow(
      /\/api\/v1\/forgotten must declare config\.access/,
    );
    expect(() =>
      bare.get("/api/v1/misspelt", { config: { access: "everyone" as RouteAccess } }, async () => "oops"),
    ).toThrow(/must declare config\.access/);
    expect(() =>
      bare.get("/api/v1/readings-open", { config: { access: "public" } }, async () => "oops"),
    ).toThrow(/only \/api\/v1\/public\/\* and login may be/);
    expect(() =>
      bare.post("/api/v1/public/report", { config: { access: "public" } }, async () => "oops"),
    ).toThrow(/read-only and public/);
    expect(() =>
      bare.get("/api/v1/public/secrets", { config: { access: "admin" } }, async () => "oops"),
    ).toThrow(/read-only and public/);
    bare.get("/api/v1/public/fine", { config: { access: "public" } }, async () => "ok");
    await bare.close();
  });

  const refusedWithoutValidToken = [
    "none",
    "not-bearer",
    "expired",
    "tampered-role",
    "tampered-signature",
    "alg-none",
    "other-secret",
    "unknown-user",
  ];

  it("answers each route as its access says, for every kind of caller", async () => {
    expect(routes.length).toBeGreaterThan(0);
    const mismatches: string[] = [];
    let checked = 0;
    for (const route of routes) {
      const access = route.access as RouteAccess;
      for (const [who, headers] of credentials) {
        const response = await app.inject({
          method: route.method as "GET",
          url: concreteUrl(route.url),
          headers,
        });
        const status = response.statusCode;
        const isJson = /^application\/json/.test(String(response.headers["content-type"] ?? ""));
        const body = route.method !== "HEAD" && isJson ? (response.json() as { error?: string }) : undefined;
        checked += 1;
        let ok: boolean;
        if (access === "public") {
          ok = status !== 401 && status !== 403 && status < 500;
        } else if (access === "broker") {
          // The broker's endpoints check their own token: an operator's token is not it.
          ok = status === 401 || status === 403;
        } else if ((ROLES as readonly string[]).includes(who)) {
          const allowed = roleAllows(who as Role, access);
          ok = allowed
            ? status !== 401 && status !== 403 && status < 500
            : status === 403 && (body === undefined || body.error === "forbidden");
        } else {
          ok =
            refusedWithoutValidToken.includes(who) &&
            status === 401 &&
            (body === undefined || body.error === "unauthorized");
        }
        if (!ok)
          mismatches.push(
            `${route.method} ${route.url} [${access}] as ${who}: ${status} ${response.body.slice(0, 120)}`,
          );
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(routes.length * credentials.size);
  });

  it("says why in the refusal: missing, expired or invalid token, or which role is needed", async () => {
    const call = async (who: string, url = "/api/v1/users") =>
      (await app.inject({ method: "GET", url, headers: credentials.get(who) ?? {} })).json();
    expect(await call("none")).toEqual({ error: "unauthorized", message: expect.stringContaining("Bearer") });
    expect(await call("expired")).toEqual({ error: "unauthorized", message: "the access token has expired" });
    expect(await call("tampered-role")).toEqual({
      error: "unauthorized",
      message: "the access token is not valid",
    });
    expect(await call("operator")).toEqual({
      error: "forbidden",
      message: "this needs the admin role; test-operator is operator",
    });
    const refused = await app.inject({ method: "GET", url: "/api/v1/readings", headers: {} });
    expect(refused.headers["www-authenticate"]).toMatch(/^Bearer/);
  });
});
