import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import {
  ACCESS_TOKEN_TTL_S,
  type ApiUnderTest,
  openApiUnderTest,
  REFRESH_TOKEN_TTL_S,
  TEST_PASSWORD,
} from "../../test/support/api-under-test.js";
import type { AccessTokenClaims } from "../access-tokens.js";

const START = Date.UTC(2026, 10, 22, 3, 0, 0);
const MINUTE = 60_000;
const GENEROUS = { auth: { max: 10_000, timeWindow: 60_000 }, public: { max: 10_000, timeWindow: 60_000 } };

describe("login, refresh, logout, accounts and audit (Fastify inject, real SQLite)", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let now = START;
  const clock: Clock = { now: () => now };
  let admin: Record<string, string>;

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-auth-");
    app = await api.server({ rateLimits: GENEROUS });
    admin = await api.headersFor("admin");
  });

  beforeEach(() => {
    now = START;
  });

  afterAll(async () => {
    await api?.close();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: "POST", url, payload: payload as object, headers });
  const login = (username: string, password: string) => post("/api/v1/auth/login", { username, password });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it("logs in with a password: a short-lived access token and a refresh token", async () => {
    await api.accounts.create({ username: "lan", password: TEST_PASSWORD, role: "operator" });
    const response = await login("lan", TEST_PASSWORD);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      expiresIn: ACCESS_TOKEN_TTL_S,
      refreshToken: expect.stringMatching(/^[\w-]{43}$/),
      refreshExpiresIn: REFRESH_TOKEN_TTL_S,
      user: { username: "lan", role: "operator" },
    });
    const header = JSON.parse(Buffer.from(body.token.split(".")[0], "base64url").toString());
    const claims = JSON.parse(Buffer.from(body.token.split(".")[1], "base64url").toString());
    expect(header.alg).toBe("HS256");
    expect(claims).toEqual({
      sub: "lan",
      role: "operator",
      typ: "access",
      sv: 0,
      iat: START / 1000,
      exp: START / 1000 + ACCESS_TOKEN_TTL_S,
    });
    const me = await app.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(body.token) });
    expect(me.json()).toEqual({ username: "lan", role: "operator" });
    // The token stops working when it expires.
    now += ACCESS_TOKEN_TTL_S * 1000 + 1000;
    const late = await app.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(body.token) });
    expect(late.statusCode).toBe(401);
    expect(late.json()).toEqual({ error: "unauthorized", message: "the access token has expired" });
  });

  it("answers a wrong password and an unknown user the same way", async () => {
    await api.accounts.create({ username: "minh", password: TEST_PASSWORD, role: "viewer" });
    const wrong = await login("minh", "not the password");
    const unknown = await login("nobody-at-all", "not the password");
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ error: "unauthorized", message: "wrong username or password" });
    expect(unknown.json()).toEqual(wrong.json());
  });

  it("locks out after 5 failures with 429 and Retry-After, then lets the right password in after the lock", async () => {
    await api.accounts.create({ username: "hoa", password: TEST_PASSWORD, role: "viewer" });
    for (let i = 0; i < 5; i++) expect((await login("hoa", `wrong ${i}`)).statusCode).toBe(401);
    const locked = await login("hoa", TEST_PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(locked.headers["retry-after"]).toBe(String(15 * 60));
    expect(locked.json()).toEqual({ error: "too_many_attempts", message: expect.stringContaining("15 min") });
    // The same for a name that does not exist.
    for (let i = 0; i < 5; i++) await login("ghost-user", `wrong ${i}`);
    expect((await login("ghost-user", TEST_PASSWORD)).json()).toEqual(locked.json());
    now += 15 * MINUTE;
    expect((await login("hoa", TEST_PASSWORD)).statusCode).toBe(200);
    const failures = await api.audit.query({ action: "auth.login-failed", actor: "anonymous" });
    expect(failures.filter((e) => e.target === "user:hoa")).toHaveLength(5);
    expect(await api.audit.query({ action: "auth.login-locked" })).not.toHaveLength(0);
  });

  it("rotates refresh tokens; a reused one ends every session of that login", async () => {
    await api.accounts.create({ username: "tuan", password: TEST_PASSWORD, role: "viewer" });
    const first = (await login("tuan", TEST_PASSWORD)).json();
    now += 5 * MINUTE;
    const refreshed = await post("/api/v1/auth/refresh", { refreshToken: first.refreshToken });
    expect(refreshed.statusCode).toBe(200);
    const second = refreshed.json();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.token).not.toBe(first.token);
    expect(second.user).toEqual({ username: "tuan", role: "viewer" });
    const me = await app.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(second.token) });
    expect(me.statusCode).toBe(200);

    const reused = await post("/api/v1/auth/refresh", { refreshToken: first.refreshToken });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().message).toMatch(/already used/);
    // The successor was revoked with it.
    expect((await post("/api/v1/auth/refresh", { refreshToken: second.refreshToken })).statusCode).toBe(401);
    const reuses = await api.audit.query({ action: "auth.refresh-reused" });
    expect(reuses.map((e) => e.target)).toEqual(["user:tuan", "user:tuan"]);
    expect((await post("/api/v1/auth/refresh", { refreshToken: "made-up" })).statusCode).toBe(401);
  });

  it("a reused refresh token revokes the account's access tokens at once, the newest included", async () => {
    await api.accounts.create({ username: "vy", password: TEST_PASSWORD, role: "viewer" });
    const me = (token: string) =>
      app.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(token) });
    const victim = (await login("vy", TEST_PASSWORD)).json();
    // The thief, holding a copy of the refresh token, rotates it first: the newest access token is theirs.
    now += MINUTE;
    const thief = (await post("/api/v1/auth/refresh", { refreshToken: victim.refreshToken })).json();
    expect((await me(thief.token)).statusCode).toBe(200);

    // The victim's client presents the same refresh token: reuse.
    now += MINUTE;
    expect((await post("/api/v1/auth/refresh", { refreshToken: victim.refreshToken })).statusCode).toBe(401);
    for (const token of [thief.token, victim.token]) {
      const refused = await me(token);
      expect(refused.statusCode).toBe(401);
      expect(refused.headers["www-authenticate"]).toBe('Bearer realm="envmon"');
      expect(refused.json()).toEqual({ error: "unauthorized", message: expect.stringMatching(/revoked/) });
    }
    // Still within its lifetime: the refusal is the revocation, not the expiry.
    expect(now).toBeLessThan(START + ACCESS_TOKEN_TTL_S * 1000);

    // The owner logs in again; replaying the dead family's tokens does not end the new session.
    const again = (await login("vy", TEST_PASSWORD)).json();
    expect((await me(again.token)).statusCode).toBe(200);
    expect((await post("/api/v1/auth/refresh", { refreshToken: thief.refreshToken })).statusCode).toBe(401);
    expect((await post("/api/v1/auth/refresh", { refreshToken: victim.refreshToken })).statusCode).toBe(401);
    expect((await me(again.token)).statusCode).toBe(200);
  });

  it("answers garbage Authorization headers with a clear 401", async () => {
    await api.headersFor("viewer");
    const ask = (authorization: string | undefined) =>
      app.inject({
        method: "GET",
        url: "/api/v1/auth/me",
        headers: authorization === undefined ? {} : { authorization },
      });
    // Claims of any shape, as a forger with the secret (or a buggy issuer) could make them.
    const sign = (claims: Record<string, unknown>) =>
      app.jwt.sign(claims as unknown as AccessTokenClaims, {
        expiresIn: ACCESS_TOKEN_TTL_S,
        clockTimestamp: now,
      });
    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /^log in first: send Authorization: Bearer <access token>$/],
      ["", /^log in first/],
      ["Basic YWRtaW46YWRtaW4=", /^the Authorization header is not of the form 'Bearer <access token>'$/],
      ["Bearer", /not of the form 'Bearer <access token>'/],
      ["Bearer two tokens", /not of the form 'Bearer <access token>'/],
      ["Bearer	tab", /not of the form/],
      ["Token abc.def.ghi", /not of the form/],
      ["Bearer not-a-jwt", /^the access token is not valid$/],
      ["Bearer a.b.c", /^the access token is not valid$/],
      [`Bearer ${"x".repeat(4000)}`, /^the access token is not valid$/],
      [`Bearer ${sign({ sub: "test-viewer", role: "viewer", typ: "access", sv: -1 })}`, /not valid/],
      [`Bearer ${sign({ sub: "test-viewer", role: "viewer", typ: "access", sv: "0" })}`, /not valid/],
      [`Bearer ${sign({ sub: "test-viewer", role: "viewer", typ: "access", sv: 1.5 })}`, /not valid/],
      [`Bearer ${sign({ sub: "test-viewer", role: "viewer", typ: "refresh", sv: 0 })}`, /not valid/],
      [`Bearer ${sign({ sub: "test-viewer", role: "viewer", typ: "access", sv: 7 })}`, /revoked/],
    ];
    for (const [header, message] of cases) {
      const response = await ask(header);
      expect(response.statusCode, String(header)).toBe(401);
      expect(response.headers["www-authenticate"], String(header)).toBe('Bearer realm="envmon"');
      expect(response.json(), String(header)).toEqual({
        error: "unauthorized",
        message: expect.stringMatching(message),
      });
    }
    // The same token with the right version passes: the cases above fail for what they say.
    const good = await ask(`Bearer ${sign({ sub: "test-viewer", role: "viewer", typ: "access", sv: 0 })}`);
    expect(good.statusCode).toBe(200);
  });

  it("logs out: the refresh token no longer works", async () => {
    const session = (await login("tuan", TEST_PASSWORD)).json();
    const out = await post("/api/v1/auth/logout", { refreshToken: session.refreshToken });
    expect(out.statusCode).toBe(204);
    expect((await post("/api/v1/auth/refresh", { refreshToken: session.refreshToken })).statusCode).toBe(401);
    expect((await post("/api/v1/auth/logout", { refreshToken: "unknown" })).statusCode).toBe(204);
    expect(await api.audit.query({ action: "auth.logout", actor: "tuan" })).toHaveLength(1);
  });

  it("lets admins create, change, disable and reset accounts, each change audited without secrets", async () => {
    const created = await post("/api/v1/users", { username: "thu", role: "viewer" }, admin);
    expect(created.statusCode).toBe(201);
    const { user, password } = created.json();
    expect(user).toEqual({
      username: "thu",
      role: "viewer",
      disabled: false,
      createdAt: new Date(START).toISOString(),
      lockedUntil: null,
    });
    expect(password).toMatch(/^\S{20}$/);
    const thu = (await login("thu", password)).json();
    expect(thu.user).toEqual({ username: "thu", role: "viewer" });
    expect((await post("/api/v1/users", { username: "thu", role: "admin" }, admin)).statusCode).toBe(409);

    const patch = (payload: unknown) =>
      app.inject({ method: "PATCH", url: "/api/v1/users/thu", payload: payload as object, headers: admin });
    expect((await patch({ role: "operator" })).json().user.role).toBe("operator");
    // A role change ends the sessions, and the account's current role counts at once.
    expect((await post("/api/v1/auth/refresh", { refreshToken: thu.refreshToken })).statusCode).toBe(401);
    const asThu = await app.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(thu.token) });
    expect(asThu.json()).toEqual({ username: "thu", role: "operator" });

    const reset = await patch({ generatePassword: true });
    const newPassword = reset.json().password;
    expect(newPassword).toMatch(/^\S{20}$/);
    expect((await login("thu", password)).statusCode).toBe(401);
    expect((await login("thu", newPassword)).statusCode).toBe(200);

    expect((await patch({ disabled: true })).json().user.disabled).toBe(true);
    // Disabled: its still-valid access token stops working at once, and it cannot log in.
    const afterDisable = await app.inject({
      method: "GET",
      url: "/api/v1/auth/me",
      headers: bearer(thu.token),
    });
    expect(afterDisable.statusCode).toBe(401);
    expect((await login("thu", newPassword)).statusCode).toBe(401);
    await patch({ disabled: false });

    expect((await patch({})).statusCode).toBe(400);
    expect((await patch({ password: "short" })).statusCode).toBe(400);
    expect(
      (
        await app.inject({
          method: "PATCH",
          url: "/api/v1/users/nobody",
          payload: { role: "admin" },
          headers: admin,
        })
      ).statusCode,
    ).toBe(404);

    const entries = await api.audit.query({ actor: "test-admin" });
    expect(entries.map((e) => [e.action, e.target, e.before, e.after]).reverse()).toEqual([
      ["user.create", "user:thu", null, { role: "viewer", disabled: false }],
      ["user.set-role", "user:thu", { role: "viewer" }, { role: "operator" }],
      ["user.reset-password", "user:thu", null, { generated: true }],
      ["user.disable", "user:thu", { disabled: false }, { disabled: true }],
      ["user.enable", "user:thu", { disabled: true }, { disabled: false }],
    ]);
    expect(entries.every((e) => e.source === "127.0.0.1")).toBe(true);
    const log = JSON.stringify(await api.audit.query({}));
    expect(log).not.toContain(password);
    expect(log).not.toContain(newPassword);
    expect(log).not.toContain("scrypt$");

    const listed = await app.inject({ method: "GET", url: "/api/v1/users", headers: admin });
    expect(listed.json().users.map((u: { username: string }) => u.username)).toContain("thu");
  });

  it("never lets the last enabled admin be demoted or disabled", async () => {
    const demote = await app.inject({
      method: "PATCH",
      url: "/api/v1/users/test-admin",
      payload: { role: "viewer" },
      headers: admin,
    });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error).toBe("last_admin");
    await post("/api/v1/users", { username: "second-admin", role: "admin", password: TEST_PASSWORD }, admin);
    const disable = await app.inject({
      method: "PATCH",
      url: "/api/v1/users/second-admin",
      payload: { disabled: true },
      headers: admin,
    });
    expect(disable.statusCode).toBe(200);
  });

  it("serves the audit log to admins, filtered by actor, action and time", async () => {
    const get = (query: string) =>
      app.inject({ method: "GET", url: `/api/v1/audit${query}`, headers: admin }).then((r) => r.json());
    const all = await get("");
    expect(all.entries.length).toBeGreaterThan(5);
    expect(all.entries[0]).toEqual({
      id: expect.any(Number),
      at: expect.stringMatching(/Z$/),
      actor: expect.any(String),
      action: expect.any(String),
      target: expect.any(String),
      source: "127.0.0.1",
      before: expect.anything(),
      after: expect.anything(),
    });
    const creations = await get("?action=user.create&actor=test-admin");
    expect(creations.entries.map((e: { target: string }) => e.target)).toEqual([
      "user:second-admin",
      "user:thu",
    ]);
    expect((await get("?limit=1")).entries).toHaveLength(1);
    expect((await get(`?from=${START + 60 * MINUTE}`)).entries).toEqual([]);
    expect((await get(`?from=${START + 1}`)).entries.map((e: { action: string }) => e.action)).toContain(
      "auth.login",
    );
    expect((await get(`?to=${START}`)).entries).toEqual([]);
    const refused = await app.inject({
      method: "GET",
      url: `/api/v1/audit?from=${START}&to=${START}`,
      headers: admin,
    });
    expect(refused.statusCode).toBe(400);
  });

  it("disabling an account or resetting its password revokes its access tokens; enabling does not revive them", async () => {
    await api.accounts.create({ username: "khoa", password: TEST_PASSWORD, role: "operator" });
    const me = (token: string) =>
      app.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(token) });
    const patch = (payload: object) =>
      app.inject({ method: "PATCH", url: "/api/v1/users/khoa", payload, headers: admin });

    const before = (await login("khoa", TEST_PASSWORD)).json();
    expect((await patch({ disabled: true })).statusCode).toBe(200);
    expect((await me(before.token)).json()).toEqual({
      error: "unauthorized",
      message: "the account is disabled or no longer exists",
    });
    expect((await patch({ disabled: false })).statusCode).toBe(200);
    const revived = await me(before.token);
    expect(revived.statusCode).toBe(401);
    expect(revived.json().message).toMatch(/revoked/);
    expect((await post("/api/v1/auth/refresh", { refreshToken: before.refreshToken })).statusCode).toBe(401);

    const current = (await login("khoa", TEST_PASSWORD)).json();
    expect((await me(current.token)).statusCode).toBe(200);
    expect((await patch({ password: "a brand new password" })).statusCode).toBe(200);
    expect((await me(current.token)).statusCode).toBe(401);
    const fresh = (await login("khoa", "a brand new password")).json();
    expect((await me(fresh.token)).json()).toEqual({ username: "khoa", role: "operator" });
  });
});

