import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import {
  type AlertApiHarness,
  openAlertApiHarness,
  TEST_USER_HEADER,
} from "../../test/support/alert-api-harness.js";
import { MINIMAL_RULE, MINIMAL_RULE_TEXT } from "../../test/support/rule-fixture.js";

const T0 = Date.UTC(2026, 10, 21, 1, 0, 0);

describe("rules API", () => {
  let now = T0;
  const clock: Clock = { now: () => now };
  let api: AlertApiHarness;

  const send = (method: "POST" | "PUT" | "DELETE", url: string, body?: unknown, user = "nguyen.van.a") =>
    api.app.inject({
      method,
      url,
      headers: {
        [TEST_USER_HEADER]: user,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { payload: typeof body === "string" ? body : JSON.stringify(body) }),
    });
  const get = (url: string) => api.app.inject({ method: "GET", url });

  beforeEach(async () => {
    now = T0;
    api = await openAlertApiHarness(clock);
  });
  afterEach(() => api.close());

  it("accepts the issue's minimal rule as written, as version 1, and audits who created it", async () => {
    const created = await send("POST", "/api/v1/rules", MINIMAL_RULE_TEXT);
    expect(created.statusCode, created.body).toBe(201);
    const rule = created.json();
    expect(rule).toMatchObject({ ...MINIMAL_RULE, id: expect.any(Number), version: 1, enabled: true });
    // Defaults are filled in and shown.
    expect(rule.cooldownSeconds).toEqual(expect.any(Number));
    expect(api.appliedCalls()).toBe(1);

    const listed = (await get("/api/v1/rules")).json();
    expect(listed.rules).toEqual([rule]);
    const [entry] = await api.audit.query({});
    expect(entry).toMatchObject({ actor: "nguyen.van.a", action: "rule.create", target: `rule:${rule.id}` });
  });

  it("refuses garbage with a 400 that names every problem by field", async () => {
    const cases: [unknown, RegExp][] = [
      ["[1, 2]", /a rule must be a JSON object/],
      [{ ...MINIMAL_RULE, metric: "pm99" }, /metric: metric must be a catalogue metric/],
      [
        { ...MINIMAL_RULE, severity: "apocalyptic" },
        /severity: severity must be one of minor, major, critical/,
      ],
      [
        { ...MINIMAL_RULE, condition: { type: "threshold" } },
        /condition: condition needs exactly one of 'above' or 'below'/,
      ],
      [{ ...MINIMAL_RULE, condition: { type: "sometimes" } }, /condition\.type must be one of threshold/],
      [
        { ...MINIMAL_RULE, scope: { device: "tn air 001" } },
        /scope\.device: scope\.device is not a valid device id/,
      ],
      [{ ...MINIMAL_RULE, colour: "red" }, /colour/],
      [{ name: "only a name" }, /metric/],
    ];
    for (const [body, expected] of cases) {
      const response = await send("POST", "/api/v1/rules", body);
      expect(response.statusCode, response.body).toBe(400);
      const answer = response.json();
      expect(answer.error).toBe("invalid_rule");
      expect(answer.message).toMatch(expected);
      expect(answer.problems.length).toBeGreaterThan(0);
      expect(answer.message).toBe(`rule refused: ${answer.problems.join("; ")}`);
    }
    const several = (
      await send("POST", "/api/v1/rules", { ...MINIMAL_RULE, metric: "pm99", audience: "all" })
    ).json();
    expect(several.problems).toHaveLength(2);
    expect((await send("POST", "/api/v1/rules", "{not json")).statusCode).toBe(400);
    expect((await get("/api/v1/rules")).json().rules).toEqual([]);
    expect(await api.audit.query({})).toEqual([]);
  });

  it("keeps every version: an update is a new version, the history is on the rule", async () => {
    const { id } = (await send("POST", "/api/v1/rules", MINIMAL_RULE, "a")).json();
    now += 60_000;
    const raised = { ...MINIMAL_RULE, condition: { type: "threshold", above: 150, clearBelow: 120 } };
    const updated = await send("PUT", `/api/v1/rules/${id}`, raised, "b");
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json()).toMatchObject({ id, version: 2, condition: { above: 150 } });

    const detail = (await get(`/api/v1/rules/${id}`)).json();
    expect(detail).toMatchObject({ id, version: 2, enabled: true, condition: { above: 150 } });
    expect(detail.versions.map((v: Record<string, unknown>) => [v.version, v.actor, v.createdAt])).toEqual([
      [1, "a", new Date(T0).toISOString()],
      [2, "b", new Date(T0 + 60_000).toISOString()],
    ]);
    expect(detail.versions[0].definition.condition).toMatchObject({ above: 100, clearBelow: 80 });

    const bad = await send("PUT", `/api/v1/rules/${id}`, {
      ...raised,
      condition: { type: "threshold", above: 1, clearBelow: 5 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/clearBelow \(5\) must not exceed above \(1\)/);
    expect((await get(`/api/v1/rules/${id}`)).json().version).toBe(2);
    const audited = await api.audit.query({ action: "rule.update" });
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: "b", before: expect.objectContaining({ version: 1 }) });
  });

  it("disables, enables and deletes; unknown ids are 404 and bad ids 400", async () => {
    const { id } = (await send("POST", "/api/v1/rules", MINIMAL_RULE)).json();
    const disabled = await send("POST", `/api/v1/rules/${id}/disable`);
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toMatchObject({ id, enabled: false, version: 1 });
    // Disabled rules are still listed, so they can be enabled again.
    expect((await get("/api/v1/rules")).json().rules).toMatchObject([{ id, enabled: false }]);
    expect((await send("POST", `/api/v1/rules/${id}/enable`)).json()).toMatchObject({ enabled: true });
    // Enabling an enabled rule changes nothing and is not audited again.
    expect((await send("POST", `/api/v1/rules/${id}/enable`)).statusCode).toBe(200);
    expect((await api.audit.query({})).map((e) => e.action).sort()).toEqual([
      "rule.create",
      "rule.disable",
      "rule.enable",
    ]);

    const deleted = await send("DELETE", `/api/v1/rules/${id}`, undefined, "admin.le");
    expect(deleted.statusCode).toBe(204);
    expect((await api.audit.query({ action: "rule.delete" }))[0]).toMatchObject({ actor: "admin.le" });
    expect((await get(`/api/v1/rules/${id}`)).statusCode).toBe(404);
    expect((await get("/api/v1/rules")).json().rules).toEqual([]);

    for (const response of [
      await send("DELETE", `/api/v1/rules/${id}`),
      await send("POST", `/api/v1/rules/${id}/enable`),
      await send("PUT", `/api/v1/rules/${id}`, MINIMAL_RULE),
      await get("/api/v1/rules/4242"),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        error: "not_found",
        message: expect.stringMatching(/^no rule \d+$/),
      });
    }
    const badId = await send("PUT", "/api/v1/rules/abc", MINIMAL_RULE);
    expect(badId.statusCode).toBe(400);
    expect(badId.json().message).toMatch(/id/);
    expect((await get("/api/v1/rules/-1")).statusCode).toBe(400);
  });

  it("declares who may call each route: viewers read, operators change, admins delete", () => {
    expect(Object.fromEntries([...api.declaredAccess].filter(([route]) => route.includes("/rules")))).toEqual(
      {
        "GET /api/v1/rules": "viewer",
        "GET /api/v1/rules/:id": "viewer",
        "POST /api/v1/rules": "operator",
        "PUT /api/v1/rules/:id": "operator",
        "POST /api/v1/rules/:id/enable": "operator",
        "POST /api/v1/rules/:id/disable": "operator",
        "DELETE /api/v1/rules/:id": "admin",
      },
    );
  });
});
