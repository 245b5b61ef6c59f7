import { describe, expect, it } from "vitest";
import { type AlertRecord, decideOperatorAction, decideSignal, reminderFor } from "./alert-lifecycle.js";
import type { AlertSignal } from "./evaluator.js";

const T = Date.UTC(2026, 11, 6, 3, 0, 0);
const context = {
  area: "tn-01",
  audience: "public" as const,
  message: { vi: "PM2.5 cao", en: "PM2.5 high" },
};
const signal = (kind: AlertSignal["kind"], overrides: Partial<AlertSignal> = {}): AlertSignal => ({
  kind,
  ruleId: 7,
  ruleVersion: 2,
  source: "tn-air-001",
  subject: "pm25",
  value: 120,
  severity: "major",
  at: T,
  ...overrides,
});
const active: AlertRecord = {
  id: 3,
  ruleId: 7,
  ruleVersion: 2,
  source: "tn-air-001",
  subject: "pm25",
  area: "tn-01",
  audience: "public",
  severity: "major",
  state: "active",
  acknowledged: false,
  resolved: false,
  openedAt: T - 60_000,
  clearedAt: null,
  lastValue: 110,
};
const by = { actor: "lan", comment: "đã kiểm tra", at: T + 1000 };
const describing = { vi: "PM2.5 cao", en: "PM2.5 high" };

describe("what a signal does to an alert", () => {
  it("opens an alert when none is active, with an 'opened' transition at the signal's time", () => {
    const decision = decideSignal(undefined, signal("open"), context);
    expect(decision.kind).toBe("open");
    if (decision.kind !== "open") return;
    expect(decision.alert).toMatchObject({ state: "active", severity: "major", openedAt: T, area: "tn-01" });
    expect(decision.transition).toMatchObject({ kind: "opened", at: T, actor: null, acknowledged: false });
  });

  it("changes nothing for an open while one is active, or an escalate or clear while none is", () => {
    expect(decideSignal(active, signal("open"), context)).toEqual({ kind: "none" });
    expect(decideSignal(undefined, signal("escalate"), context)).toEqual({ kind: "none" });
    expect(decideSignal(undefined, signal("clear"), context)).toEqual({ kind: "none" });
  });

  it("escalates to the signal's severity and keeps the acknowledgement", () => {
    const decision = decideSignal(
      { ...active, acknowledged: true },
      signal("escalate", { severity: "critical" }),
      context,
    );
    expect(decision).toMatchObject({
      kind: "change",
      changes: { severity: "critical", lastValue: 120 },
      transition: { kind: "escalated", severity: "critical", acknowledged: true, state: "active" },
    });
  });

  it("clears at the signal's time and keeps the last known value when the signal has none", () => {
    const decision = decideSignal(active, signal("clear", { value: null }), context);
    expect(decision).toMatchObject({
      kind: "change",
      changes: { state: "cleared", clearedAt: T, lastValue: 110 },
      transition: { kind: "cleared", state: "cleared", severity: "major" },
    });
  });
});

describe("what an operator's action does", () => {
  it("refuses an unknown alert, a second acknowledgement and any action on a resolved alert", () => {
    expect(decideOperatorAction(9, undefined, "acknowledged", by, describing)).toMatchObject({
      ok: false,
      reason: "not_found",
    });
    expect(
      decideOperatorAction(3, { ...active, acknowledged: true }, "acknowledged", by, describing),
    ).toMatchObject({
      ok: false,
      reason: "conflict",
    });
    expect(decideOperatorAction(3, { ...active, resolved: true }, "resolved", by, describing)).toMatchObject({
      ok: false,
      reason: "conflict",
    });
  });

  it("acknowledges with the operator, the comment and the alert's describing message", () => {
    const decision = decideOperatorAction(3, active, "acknowledged", by, describing);
    expect(decision).toMatchObject({
      ok: true,
      changes: { acknowledged: true },
      transition: {
        kind: "acknowledged",
        actor: "lan",
        comment: "đã kiểm tra",
        state: "active",
        message: describing,
      },
      closesActive: false,
    });
  });

  it("resolving an active alert clears it now and tells the engine to forget the pair", () => {
    const decision = decideOperatorAction(3, active, "resolved", by, describing);
    expect(decision).toMatchObject({
      ok: true,
      changes: { resolved: true, state: "cleared", clearedAt: by.at },
      closesActive: true,
    });
  });

  it("resolving an alert the engine already cleared keeps its clearing time and leaves the engine alone", () => {
    const cleared = { ...active, state: "cleared" as const, clearedAt: T - 5000 };
    const decision = decideOperatorAction(3, cleared, "resolved", by, describing);
    expect(decision).toMatchObject({ ok: true, changes: { clearedAt: T - 5000 }, closesActive: false });
  });
});

describe("a reminder", () => {
  it("repeats the describing message in both languages, as the engine, unacknowledged", () => {
    expect(reminderFor(active, T, describing)).toMatchObject({
      kind: "reminder",
      actor: null,
      acknowledged: false,
      message: { vi: "Nhắc lại (chưa xác nhận): PM2.5 cao", en: "Reminder (not acknowledged): PM2.5 high" },
    });
  });
});
