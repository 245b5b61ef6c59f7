import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeviceCredentials } from "../../devices/credentials/device-credentials.js";
import { createDeviceSecretHasher } from "../../devices/credentials/secret-hash.js";
import { systemClock } from "../../kernel/clock.js";
import { API_V1_PREFIX } from "../../platform/http/access.js";
import { hashPassword } from "../../platform/password-hash.js";
import { TEST_DEVICE_SECRET_KEY } from "../../test/support/device-secret-key.js";
import { openSqliteFixture, type SqliteFixture } from "../../test/support/sqlite-fixture.js";
import { type BrokerAccess, createBrokerAccess } from "../broker-access.js";
import { brokerAuthRoutes } from "./broker-auth-routes.js";

const TOKEN = "broker-token-0123456789abcdefghij";
const SERVICE_PASSWORD = "service-password-0123456789";

async function appWith(access: BrokerAccess, token: string | undefined): Promise<FastifyInstance> {
  const app = Fastify().withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(brokerAuthRoutes, {
    prefix: API_V1_PREFIX,
    access,
    token,
  });
  await app.ready();
  return app;
}

describe("broker HTTP authentication endpoints (EMQX 5, mosquitto-go-auth)", () => {
  let fixture: SqliteFixture;
  let access: BrokerAccess;
  let app: FastifyInstance;
  let secret: string;
  let otherSecret: string;
  let retiredSecret: string;

  beforeAll(async () => {
    fixture = await openSqliteFixture(systemClock, "envmon-broker-auth-");
    const credentials = createDeviceCredentials(fixture.metadata, systemClock, {
      secretKey: TEST_DEVICE_SECRET_KEY,
    });
    await fixture.registry.noteSeen(["tn-air-001", "tn-air-002", "tn-air-009"]);
    secret = await credentials.issue("tn-air-001");
    otherSecret = await credentials.issue("tn-air-002");
    retiredSecret = await credentials.issue("tn-air-009");
    await fixture.metadata
      .updateTable("devices")
      .set({ lifecycle: "decommissioned" })
      .where("id", "=", "tn-air-009")
      .execute();
    access = createBrokerAccess(
      { serviceClientPrefix: "svc-", servicePassword: SERVICE_PASSWORD },
      { credentials, clock: systemClock },
    );
    app = await appWith(access, TOKEN);
  });

  afterAll(async () => {
    await app?.close();
    await fixture?.close();
  });

  const bearer = { authorization: `Bearer ${TOKEN}` };
  const post = (url: string, payload: object, headers: Record<string, string> = bearer) =>
    app.inject({ method: "POST", url, payload, headers });

  it("answers nobody without the bearer token; go-auth routes also take ?token=", async () => {
    const routes = [
      "/api/v1/broker/emqx/authn",
      "/api/v1/broker/emqx/authz",
      "/api/v1/broker/go-auth/user",
      "/api/v1/broker/go-auth/superuser",
      "/api/v1/broker/go-auth/acl",
    ];
    for (const url of routes) {
      for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: TOKEN }] as Record<
        string,
        string
      >[]) {
        const response = await post(url, {}, headers);
        expect(response.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(401);
        expect(response.json()).toMatchObject({ error: "unauthorized" });
      }
    }
    const user = { username: "tn-air-001", password: secret, clientid: "tn-air-001" };
    expect((await post(`/api/v1/broker/go-auth/user?token=${TOKEN}`, user, {})).statusCode).toBe(200);
    expect((await post("/api/v1/broker/go-auth/user?token=nope", user, {})).statusCode).toBe(401);
    const emqx = { clientid: "tn-air-001", username: "tn-air-001", password: secret };
    expect((await post(`/api/v1/broker/emqx/authn?token=${TOKEN}`, emqx, {})).statusCode).toBe(401);
  });

  it("EMQX authn: allow for the device's own secret and the service password, deny the rest", async () => {
    const authn = async (clientid: string, username: string, password: string) => {
      const response = await post("/api/v1/broker/emqx/authn", { clientid, username, password });
      expect(response.statusCode).toBe(200);
      const body = response.json() as { result: string; is_superuser: boolean };
      expect(body.is_superuser).toBe(false);
      return body.result;
    };
    expect(await authn("tn-air-001", "tn-air-001", secret)).toBe("allow");
    expect(await authn("svc-ingest", "svc-ingest", SERVICE_PASSWORD)).toBe("allow");
    expect(await authn("tn-air-001", "tn-air-001", otherSecret)).toBe("deny");
    expect(await authn("tn-air-002", "tn-air-001", secret)).toBe("deny");
    expect(await authn("tn-air-009", "tn-air-009", retiredSecret)).toBe("deny");
    expect(await authn("tn-ghost", "tn-ghost", secret)).toBe("deny");
    expect(await authn("svc-admin", "svc-admin", SERVICE_PASSWORD)).toBe("deny");
    // EMQX fills an absent username or password with an empty string.
    expect(await authn("tn-air-001", "", "")).toBe("deny");
  });

  it("EMQX authn and go-auth accept a legacy scrypt hash once and leave the HMAC form in its place", async () => {
    await fixture.registry.noteSeen(["tn-air-010", "tn-air-011"]);
    const storedHash = async (deviceId: string) =>
      (
        await fixture.metadata
          .selectFrom("device_credentials")
          .select("secret_hash")
          .where("device_id", "=", deviceId)
          .executeTakeFirstOrThrow()
      ).secret_hash;
    const hasher = createDeviceSecretHasher(TEST_DEVICE_SECRET_KEY);
    const legacySecrets = {
      "tn-air-010": "legacy-secret-ten-0123456789-abcdefghij",
      "tn-air-011": "legacy-secret-eleven-0123456789-abcdefg",
    };
    for (const [deviceId, legacySecret] of Object.entries(legacySecrets)) {
      await fixture.metadata
        .insertInto("device_credentials")
        .values({
          device_id: deviceId,
          secret_hash: await hashPassword(legacySecret, { N: 2 ** 10, r: 8, p: 1 }),
          created_at: Date.now(),
          rotated_at: null,
        })
        .execute();
    }
    const emqx = (password: string) =>
      post("/api/v1/broker/emqx/authn", { clientid: "tn-air-010", username: "tn-air-010", password });
    expect((await emqx("not-the-secret-0123456789")).json()).toMatchObject({ result: "deny" });
    expect(await storedHash("tn-air-010")).toMatch(/^scrypt\$/);
    expect((await emqx(legacySecrets["tn-air-010"])).json()).toMatchObject({ result: "allow" });
    expect(await storedHash("tn-air-010")).toBe(hasher.hash(legacySecrets["tn-air-010"]));
    expect((await emqx(legacySecrets["tn-air-010"])).json()).toMatchObject({ result: "allow" });

    const goAuth = await post("/api/v1/broker/go-auth/user", {
      username: "tn-air-011",
      password: legacySecrets["tn-air-011"],
      clientid: "tn-air-011",
    });
    expect(goAuth.statusCode).toBe(200);
    expect(await storedHash("tn-air-011")).toBe(hasher.hash(legacySecrets["tn-air-011"]));
  });

  it("EMQX authz: a device publishes only to its own readings and status, subscribes only to its errors", async () => {
    const authz = async (clientid: string, topic: string, action: string) => {
      const response = await post("/api/v1/broker/emqx/authz", {
        clientid,
        username: clientid,
        topic,
        action,
      });
      expect(response.statusCode).toBe(200);
      return (response.json() as { result: string }).result;
    };
    expect(await authz("tn-air-001", "sensors/tn-air-001/readings", "publish")).toBe("allow");
    expect(await authz("tn-air-001", "sensors/tn-air-001/status", "publish")).toBe("allow");
    expect(await authz("tn-air-001", "sensors/tn-air-002/readings", "publish")).toBe("deny");
    expect(await authz("tn-air-001", "sensors/tn-air-001/errors", "subscribe")).toBe("allow");
    expect(await authz("tn-air-001", "#", "subscribe")).toBe("deny");
    expect(await authz("tn-air-001", "$SYS/#", "subscribe")).toBe("deny");
    expect(await authz("tn-air-009", "sensors/tn-air-009/readings", "publish")).toBe("deny");
    expect(await authz("tn-ghost", "sensors/tn-ghost/readings", "publish")).toBe("deny");
    expect(await authz("svc-ingest", "sensors/+/readings", "subscribe")).toBe("allow");
    expect(await authz("svc-ingest", "#", "subscribe")).toBe("deny");
    const mismatch = await post("/api/v1/broker/emqx/authz", {
      clientid: "tn-air-001",
      username: "tn-air-002",
      topic: "sensors/tn-air-001/readings",
      action: "publish",
    });
    expect(mismatch.json()).toEqual({ result: "deny" });
  });

  it("EMQX authz follows a revocation once the device's cached standing is invalidated", async () => {
    const ask = () =>
      post("/api/v1/broker/emqx/authz", {
        clientid: "tn-air-002",
        username: "tn-air-002",
        topic: "sensors/tn-air-002/readings",
        action: "publish",
      });
    expect((await ask()).json()).toEqual({ result: "allow" });
    await fixture.metadata.deleteFrom("device_credentials").where("device_id", "=", "tn-air-002").execute();
    access.invalidateDevice("tn-air-002");
    expect((await ask()).json()).toEqual({ result: "deny" });
  });

  it("go-auth: user 200/403 in JSON and form mode, superuser always 403, ACL by acc", async () => {
    const user = (body: object) => post("/api/v1/broker/go-auth/user", body);
    expect(
      (await user({ username: "tn-air-001", password: secret, clientid: "tn-air-001" })).statusCode,
    ).toBe(200);
    expect(
      (await user({ username: "tn-air-001", password: "nope", clientid: "tn-air-001" })).statusCode,
    ).toBe(403);
    const form = await app.inject({
      method: "POST",
      url: "/api/v1/broker/go-auth/user",
      headers: { ...bearer, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({
        username: "tn-air-001",
        password: secret,
        clientid: "tn-air-001",
      }).toString(),
    });
    expect(form.statusCode).toBe(200);
    expect(form.json()).toEqual({ ok: true, error: "" });

    const superuser = await post("/api/v1/broker/go-auth/superuser", { username: "svc-ingest" });
    expect(superuser.statusCode).toBe(403);

    const acl = async (clientid: string, topic: string, acc: number | string) =>
      (await post("/api/v1/broker/go-auth/acl", { username: clientid, clientid, topic, acc })).statusCode;
    expect(await acl("tn-air-001", "sensors/tn-air-001/readings", 2)).toBe(200);
    expect(await acl("tn-air-001", "sensors/tn-air-002/readings", 2)).toBe(403);
    expect(await acl("tn-air-001", "sensors/tn-air-001/errors", 4)).toBe(200);
    expect(await acl("tn-air-001", "sensors/tn-air-001/errors", 1)).toBe(200);
    expect(await acl("tn-air-001", "sensors/tn-air-001/errors", 3)).toBe(403);
    expect(await acl("tn-air-001", "#", 4)).toBe(403);
    expect(await acl("tn-air-001", "sensors/tn-air-002/errors", 1)).toBe(403);
    expect(await acl("svc-ingest", "sensors/tn-air-001/readings", 1)).toBe(200);
    expect(await acl("svc-ingest", "sensors/tn-air-001/errors", "2")).toBe(200);
    expect(await acl("svc-feed-1", "services/readings/stored", 3)).toBe(200);
  });

  it("refuses malformed input with a 4xx and a readable message, never a 500", async () => {
    const cases: Array<[string, unknown]> = [
      ["/api/v1/broker/emqx/authz", { clientid: "tn-air-001", username: "tn-air-001", action: "publish" }],
      ["/api/v1/broker/emqx/authz", { clientid: "tn-air-001", topic: "x", action: "delete" }],
      ["/api/v1/broker/emqx/authn", { clientid: 42 }],
      ["/api/v1/broker/go-auth/acl", { username: "a", clientid: "a", topic: "x", acc: 7 }],
      ["/api/v1/broker/go-auth/acl", { username: "a", clientid: "a", topic: "", acc: 1 }],
      ["/api/v1/broker/go-auth/user", { clientid: "a", password: "p".repeat(5000) }],
    ];
    for (const [url, payload] of cases) {
      const response = await app.inject({ method: "POST", url, payload: payload as object, headers: bearer });
      expect(response.statusCode, `${url} ${JSON.stringify(payload).slice(0, 80)}`).toBe(400);
      expect(response.json().message).toEqual(expect.any(String));
    }
    const huge = await app.inject({
      method: "POST",
      url: "/api/v1/broker/emqx/authn",
      headers: { ...bearer, "content-type": "application/json" },
      payload: JSON.stringify({ clientid: "x".repeat(100_000) }),
    });
    expect(huge.statusCode).toBe(413);
  });

  it("serves nothing when no token is configured", async () => {
    const closed = await appWith(access, undefined);
    const response = await closed.inject({
      method: "POST",
      url: "/api/v1/broker/emqx/authn",
      payload: { clientid: "tn-air-001", username: "tn-air-001", password: secret },
    });
    expect(response.statusCode).toBe(404);
    await closed.close();
  });
});