describe("rate limits, security headers and CORS", () => {
  let api: ApiUnderTest;
  const clock: Clock = { now: () => START };

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-auth-limits-");
  });

  afterAll(async () => {
    await api?.close();
  });

  it("allows 10 logins a minute per address, then answers 429", async () => {
    const app = await api.server();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const response = await app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { username: `someone-${i}`, password: "guess" },
      });
      statuses.push(response.statusCode);
      if (response.statusCode === 429) {
        expect(response.json()).toEqual({
          error: "too_many_requests",
          message: expect.stringMatching(/try again/),
        });
        expect(response.headers["retry-after"]).toBeDefined();
      }
    }
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    // Another address is not affected.
    const elsewhere = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { username: "someone", password: "guess" },
      remoteAddress: "192.0.2.7",
    });
    expect(elsewhere.statusCode).toBe(401);
  });

  it("allows 120 public requests a minute per address and route, and does not limit operators' reads", async () => {
    const app = await api.server();
    const viewer = await api.headersFor("viewer");
    const statuses = new Set<number>();
    for (let i = 0; i < 120; i++)
      statuses.add((await app.inject({ method: "GET", url: "/api/v1/public/areas" })).statusCode);
    expect([...statuses]).toEqual([200]);
    const over = await app.inject({ method: "GET", url: "/api/v1/public/areas" });
    expect(over.statusCode).toBe(429);
    expect(over.headers["x-ratelimit-limit"]).toBe("120");
    for (let i = 0; i < 130; i++) {
      const read = await app.inject({ method: "GET", url: "/api/v1/catalogue", headers: viewer });
      expect(read.statusCode).toBe(200);
    }
  });

  it("sends security headers with a CSP that allows only this origin", async () => {
    const app = await api.server();
    const response = await app.inject({ method: "GET", url: "/api/v1/public/areas" });
    const csp = String(response.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("upgrade-insecure-requests");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["x-frame-options"]).toBe("DENY");
    expect(response.headers["strict-transport-security"]).toBeUndefined();
    // Refusals carry them too.
    const refused = await app.inject({ method: "GET", url: "/api/v1/readings" });
    expect(refused.headers["content-security-policy"]).toBe(csp);
  });

  it("closes CORS by default and opens it to the listed origins only", async () => {
    const closed = await api.server();
    const preflight = (app: FastifyInstance, origin: string) =>
      app.inject({
        method: "OPTIONS",
        url: "/api/v1/catalogue",
        headers: {
          origin,
          "access-control-request-method": "GET",
          "access-control-request-headers": "authorization",
        },
      });
    expect(
      (await preflight(closed, "https://evil.example")).headers["access-control-allow-origin"],
    ).toBeUndefined();
    const get = await closed.inject({
      method: "GET",
      url: "/api/v1/public/areas",
      headers: { origin: "https://evil.example" },
    });
    expect(get.headers["access-control-allow-origin"]).toBeUndefined();

    const open = await api.server({ corsOrigins: ["https://map.tayninh.gov.vn"] });
    const allowed = await preflight(open, "https://map.tayninh.gov.vn");
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://map.tayninh.gov.vn");
    expect(String(allowed.headers["access-control-allow-headers"]).toLowerCase()).toContain("authorization");
    expect(allowed.headers["access-control-allow-credentials"]).toBeUndefined();
    expect(
      (await preflight(open, "https://evil.example")).headers["access-control-allow-origin"],
    ).toBeUndefined();
  });
});
