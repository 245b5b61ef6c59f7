import { sql } from "kysely";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { Clock } from "../kernel/clock.js";
import { alertServiceFor } from "../test/support/alert-service.js";
import { describeEachMetadataBackend, type MetadataFixture } from "../test/support/metadata-backends.js";
import type { AlertService } from "./alert-service.js";
import {
  type AlertTransition,
  publicTransitionFilter,
  type SignalContext,
  transitionMatches,
} from "./model/alert-lifecycle.js";
import type { AlertSignal } from "./model/evaluator.js";
import type { RuleDefinitionInput } from "./model/rule.js";
import { ruleDefinitionSchema } from "./model/rule.js";
import { createAlertRulesRepository } from "./store/alert-rules-repository.js";

const T0 = Date.UTC(2026, 10, 21, 1, 0, 0);
const MINUTE = 60_000;
const STATION = "tn-air-001";

const definition = (overrides: Partial<RuleDefinitionInput> = {}) =>
  ruleDefinitionSchema.parse({
    name: "PM2.5 cao",
    metric: "pm25",
    condition: { type: "threshold", above: 100, clearBelow: 80 },
    severity: "major",
    audience: "public",
    ...overrides,
  });

const message = (text: string) => ({ vi: `${text} (vi)`, en: `${text} (en)` });

