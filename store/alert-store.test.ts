import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AlertEvent } from "../domain/alerts/alert-event.js";
import type { AlertSignal } from "../domain/alerts/evaluator.js";
import type { Clock } from "../domain/clock.js";
import { openSqliteFixture, type SqliteFixture } from "../test/support/sqlite-fixture.js";
import { createAlertRulesRepository } from "./alert-rules-repository.js";
import { type AlertStore, createAlertStore } from "./alert-store.js";

const T0 = Date.UTC(2026, 10, 21, 1, 0, 0);
const MINUTE = 60_000;

describe("alert store (SQLite)", () => {
  let now = T0;
  const clock: Clock = { now: () => now };
  let fixture: SqliteFixture;
  let alerts: AlertStore;
  let ruleId: number;
  const heard: AlertEvent[] = [];

  const signal = (
    kind: AlertSignal["kind"],
    value: number | null,
    severity: AlertSignal["severity"] = "major",
  ) =>
    ({
      kind,
      ruleId,
      ruleVersion: 1,
      source: "tn-air-001",
      subject: "pm25",
      value,
      severity,
      at: now,
    }) as AlertSignal;
  const context = {
    area: "tan-ninh",
    audience: "public" as const,
    message: { vi: "Bụi cao", en: "Dust high" },
  };

  beforeEach(async () => {
    now = T0;
    heard.length = 0;
    fixture = await openSqliteFixture(clock, "envmon-alert-store-");
    const rules = createAlertRulesRepository(fixture.metadata, clock);
    ruleId = (
      await rules.create(
        {
          name: "PM2.5",
          metric: "pm25",
          scope: {},
          condition: { type: "threshold", above: 100, forSeconds: 0 },
          severity: "major",
          audience: "public",
          cooldownSeconds: 0,
        },
        "test",
      )
    ).id;
    alerts = createAlertStore(fixture.metadata, clock);
    alerts.onEvent((event) => heard.push(event));
  });

  afterEach(() => fixture.close());

  it("keeps one active alert per rule and station; a breach after clearing opens a new one", async () => {
    const opened = await alerts.applySignal(signal("open", 150), context);
    expect(opened).toMatchObject({ transition: "opened", state: "active", acknowledged: false, value: 150 });
    // A repeated open (state restored after a crash between two writes) changes nothing.
    expect(await alerts.applySignal(signal("open", 160), context)).toBeUndefined();
    now += MINUTE;
    const escalated = await alerts.applySignal(signal("escalate", 260, "critical"), context);
    expect(escalated).toMatchObject({
      alertId: opened?.alertId,
      transition: "escalated",
      severity: "critical",
    });
    now += MINUTE;
    const cleared = await alerts.applySignal(signal("clear", 40), context);
    expect(cleared).toMatchObject({ alertId: opened?.alertId, state: "cleared", severity: "critical" });
    now += MINUTE;
    const again = await alerts.applySignal(signal("open", 170), context);
    expect(again?.alertId).not.toBe(opened?.alertId);

    const ids = heard.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(heard.map((e) => e.transition)).toEqual(["opened", "escalated", "cleared", "opened"]);
    expect((await alerts.list({ state: "active" })).map((a) => a.id)).toEqual([again?.alertId]);
    expect(await alerts.list({ state: "all" })).toHaveLength(2);
  });

  it("records acknowledgement and resolution with actor and comment, refusing repeats", async () => {
    const opened = (await alerts.applySignal(signal("open", 150), context)) as AlertEvent;
    const resolvedFor: [number, string][] = [];
    alerts.onResolved((rule, source) => resolvedFor.push([rule, source]));
    now += MINUTE;
    const ack = await alerts.act(opened.alertId, "acknowledged", "nguyen.van.a", "đang kiểm tra");
    expect(ack).toMatchObject({
      ok: true,
      event: { transition: "acknowledged", actor: "nguyen.van.a", acknowledged: true },
    });
    expect(await alerts.act(opened.alertId, "acknowledged", "b", null)).toMatchObject({
      ok: false,
      reason: "conflict",
    });
    const resolved = await alerts.act(opened.alertId, "resolved", "nguyen.van.a", "đã xử lý");
    expect(resolved).toMatchObject({ ok: true, event: { transition: "resolved", state: "cleared" } });
    expect(resolvedFor).toEqual([[ruleId, "tn-air-001"]]);
    expect(await alerts.act(opened.alertId, "resolved", "b", null)).toMatchObject({
      ok: false,
      reason: "conflict",
    });
    expect(await alerts.act(9999, "acknowledged", "b", null)).toMatchObject({
      ok: false,
      reason: "not_found",
    });
    // Resolved: a clear signal from the engine finds nothing to clear.
    expect(await alerts.applySignal(signal("clear", 10), context)).toBeUndefined();

    const detail = await alerts.get(opened.alertId);
    expect(detail?.transitions.map((t) => [t.transition, t.actor, t.comment])).toEqual([
      ["opened", null, null],
      ["acknowledged", "nguyen.van.a", "đang kiểm tra"],
      ["resolved", "nguyen.van.a", "đã xử lý"],
    ]);
  });

  it("replays the transitions after an id, only public ones of the asked areas for residents", async () => {
    const first = (await alerts.applySignal(signal("open", 150), context)) as AlertEvent;
    await alerts.applySignal(
      { ...signal("open", 150), source: "tn-air-002" },
      { ...context, area: "tan-an" },
    );
    await alerts.applySignal(
      { ...signal("open", 150), source: "tn-air-003" },
      { ...context, audience: "operators" },
    );
    expect((await alerts.eventsAfter(first.id, {}, 100)).map((e) => e.deviceId)).toEqual([
      "tn-air-002",
      "tn-air-003",
    ]);
    expect((await alerts.eventsAfter(0, { publicAreas: ["tan-ninh"] }, 100)).map((e) => e.deviceId)).toEqual([
      "tn-air-001",
    ]);
    expect(await alerts.eventsAfter(0, { publicAreas: [] }, 100)).toEqual([]);
    expect(await alerts.eventsAfter(0, {}, 1)).toHaveLength(1);
  });

  it("reminds of critical alerts nobody acknowledged, once per interval", async () => {
    const critical = (await alerts.applySignal(signal("open", 300, "critical"), context)) as AlertEvent;
    await alerts.applySignal({ ...signal("open", 120, "major"), source: "tn-air-002" }, context);
    const interval = 15 * MINUTE;
    now += 14 * MINUTE;
    expect(await alerts.remindDue(interval)).toEqual([]);
    now += MINUTE;
    const reminders = await alerts.remindDue(interval);
    expect(reminders.map((e) => [e.alertId, e.transition])).toEqual([[critical.alertId, "reminder"]]);
    expect(reminders[0]?.message.vi).toBe("Nhắc lại (chưa xác nhận): Bụi cao");
    now += MINUTE;
    expect(await alerts.remindDue(interval)).toEqual([]);
    await alerts.act(critical.alertId, "acknowledged", "op", null);
    now += interval;
    expect(await alerts.remindDue(interval)).toEqual([]);
  });
});
