/**
 * The API server answers every error from the catalogue (kernel/errors.ts): refusals with their
 * code's status, failures as 500 internal_error without their message.
 */
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Clock } from "../kernel/clock.js";
import { ERROR_CATALOGUE, isErrorCode } from "../kernel/errors.js";
import { InfluxQueryError } from "../readings/store/influx/influx-http.js";
import { type ApiUnderTest, openApiUnderTest } from "../test/support/api-under-test.js";

const NOW = Date.UTC(2026, 10, 22, 2, 0, 0);
const clock: Clock = { now: () => NOW };

describe("the API's error answers", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let viewer: Record<string, string>;
  let admin: Record<string, string>;

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-api-errors-");
    await api.fixture.registry.register([
      {
        id: "tn-air-001",
        name: "Trạm không khí Phường Tân Ninh",
        kind: "air",
        area: "p-tan-ninh",
        areaName: "Phường Tân Ninh",
        lat: 11.31,
        lon: 106.1,
        metrics: ["pm25"],
      },
    ]);
    app = await api.server();
    viewer = await api.headersFor("viewer");
    admin = await api.headersFor("admin");
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await api?.close();
  });

  it("answers a store failure 500 internal_error, without the failure's message", async () => {
    const failure = new Error("SQLITE_IOERR: disk I/O error reading /var/lib/envmon/readings.db");
    const latest = vi.spyOn(api.fixture.store, "latest").mockRejectedValueOnce(failure);
    const response = await app.inject({ method: "GET", url: "/api/v1/latest", headers: viewer });
    expect(latest).toHaveBeenCalled();
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: "internal_error", message: "internal error" });
    expect(response.body).not.toContain("SQLITE");
    expect(response.body).not.toContain("readings.db");
    // The next request is served as usual.
    expect((await app.inject({ method: "GET", url: "/api/v1/latest", headers: viewer })).statusCode).toBe(
      200,
    );
  });

  it("answers InfluxDB's refusal of a query 500, not with InfluxDB's status (a bad INFLUX_TOKEN is not the client's)", async () => {
    const refused = new InfluxQueryError("InfluxQL query failed: unauthorized access", 401);
    vi.spyOn(api.fixture.store, "latest").mockRejectedValueOnce(refused);
    const response = await app.inject({ method: "GET", url: "/api/v1/latest", headers: viewer });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: "internal_error", message: "internal error" });
  });

  it("answers each refusal with a catalogue code and that code's status", async () => {
    const refused: Array<[InjectOptions, string]> = [
      [{ method: "GET", url: "/api/v1/nowhere" }, "not_found"],
      [{ method: "GET", url: "/api/v1/devices" }, "unauthorized"],
      [{ method: "GET", url: "/api/v1/users", headers: viewer }, "forbidden"],
      [{ method: "GET", url: "/api/v1/devices/tn-air-404", headers: viewer }, "not_found"],
      [
        { method: "GET", url: "/api/v1/readings?device=tn-air-001&metric=nope", headers: viewer },
        "bad_request",
      ],
      [
        { method: "POST", url: "/api/v1/devices", headers: admin, payload: { id: "tn-air-001" } },
        "bad_request",
      ],
      [
        {
          method: "POST",
          url: "/api/v1/devices/import",
          headers: { ...admin, "content-type": "text/csv" },
          payload: "name\nx\n",
        },
        "invalid",
      ],
      [{ method: "POST", url: "/api/v1/rules", headers: admin, payload: { name: "" } }, "invalid_rule"],
      [
        {
          method: "POST",
          url: "/api/v1/auth/login",
          payload: { username: "nobody", password: "wrong password!" },
        },
        "unauthorized",
      ],
      [{ method: "POST", url: "/api/v1/indices/vn-wqi", headers: viewer, payload: {} }, "insufficient_data"],
      [
        {
          method: "POST",
          url: "/api/v1/users",
          headers: admin,
          payload: { username: "test-admin", role: "viewer" },
        },
        "conflict",
      ],
    ];
    for (const [request, code] of refused) {
      const response = await app.inject(request);
      const where = `${request.method} ${request.url}`;
      const body = response.json();
      expect(body.error, where).toBe(code);
      expect(isErrorCode(body.error), where).toBe(true);
      expect(response.statusCode, where).toBe(ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status);
      expect(typeof body.message, where).toBe("string");
    }
  });
});