describeEachMetadataBackend("alert store", (backend) => {
  let now = T0;
  const clock: Clock = { now: () => now };
  let fixture: MetadataFixture;
  let alerts: AlertService;
  let ruleId: number;
  let otherRuleId: number;
  let heard: AlertTransition[];

  const signal = (
    kind: AlertSignal["kind"],
    value: number | null,
    overrides: Partial<AlertSignal> = {},
  ): AlertSignal => ({
    kind,
    ruleId,
    ruleVersion: 1,
    source: STATION,
    subject: "pm25",
    value,
    severity: "major",
    at: now,
    ...overrides,
  });
  const context = (overrides: Partial<SignalContext> = {}): SignalContext => ({
    area: "phuong-tan-ninh",
    audience: "public",
    message: message("Bụi mịn cao"),
    ...overrides,
  });

  beforeEach(async () => {
    now = T0;
    heard = [];
    fixture = await backend.openFixture(clock);
    const rules = createAlertRulesRepository(fixture.metadata, clock);
    ruleId = (await rules.create(definition(), "admin")).id;
    otherRuleId = (await rules.create(definition({ name: "Other" }), "admin")).id;
    alerts = alertServiceFor(fixture.metadata, clock);
    alerts.onTransition((t) => heard.push(t));
  });

  afterEach(() => fixture.close());

  it("keeps one active alert per rule and source; a breach after clearing opens a new alert", async () => {
    const opened = await alerts.applySignal(signal("open", 150), context());
    expect(opened).toMatchObject({
      transition: "opened",
      state: "active",
      acknowledged: false,
      severity: "major",
      value: 150,
      ruleId,
      deviceId: STATION,
      metric: "pm25",
      area: "phuong-tan-ninh",
      audience: "public",
      actor: null,
      at: new Date(T0).toISOString(),
    });
    // Opening again while active changes nothing (the engine restarted between two writes).
    expect(await alerts.applySignal(signal("open", 160), context())).toBeUndefined();
    // Another source, and another rule on the same source, have their own alerts.
    const otherSource = await alerts.applySignal(signal("open", 150, { source: "tn-air-002" }), context());
    const otherRule = await alerts.applySignal(signal("open", 150, { ruleId: otherRuleId }), context());
    expect(new Set([opened?.alertId, otherSource?.alertId, otherRule?.alertId]).size).toBe(3);

    now += MINUTE;
    const escalated = await alerts.applySignal(
      signal("escalate", 260, { severity: "critical" }),
      context({ message: message("Bụi rất cao") }),
    );
    expect(escalated).toMatchObject({
      alertId: opened?.alertId,
      transition: "escalated",
      severity: "critical",
    });
    now += MINUTE;
    const cleared = await alerts.applySignal(signal("clear", 40), context({ message: message("Hết") }));
    expect(cleared).toMatchObject({ alertId: opened?.alertId, transition: "cleared", state: "cleared" });
    // The clear keeps the severity the alert reached.
    expect(cleared?.severity).toBe("critical");
    // Nothing left to clear or escalate.
    expect(await alerts.applySignal(signal("clear", 30), context())).toBeUndefined();
    expect(await alerts.applySignal(signal("escalate", 300), context())).toBeUndefined();

    now += MINUTE;
    const again = await alerts.applySignal(signal("open", 170), context());
    expect(again?.transition).toBe("opened");
    expect(again?.alertId).not.toBe(opened?.alertId);

    const active = await alerts.list({ state: "active" });
    expect(active.map((a) => a.id).sort()).toEqual(
      [again?.alertId, otherSource?.alertId, otherRule?.alertId].sort(),
    );
    const first = await alerts.get(opened?.alertId as number);
    expect(first).toMatchObject({
      state: "cleared",
      severity: "critical",
      lastValue: 40,
      openedAt: new Date(T0).toISOString(),
      clearedAt: new Date(T0 + 2 * MINUTE).toISOString(),
      message: message("Hết"),
    });
    expect(first?.transitions.map((t) => [t.transition, t.value])).toEqual([
      ["opened", 150],
      ["escalated", 260],
      ["cleared", 40],
    ]);
  });

  it("gives transitions increasing ids, stores each before anyone hears of it, and tells in id order", async () => {
    const storedWhenHeard: Promise<AlertTransition | undefined>[] = [];
    alerts.onTransition((t) => storedWhenHeard.push(alerts.transition(t.id)));

    // Signals, acknowledgements and resolutions racing each other.
    const opened = await Promise.all(
      ["tn-air-001", "tn-air-002", "tn-air-003", "tn-air-004"].map((source, i) =>
        alerts.applySignal(signal("open", 110 + i, { source }), context()),
      ),
    );
    await Promise.all([
      ...opened.map((t) => alerts.acknowledge(t?.alertId as number, "op", null)),
      ...["tn-air-001", "tn-air-002"].map((source) =>
        alerts.applySignal(signal("escalate", 400, { source, severity: "critical" }), context()),
      ),
      alerts.resolve(opened[3]?.alertId as number, "op", "xong"),
      alerts.applySignal(signal("clear", 50, { source: "tn-air-003" }), context()),
    ]);

    const ids = heard.map((t) => t.id);
    expect(ids).toHaveLength(12);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] as number);
    const stored = await Promise.all(storedWhenHeard);
    expect(stored).toEqual(heard);
    expect(await alerts.latestTransitionId()).toBe(ids.at(-1));
  });

  it("opens one alert when two writers (two nodes) race to open it at once", async () => {
    const second = alertServiceFor(fixture.metadata, clock);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 === 0 ? alerts : second).applySignal(signal("open", 150 + i), context()),
      ),
    );
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    const stored = await fixture.metadata.selectFrom("alert_transitions").select("kind").execute();
    expect(stored).toEqual([{ kind: "opened" }]);
  });

  it("keeps the one-active rule in the database itself (unique partial index)", async () => {
    await alerts.applySignal(signal("open", 150), context());
    const insertActive = (state: string) =>
      sql`INSERT INTO alerts (rule_id, rule_version, source, subject, area, audience, severity, state, acknowledged, resolved, opened_at)
          VALUES (${ruleId}, 1, ${STATION}, 'pm25', NULL, 'public', 'major', ${state}, 0, 0, ${now})`.execute(
        fixture.metadata,
      );
    await expect(insertActive("active")).rejects.toThrow(/unique/i);
    await expect(insertActive("cleared")).resolves.toBeDefined();
  });

  it("records acknowledgement and resolution with time, actor and comment, refusing repeats", async () => {
    const opened = (await alerts.applySignal(signal("open", 150), context())) as AlertTransition;
    const resolvedPairs: [number, string][] = [];
    alerts.onResolved((rule, source) => resolvedPairs.push([rule, source]));

    now += MINUTE;
    const ack = await alerts.acknowledge(opened.alertId, "nguyen.van.a", "đang kiểm tra");
    expect(ack).toEqual({
      ok: true,
      transition: expect.objectContaining({
        transition: "acknowledged",
        actor: "nguyen.van.a",
        comment: "đang kiểm tra",
        acknowledged: true,
        state: "active",
        value: 150,
        // An acknowledgement repeats what the alert says.
        message: message("Bụi mịn cao"),
        at: new Date(T0 + MINUTE).toISOString(),
      }),
    });
    expect(await alerts.acknowledge(opened.alertId, "b", null)).toEqual({
      ok: false,
      reason: "conflict",
      message: `alert ${opened.alertId} is already acknowledged`,
    });

    now += MINUTE;
    const resolved = await alerts.resolve(opened.alertId, "tran.thi.b", "đã xử lý");
    expect(resolved).toMatchObject({
      ok: true,
      transition: { transition: "resolved", state: "cleared", acknowledged: true, actor: "tran.thi.b" },
    });
    expect(resolvedPairs).toEqual([[ruleId, STATION]]);
    expect(await alerts.resolve(opened.alertId, "b", null)).toMatchObject({ ok: false, reason: "conflict" });
    expect(await alerts.acknowledge(opened.alertId, "b", null)).toMatchObject({
      ok: false,
      reason: "conflict",
    });
    expect(await alerts.acknowledge(9999, "b", null)).toEqual({
      ok: false,
      reason: "not_found",
      message: "no alert 9999",
    });
    expect(await alerts.resolve(9999, "b", null)).toMatchObject({ ok: false, reason: "not_found" });

    // Resolved: the engine's clear finds nothing; its next breach opens a new alert.
    expect(await alerts.applySignal(signal("clear", 10), context())).toBeUndefined();
    const reopened = await alerts.applySignal(signal("open", 190), context());
    expect(reopened?.alertId).not.toBe(opened.alertId);

    const detail = await alerts.get(opened.alertId);
    expect(detail).toMatchObject({
      state: "cleared",
      acknowledged: true,
      resolved: true,
      clearedAt: new Date(T0 + 2 * MINUTE).toISOString(),
    });
    expect(detail?.transitions.map((t) => [t.transition, t.actor, t.comment])).toEqual([
      ["opened", null, null],
      ["acknowledged", "nguyen.van.a", "đang kiểm tra"],
      ["resolved", "tran.thi.b", "đã xử lý"],
    ]);
  });

  it("resolving an alert the engine already cleared leaves the engine alone (a newer alert may be active)", async () => {
    const first = (await alerts.applySignal(signal("open", 150), context())) as AlertTransition;
    now += MINUTE;
    await alerts.applySignal(signal("clear", 50), context());
    now += MINUTE;
    const second = (await alerts.applySignal(signal("open", 150), context())) as AlertTransition;
    const resolvedPairs: [number, string][] = [];
    alerts.onResolved((rule, source) => resolvedPairs.push([rule, source]));

    // A cleared alert may be acknowledged and resolved; neither touches the active one.
    expect(await alerts.acknowledge(first.alertId, "op", null)).toMatchObject({
      ok: true,
      transition: { state: "cleared", acknowledged: true },
    });
    expect(await alerts.resolve(first.alertId, "op", "đóng")).toMatchObject({ ok: true });
    expect(resolvedPairs).toEqual([]);
    expect((await alerts.get(first.alertId))?.clearedAt).toBe(new Date(T0 + MINUTE).toISOString());
    expect(await alerts.get(second.alertId)).toMatchObject({ state: "active", resolved: false });
  });

  it("lists by state, area, audience and time window, newest first, with the latest message", async () => {
    const a = await alerts.applySignal(signal("open", 150), context());
    now += 10 * MINUTE;
    await alerts.applySignal(signal("clear", 50), context({ message: message("Hết") }));
    now += 10 * MINUTE;
    const b = await alerts.applySignal(
      signal("open", 150, { source: "tn-air-002" }),
      context({ area: "xa-long-an" }),
    );
    now += 10 * MINUTE;
    const c = await alerts.applySignal(
      signal("open", 150, { source: "tn-air-003" }),
      context({ audience: "operators" }),
    );
    await alerts.acknowledge(c?.alertId as number, "op", "ok");

    const ids = async (filter: Parameters<AlertService["list"]>[0]) =>
      (await alerts.list(filter)).map((alert) => alert.id);
    expect(await ids({})).toEqual([c?.alertId, b?.alertId]);
    expect(await ids({ state: "all" })).toEqual([c?.alertId, b?.alertId, a?.alertId]);
    expect(await ids({ state: "all", area: "phuong-tan-ninh" })).toEqual([c?.alertId, a?.alertId]);
    expect(await ids({ state: "all", audience: "public" })).toEqual([b?.alertId, a?.alertId]);
    expect(await ids({ state: "all", limit: 1 })).toEqual([c?.alertId]);
    // In effect during the window: A ran T0..T0+10', B from T0+20', C from T0+30'.
    expect(await ids({ state: "all", from: T0 + 5 * MINUTE, to: T0 + 15 * MINUTE })).toEqual([a?.alertId]);
    expect(await ids({ state: "all", from: T0 + 11 * MINUTE, to: T0 + 25 * MINUTE })).toEqual([b?.alertId]);
    expect(await ids({ state: "all", from: T0 + 25 * MINUTE })).toEqual([c?.alertId, b?.alertId]);

    const [listedC] = await alerts.list({ audience: "operators" });
    // The acknowledgement does not replace the message.
    expect(listedC).toMatchObject({ acknowledged: true, message: message("Bụi mịn cao") });
    const [, , listedA] = await alerts.list({ state: "all" });
    expect(listedA?.message).toEqual(message("Hết"));
  });

  it("replays the transitions after an id that a filter allows, oldest first", async () => {
    const first = (await alerts.applySignal(signal("open", 150), context())) as AlertTransition;
    await alerts.applySignal(signal("open", 150, { source: "tn-air-002" }), context({ area: "xa-long-an" }));
    await alerts.applySignal(
      signal("open", 150, { source: "tn-air-003" }),
      context({ audience: "operators" }),
    );
    await alerts.applySignal(signal("escalate", 300, { severity: "critical" }), context());
    now += 20 * MINUTE;
    const [reminder] = await alerts.remindDue(15 * MINUTE);
    expect(reminder?.transition).toBe("reminder");

    const sources = (ts: AlertTransition[]) => ts.map((t) => `${t.deviceId}:${t.transition}`);
    expect(sources(await alerts.transitionsAfter(first.id))).toEqual([
      "tn-air-002:opened",
      "tn-air-003:opened",
      "tn-air-001:escalated",
      "tn-air-001:reminder",
    ]);
    // Residents of the area: public alerts only, and no reminders (those are for operators).
    const residents = publicTransitionFilter(["phuong-tan-ninh"]);
    const forResidents = await alerts.transitionsAfter(0, residents);
    expect(sources(forResidents)).toEqual(["tn-air-001:opened", "tn-air-001:escalated"]);
    expect(
      sources(await alerts.transitionsAfter(0, publicTransitionFilter(["phuong-tan-ninh", "xa-long-an"]))),
    ).toEqual(["tn-air-001:opened", "tn-air-002:opened", "tn-air-001:escalated"]);
    expect(await alerts.transitionsAfter(0, publicTransitionFilter([]))).toEqual([]);
    expect(await alerts.transitionsAfter(0, {}, 2)).toHaveLength(2);
    // The live test agrees with the query.
    const all = await alerts.transitionsAfter(0);
    expect(all.filter((t) => transitionMatches(residents, t))).toEqual(forResidents);
    expect(await alerts.transition(first.id)).toEqual(first);
    expect(await alerts.transition(9999)).toBeUndefined();
  });

  it("reminds of critical alerts nobody acknowledged, once per interval (injected clock)", async () => {
    const interval = 15 * MINUTE;
    const critical = (await alerts.applySignal(
      signal("open", 300, { severity: "critical" }),
      context(),
    )) as AlertTransition;
    await alerts.applySignal(signal("open", 120, { source: "tn-air-002" }), context());
    const escalatedLater = (await alerts.applySignal(
      signal("open", 120, { source: "tn-air-003" }),
      context(),
    )) as AlertTransition;

    now += 10 * MINUTE;
    await alerts.applySignal(
      signal("escalate", 400, { source: "tn-air-003", severity: "critical" }),
      context({ message: message("Rất cao") }),
    );
    now += 4 * MINUTE;
    expect(await alerts.remindDue(interval)).toEqual([]);
    now += MINUTE;
    const due = await alerts.remindDue(interval);
    expect(due.map((t) => [t.alertId, t.transition, t.actor, t.acknowledged])).toEqual([
      [critical.alertId, "reminder", null, false],
    ]);
    expect(due[0]?.message).toEqual({
      vi: "Nhắc lại (chưa xác nhận): Bụi mịn cao (vi)",
      en: "Reminder (not acknowledged): Bụi mịn cao (en)",
    });
    expect(heard.at(-1)).toEqual(due[0]);
    now += MINUTE;
    expect(await alerts.remindDue(interval)).toEqual([]);

    // 15 minutes after its escalation to critical, the third alert is due; the first again at 30.
    now += 9 * MINUTE;
    expect((await alerts.remindDue(interval)).map((t) => t.alertId)).toEqual([escalatedLater.alertId]);
    now += 5 * MINUTE;
    expect((await alerts.remindDue(interval)).map((t) => t.alertId)).toEqual([critical.alertId]);

    // Acknowledged or cleared: no more reminders.
    await alerts.acknowledge(critical.alertId, "op", null);
    await alerts.applySignal(signal("clear", 10, { source: "tn-air-003" }), context());
    now += 10 * interval;
    expect(await alerts.remindDue(interval)).toEqual([]);
    expect((await alerts.get(critical.alertId))?.message).toEqual(message("Bụi mịn cao"));
  });

  it("keeps the transition stored when a listener fails, and says so", async () => {
    const failures: unknown[] = [];
    const store = alertServiceFor(fixture.metadata, clock, { onListenerError: (e) => failures.push(e) });
    store.onTransition(() => {
      throw new Error("listener broke");
    });
    const later: AlertTransition[] = [];
    store.onTransition((t) => later.push(t));
    const opened = await store.applySignal(signal("open", 150), context());
    expect(opened?.transition).toBe("opened");
    expect(later).toEqual([opened]);
    expect(failures).toHaveLength(1);
    expect(await store.transition(opened?.id as number)).toEqual(opened);
  });
});
