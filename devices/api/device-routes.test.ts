import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import { type ApiUnderTest, openApiUnderTest } from "../../test/support/api-under-test.js";
import { TEST_DEVICE_SECRET_KEY } from "../../test/support/device-secret-key.js";
import { createDeviceCredentials } from "../credentials/device-credentials.js";

const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
const clock: Clock = { now: () => T0 };

const newStation = {
  id: "tn-air-201",
  name: "Trạm không khí Trảng Bàng",
  kind: "air",
  area: "trang-bang",
  areaName: "Phường Trảng Bàng",
  lat: 11.03,
  lon: 106.36,
  metrics: ["pm25", "pm10", "temperature"],
};

describe("device administration routes", () => {
  let api: ApiUnderTest;
  let app: FastifyInstance;
  let admin: Record<string, string>;
  let viewer: Record<string, string>;
  let operator: Record<string, string>;
  const secretsShown: string[] = [];
  const changes: string[] = [];

  const credentials = () =>
    createDeviceCredentials(api.fixture.metadata, clock, { secretKey: TEST_DEVICE_SECRET_KEY });
  const send = (
    method: "GET" | "POST" | "PATCH",
    url: string,
    headers: Record<string, string>,
    payload?: unknown,
  ) => app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

  beforeAll(async () => {
    api = await openApiUnderTest(clock, "envmon-devices-api-");
    app = await api.server();
    admin = await api.headersFor("admin");
    operator = await api.headersFor("operator");
    viewer = await api.headersFor("viewer");
    api.fixture.registry.onChange((id) => changes.push(id));
  });

  afterAll(async () => {
    await api.close();
  });

  it("registers a station and answers its secret once; the secret opens the broker door", async () => {
    const response = await send("POST", "/api/v1/devices", admin, {
      ...newStation,
      calibration: { pm25: { offset: -0.5, scale: 1.02 } },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json() as { id: string; secret: string };
    expect(Object.keys(body).sort()).toEqual(["id", "secret"]);
    expect(body.id).toBe(newStation.id);
    expect(body.secret.length).toBeGreaterThanOrEqual(32);
    secretsShown.push(body.secret);
    expect(await credentials().verify(newStation.id, body.secret)).toBe("ok");
    expect(changes).toContain(newStation.id);

    const shown = await send("GET", `/api/v1/devices/${newStation.id}`, viewer);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({
      id: newStation.id,
      registered: true,
      lifecycle: "active",
      area: "trang-bang",
      areaName: "Phường Trảng Bàng",
      calibration: { pm25: { offset: -0.5, scale: 1.02 } },
    });
    expect(shown.body).not.toContain(body.secret);
    expect(shown.body).not.toMatch(/scrypt|hmac|secret|hash/i);
  });

  it("refuses an id that is already registered with 409", async () => {
    const response = await send("POST", "/api/v1/devices", admin, { ...newStation, name: "again" });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      error: "conflict",
      message: "device 'tn-air-201' is already registered",
    });
  });

  it("refuses bad registrations with a 400 that says what is wrong", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...newStation, id: "tn-air-202", lat: "11" }, /lat/],
      [{ ...newStation, id: "tn-air-202", kind: "volcano" }, /kind must be one of air, /],
      [{ ...newStation, id: "bad id" }, /device id/],
      [{ ...newStation, id: "tn-air-202", metrics: [] }, /at least one metric/],
      [{ ...newStation, id: "tn-air-202", calibration: { noise: { offset: 1 } } }, /calibration of noise/],
      [
        { ...newStation, id: "tn-air-202", calibration: { pm25: { scale: 0 } } },
        /scale must be greater than 0/,
      ],
      [
        { ...newStation, id: "tn-air-202", area: "new-ward", areaName: undefined },
        /area 'new-ward' is not known yet/,
      ],
      [{ ...newStation, id: "tn-air-202", secret: "mine" }, /secret/],
    ];
    for (const [payload, message] of cases) {
      const response = await send("POST", "/api/v1/devices", admin, payload);
      expect({ payload, status: response.statusCode }).toEqual({ payload, status: 400 });
      expect(response.json().message).toMatch(message);
    }
    expect((await send("GET", "/api/v1/devices/tn-air-202", viewer)).statusCode).toBe(404);
  });

  it("lets only administrators change devices", async () => {
    const attempts = [
      send("POST", "/api/v1/devices", operator, { ...newStation, id: "tn-air-203" }),
      send("PATCH", `/api/v1/devices/${newStation.id}`, viewer, { name: "x" }),
      send("POST", `/api/v1/devices/${newStation.id}/decommission`, operator),
      send("POST", `/api/v1/devices/${newStation.id}/secret`, viewer),
      app.inject({
        method: "POST",
        url: "/api/v1/devices/import",
        headers: { ...operator, "content-type": "text/csv" },
        payload: "id,name,kind,area,lat,lon,metrics\n",
      }),
    ];
    expect((await Promise.all(attempts)).map((r) => r.statusCode)).toEqual([403, 403, 403, 403, 403]);
    const anonymous = await send("POST", "/api/v1/devices", {}, { ...newStation, id: "tn-air-203" });
    expect(anonymous.statusCode).toBe(401);
    expect((await send("GET", "/api/v1/devices", {})).statusCode).toBe(401);
    expect((await send("GET", "/api/v1/devices", viewer)).statusCode).toBe(200);
  });

  it("changes only the fields given, and refuses unknown devices and empty or wrong patches", async () => {
    const response = await send("PATCH", `/api/v1/devices/${newStation.id}`, admin, {
      name: "Trạm không khí Trảng Bàng (mới)",
      lifecycle: "maintenance",
      calibration: { temperature: { offset: -0.3 } },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      name: "Trạm không khí Trảng Bàng (mới)",
      lifecycle: "maintenance",
      lat: newStation.lat,
      metrics: newStation.metrics,
      calibration: { temperature: { offset: -0.3, scale: 1 } },
    });
    expect(await api.fixture.registry.calibrationHistory(newStation.id)).toHaveLength(2);

    const refusals = await Promise.all([
      send("PATCH", "/api/v1/devices/nobody", admin, { name: "x" }),
      send("PATCH", `/api/v1/devices/${newStation.id}`, admin, {}),
      send("PATCH", `/api/v1/devices/${newStation.id}`, admin, { lifecycle: "decommissioned" }),
      send("PATCH", `/api/v1/devices/${newStation.id}`, admin, { id: "renamed" }),
      send("PATCH", `/api/v1/devices/${newStation.id}`, admin, { metrics: ["pm25"] }),
    ]);
    expect(refusals.map((r) => [r.statusCode, r.json().message])).toEqual([
      [404, "no device 'nobody'"],
      [400, expect.stringMatching(/nothing to change/)],
      [400, expect.stringMatching(/lifecycle must be active or maintenance/)],
      [400, expect.stringMatching(/id/)],
      [400, expect.stringMatching(/calibration of temperature.*change the calibration too/)],
    ]);
  });

  it("rotates a secret: the new one works, the old one no longer does", async () => {
    const response = await send("POST", `/api/v1/devices/${newStation.id}/secret`, admin);
    expect(response.statusCode).toBe(200);
    const { id, secret } = response.json() as { id: string; secret: string };
    expect(id).toBe(newStation.id);
    secretsShown.push(secret);
    const store = credentials();
    expect(await store.verify(newStation.id, secret)).toBe("ok");
    expect(await store.verify(newStation.id, secretsShown[0] as string)).toBe("wrong");
    expect((await send("POST", "/api/v1/devices/nobody/secret", admin)).statusCode).toBe(404);
  });

  it("decommissions a station: lifecycle set, credentials gone, no new secret until it is reactivated", async () => {
    changes.length = 0;
    const response = await send("POST", `/api/v1/devices/${newStation.id}/decommission`, admin);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: newStation.id, lifecycle: "decommissioned" });
    expect(changes).toContain(newStation.id);
    expect(await credentials().verify(newStation.id, secretsShown[1] as string)).toBe("unknown");

    const rotate = await send("POST", `/api/v1/devices/${newStation.id}/secret`, admin);
    expect(rotate.statusCode).toBe(409);
    expect(rotate.json().message).toMatch(/decommissioned: set its lifecycle to active/);
    expect((await send("POST", "/api/v1/devices/nobody/decommission", admin)).statusCode).toBe(404);
  });

  it("imports a CSV: good rows registered with secrets, bad rows reported by line", async () => {
    const csv = [
      "id,name,kind,area,area_name,lat,lon,metrics,calibration",
      "tn-wq-301,Chất lượng nước hồ Dầu Tiếng,water_quality,duong-minh-chau,Xã Dương Minh Châu,11.37,106.3,ph;do;temperature,ph:0.1:1",
      "tn-wq-302,Missing coordinates,water_quality,duong-minh-chau,,,106.3,ph,",
      `${newStation.id},Already there,air,trang-bang,,11,106,pm25,`,
      "tn-ns-303,Tiếng ồn chợ Gò Dầu,noise,go-dau,Phường Gò Dầu,11.08,106.26,noise,",
    ].join("\n");
    const response = await app.inject({
      method: "POST",
      url: "/api/v1/devices/import",
      headers: { ...admin, "content-type": "text/csv; charset=utf-8" },
      payload: csv,
    });
    expect(response.statusCode).toBe(200);
    const report = response.json() as {
      created: Array<{ id: string; secret: string }>;
      errors: Array<{ row: number; message: string }>;
    };
    expect(report.created.map((c) => c.id)).toEqual(["tn-wq-301", "tn-ns-303"]);
    expect(report.errors).toEqual([
      {
        row: 3,
        message: expect.stringMatching(/^lat: /),
        messageVi: expect.stringMatching(/^vĩ độ: /),
      },
      {
        row: 4,
        message: "device 'tn-air-201' is already registered",
        messageVi: "không đăng ký được trạm: device 'tn-air-201' is already registered",
      },
    ]);
    const store = credentials();
    for (const { id, secret } of report.created) {
      secretsShown.push(secret);
      expect(await store.verify(id, secret)).toBe("ok");
    }
    expect(await api.fixture.registry.get("tn-wq-301")).toMatchObject({
      areaName: "Xã Dương Minh Châu",
      calibration: { ph: { offset: 0.1, scale: 1 } },
    });
    expect(await api.fixture.registry.get("tn-wq-302")).toBeUndefined();
  });

  it("refuses a CSV it cannot read as a whole, and a body that is not CSV", async () => {
    const asCsv = (payload: string) =>
      app.inject({
        method: "POST",
        url: "/api/v1/devices/import",
        headers: { ...admin, "content-type": "text/csv" },
        payload,
      });
    const badHeader = await asCsv("id,name,district\nx,y,z\n");
    expect(badHeader.statusCode).toBe(400);
    expect(badHeader.json().message).toMatch(/unknown column 'district'/);
    expect((await asCsv("")).statusCode).toBe(400);
    const json = await send("POST", "/api/v1/devices/import", admin, { id: "x" });
    expect(json.statusCode).toBe(400);
  });

  it("audits every change with before and after, and never a secret", async () => {
    const entries = await api.audit.query({});
    const deviceEntries = entries.filter((e) => e.target.startsWith("device:"));
    expect(deviceEntries.map((e) => `${e.action} ${e.target}`).reverse()).toEqual([
      "device.create device:tn-air-201",
      "device.update device:tn-air-201",
      "device.rotate-secret device:tn-air-201",
      "device.decommission device:tn-air-201",
      "device.import device:tn-wq-301",
      "device.import device:tn-ns-303",
    ]);
    expect(deviceEntries.every((e) => e.actor === "test-admin")).toBe(true);
    const update = deviceEntries.find((e) => e.action === "device.update");
    expect(update?.before).toMatchObject({ name: newStation.name, lifecycle: "active" });
    expect(update?.after).toMatchObject({
      name: "Trạm không khí Trảng Bàng (mới)",
      lifecycle: "maintenance",
    });
    const text = JSON.stringify(deviceEntries);
    for (const secret of secretsShown) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/scrypt|hmac-sha256/);
  });

  it("lists stations with their lifecycle", async () => {
    const response = await send("GET", "/api/v1/devices?area=trang-bang", viewer);
    expect(response.statusCode).toBe(200);
    expect(response.json().devices).toEqual([
      expect.objectContaining({ id: newStation.id, lifecycle: "decommissioned", lastSeen: null }),
    ]);
  });

  it("keeps a water-quality station's VN_WQI settings, and refuses bad ones with the reason", async () => {
    const river = {
      ...newStation,
      id: "tn-wq-metal-9",
      kind: "water_quality",
      metrics: ["ph", "cod", "bod5", "nh4", "as", "cd"],
      wqiSettings: { weighted: true, requiredGroups: ["III"] },
    };
    expect((await send("POST", "/api/v1/devices", admin, river)).statusCode).toBe(201);
    const shown = await send("GET", `/api/v1/devices/${river.id}`, viewer);
    expect(shown.json().wqiSettings).toEqual({ weighted: true, requiredGroups: ["III"] });
    const patched = await send("PATCH", `/api/v1/devices/${river.id}`, admin, {
      wqiSettings: { requiredGroups: ["II", "III"] },
    });
    expect(patched.json().wqiSettings).toEqual({ weighted: false, requiredGroups: ["II", "III"] });
    const cleared = await send("PATCH", `/api/v1/devices/${river.id}`, admin, { wqiSettings: null });
    expect(cleared.json().wqiSettings).toBeNull();
    for (const wqiSettings of [
      { requiredGroups: ["IV"] },
      { weighted: "yes" },
      { requiredGroups: ["II", "II"] },
      { formula: 5 },
    ]) {
      const refused = await send("PATCH", `/api/v1/devices/${river.id}`, admin, { wqiSettings });
      expect(refused.statusCode, JSON.stringify(wqiSettings)).toBe(400);
      expect(refused.json().message, JSON.stringify(wqiSettings)).toMatch(/wqiSettings/);
    }
  });
});
