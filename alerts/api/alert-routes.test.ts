import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  alertDetailSchema,
  alertEventSchema,
  alertsResponseSchema,
  publicAlertsResponseSchema,
} from "../../kernel/api-contract.js";
import type { Clock } from "../../kernel/clock.js";
import {
  type AlertApiHarness,
  openAlertApiHarness,
  TEST_USER_HEADER,
} from "../../test/support/alert-api-harness.js";
import { minimalRule } from "../../test/support/rule-fixture.js";
import type { SignalContext } from "../model/alert-lifecycle.js";
import type { AlertSignal } from "../model/evaluator.js";

const T0 = Date.UTC(2026, 10, 21, 1, 0, 0);
const MINUTE = 60_000;
const TAN_NINH = "phuong-tan-ninh";
const LONG_AN = "phuong-long-an";

describe("alerts API", () => {
  let now = T0;
  const clock: Clock = { now: () => now };
  let api: AlertApiHarness;
  let ruleId: number;

  const open = async (
    source: string,
    area: string | null,
    audience: SignalContext["audience"] = "public",
  ) => {
    const signal: AlertSignal = {
      kind: "open",
      ruleId,
      ruleVersion: 1,
      source,
      subject: "pm25",
      value: 150,
      severity: "major",
      at: now,
    };
    const opened = await api.alerts.applySignal(signal, {
      area,
      audience,
      message: { vi: `Bụi mịn cao tại ${source}`, en: `PM2.5 high at ${source}` },
    });
    if (!opened) throw new Error("alert did not open");
    return opened.alertId;
  };
  const clear = (source: string) =>
    api.alerts.applySignal(
      {
        kind: "clear",
        ruleId,
        ruleVersion: 1,
        source,
        subject: "pm25",
        value: 40,
        severity: "major",
        at: now,
      },
      { area: null, audience: "public", message: { vi: "Hết", en: "Over" } },
    );
  const get = async (url: string) => {
    const response = await api.app.inject({ method: "GET", url });
    return { status: response.statusCode, body: response.json() };
  };
  const post = async (url: string, body: unknown, user = "nguyen.van.a") => {
    const response = await api.app.inject({
      method: "POST",
      url,
      headers: { "content-type": "application/json", [TEST_USER_HEADER]: user },
      payload: JSON.stringify(body),
    });
    return { status: response.statusCode, body: response.json() };
  };

  beforeEach(async () => {
    now = T0;
    api = await openAlertApiHarness(clock);
    ruleId = (await api.rules.create(minimalRule(), "admin")).id;
  });
  afterEach(() => api.close());

  it("lists active alerts by default, all on request, by area and by time window", async () => {
    const first = await open("tn-air-001", TAN_NINH);
    now += 10 * MINUTE;
    await clear("tn-air-001");
    now += 10 * MINUTE;
    const second = await open("tn-air-002", LONG_AN);
    now += 10 * MINUTE;
    const third = await open("tn-air-003", TAN_NINH, "operators");

    const active = await get("/api/v1/alerts");
    expect(active.status).toBe(200);
    expect(alertsResponseSchema.parse(active.body).alerts.map((a) => a.id)).toEqual([third, second]);
    expect((await get("/api/v1/alerts?state=all")).body.alerts.map((a: { id: number }) => a.id)).toEqual([
      third,
      second,
      first,
    ]);
    expect((await get(`/api/v1/alerts?state=all&area=${TAN_NINH}`)).body.alerts).toHaveLength(2);
    const from = new Date(T0 + 5 * MINUTE).toISOString();
    const to = encodeURIComponent("2026-11-21T08:15:00+07:00");
    const windowed = await get(`/api/v1/alerts?state=all&from=${from}&to=${to}`);
    expect(windowed.body.alerts.map((a: { id: number }) => a.id)).toEqual([first]);
    expect((await get("/api/v1/alerts?state=all&limit=1")).body.alerts).toHaveLength(1);
    expect(active.body.alerts[0]).toMatchObject({
      id: third,
      ruleId,
      ruleVersion: 1,
      deviceId: "tn-air-003",
      metric: "pm25",
      area: TAN_NINH,
      audience: "operators",
      severity: "major",
      state: "active",
      acknowledged: false,
      resolved: false,
      openedAt: new Date(T0 + 30 * MINUTE).toISOString(),
      clearedAt: null,
      lastValue: 150,
      message: { vi: "Bụi mịn cao tại tn-air-003", en: "PM2.5 high at tn-air-003" },
    });
  });

  it("refuses bad filters with a readable 400", async () => {
    for (const [query, expected] of [
      ["state=open", /state must be active or all/],
      ["from=yesterday", /epoch milliseconds or ISO 8601/],
      [`from=${T0}&to=${T0 - 1}`, /from must be before to/],
      ["limit=0", /limit must be at least 1/],
    ] as const) {
      const response = await get(`/api/v1/alerts?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.message).toMatch(expected);
    }
    expect((await get("/api/v1/alerts/zero")).status).toBe(400);
  });

  it("acknowledges and resolves with a comment, by whom, once; every transition is on the alert", async () => {
    const id = await open("tn-air-001", TAN_NINH);
    now += MINUTE;
    const ack = await post(`/api/v1/alerts/${id}/ack`, { comment: "  đang kiểm tra  " });
    expect(ack.status).toBe(200);
    expect(alertEventSchema.parse(ack.body)).toMatchObject({
      alertId: id,
      transition: "acknowledged",
      acknowledged: true,
      state: "active",
      actor: "nguyen.van.a",
      comment: "đang kiểm tra",
      at: new Date(T0 + MINUTE).toISOString(),
    });
    const again = await post(`/api/v1/alerts/${id}/ack`, {});
    expect(again).toEqual({
      status: 409,
      body: { error: "conflict", message: `alert ${id} is already acknowledged` },
    });

    now += MINUTE;
    const resolved = await post(`/api/v1/alerts/${id}/resolve`, {}, "tran.thi.b");
    expect(resolved.body).toMatchObject({
      transition: "resolved",
      state: "cleared",
      comment: null,
      actor: "tran.thi.b",
    });
    expect((await post(`/api/v1/alerts/${id}/resolve`, { comment: "lần nữa" })).status).toBe(409);
    expect((await post("/api/v1/alerts/4242/ack", {})).body).toEqual({
      error: "not_found",
      message: "no alert 4242",
    });
    const tooLong = await post(`/api/v1/alerts/${id}/ack`, { comment: "x".repeat(2001) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.message).toMatch(/comment must be at most 2000 characters/);
    expect((await post(`/api/v1/alerts/${id}/ack`, { note: "?" })).status).toBe(400);

    const detail = await get(`/api/v1/alerts/${id}`);
    expect(detail.status).toBe(200);
    const parsed = alertDetailSchema.parse(detail.body);
    expect(parsed).toMatchObject({ state: "cleared", acknowledged: true, resolved: true });
    expect(parsed.transitions.map((t) => [t.transition, t.actor, t.comment, t.at])).toEqual([
      ["opened", null, null, new Date(T0).toISOString()],
      ["acknowledged", "nguyen.van.a", "đang kiểm tra", new Date(T0 + MINUTE).toISOString()],
      ["resolved", "tran.thi.b", null, new Date(T0 + 2 * MINUTE).toISOString()],
    ]);
    expect((await get("/api/v1/alerts/4242")).status).toBe(404);

    const audited = await api.audit.query({});
    expect(audited.map((e) => [e.action, e.actor, e.target]).sort()).toEqual([
      ["alert.ack", "nguyen.van.a", `alert:${id}`],
      ["alert.resolve", "tran.thi.b", `alert:${id}`],
    ]);
  });

  it("shows residents only active public alerts, of their area if asked, without operator details", async () => {
    const tanNinh = await open("tn-air-001", TAN_NINH);
    const longAn = await open("tn-air-002", LONG_AN);
    await open("tn-air-003", TAN_NINH, "operators");
    await open("tn-air-004", TAN_NINH);
    await clear("tn-air-004");

    const all = await get("/api/v1/public/alerts");
    expect(all.status).toBe(200);
    expect(publicAlertsResponseSchema.parse(all.body).alerts.map((a) => a.id)).toEqual([longAn, tanNinh]);
    const mine = await get(`/api/v1/public/alerts?area=${TAN_NINH}`);
    expect(mine.body.alerts.map((a: { id: number }) => a.id)).toEqual([tanNinh]);
    expect(Object.keys(mine.body.alerts[0]).sort()).toEqual(
      [
        "area",
        "audience",
        "clearedAt",
        "deviceId",
        "id",
        "lastValue",
        "message",
        "metric",
        "openedAt",
        "ruleId",
        "severity",
        "state",
      ].sort(),
    );
    expect((await get("/api/v1/public/alerts?area=xa-khong-co")).body.alerts).toEqual([]);
  });

  it("declares who may call each route", () => {
    expect(Object.fromEntries([...api.declaredAccess].filter(([route]) => route.includes("alerts")))).toEqual(
      {
        "GET /api/v1/alerts": "viewer",
        "GET /api/v1/alerts/:id": "viewer",
        "POST /api/v1/alerts/:id/ack": "operator",
        "POST /api/v1/alerts/:id/resolve": "operator",
        "GET /api/v1/public/alerts": "public",
      },
    );
  });
});
