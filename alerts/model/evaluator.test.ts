import { describe, expect, it } from "vitest";
import { minimalRule, testRule as rule } from "../../test/support/rule-fixture.js";
import {
  afterResolve,
  type EvaluationState,
  evaluate,
  initialState,
  type Sample,
  type TickContext,
  tick,
  withdraw,
} from "./evaluator.js";
import type { AlertRule } from "./rule.js";

const T0 = Date.parse("2026-11-23T01:00:00Z"); // Monday 08:00 in Asia/Ho_Chi_Minh
const MINUTE = 60_000;
const SOURCE = "tn-air-001";
const NO_GRACE: TickContext = { startedAt: T0, graceMs: 0 };

/** Feeds samples (and ticks, as `{ tick: time }`) one by one and returns the signal kinds in order. */
function run(
  r: AlertRule,
  steps: readonly (Sample | { tick: number })[],
  start: EvaluationState = initialState(),
) {
  let state = start;
  const kinds: string[] = [];
  for (const step of steps) {
    const result =
      "tick" in step ? tick(r, SOURCE, state, step.tick, NO_GRACE) : evaluate(r, SOURCE, state, step);
    state = result.state;
    kinds.push(...result.signals.map((s) => `${s.kind}:${s.severity}`));
  }
  return { state, kinds };
}

const series = (...values: number[]): Sample[] => values.map((value, i) => ({ ts: T0 + i * MINUTE, value }));
const at = (minute: number, value: number): Sample => ({ ts: T0 + minute * MINUTE, value });

describe("threshold with hysteresis", () => {
  const pm = rule({ condition: { type: "threshold", above: 100, clearBelow: 80 } });

  it("opens above the level and clears only below the clear level", () => {
    expect(run(pm, series(50, 101, 95, 85, 79, 50)).kinds).toEqual(["open:major", "clear:major"]);
  });

  it("raises nothing for a value flapping inside the band", () => {
    expect(run(pm, series(101, 90, 99, 81, 99, 85, 100, 81, 80)).kinds).toEqual(["open:major"]);
  });

  it("is strict at both levels: exactly the trigger does not open, exactly the clear level does not clear", () => {
    expect(run(pm, series(100, 100)).kinds).toEqual([]);
    expect(run(pm, series(101, 80)).kinds).toEqual(["open:major"]);
  });

  it("opens a new alert for a new breach after clearing", () => {
    expect(run(pm, series(120, 70, 120)).kinds).toEqual(["open:major", "clear:major", "open:major"]);
  });

  it("clears as soon as the value is back at the trigger when no clear level is given", () => {
    const plain = rule({ condition: { type: "threshold", above: 100 } });
    expect(run(plain, series(101, 100.5, 100)).kinds).toEqual(["open:major", "clear:major"]);
    const low = rule({ metric: "do", condition: { type: "threshold", below: 4 } });
    expect(run(low, series(3, 3.5, 4)).kinds).toEqual(["open:major", "clear:major"]);
  });

  it("works downwards with clearAbove", () => {
    const oxygen = rule({ metric: "do", condition: { type: "threshold", below: 4, clearAbove: 5 } });
    expect(run(oxygen, series(6, 3.9, 4.5, 5, 5.1)).kinds).toEqual(["open:major", "clear:major"]);
  });

  it("signals carry the rule, its version, the source, the subject, the value and the reading's time", () => {
    const r = rule({ condition: { type: "threshold", above: 100 } }, 7, 3);
    const { signals } = evaluate(r, SOURCE, initialState(), at(2, 123.4));
    expect(signals).toEqual([
      {
        kind: "open",
        ruleId: 7,
        ruleVersion: 3,
        source: SOURCE,
        subject: "pm25",
        value: 123.4,
        severity: "major",
        at: T0 + 2 * MINUTE,
      },
    ]);
  });
});

describe("duration", () => {
  const held = rule({ condition: { type: "threshold", above: 100, forSeconds: 900 } });

  it("opens only once the level has held for the whole duration", () => {
    const samples = [0, 5, 10, 14].map((m) => at(m, 120));
    expect(run(held, samples).kinds).toEqual([]);
    expect(run(held, [...samples, at(15, 120)]).kinds).toEqual(["open:major"]);
  });

  it("starts counting again when the value drops back", () => {
    expect(run(held, [at(0, 120), at(10, 90), at(16, 120), at(30, 120)]).kinds).toEqual([]);
    expect(run(held, [at(0, 120), at(10, 90), at(16, 120), at(31, 120)]).kinds).toEqual(["open:major"]);
  });

  it("completes with the first reading stamped at or after its end, not with a tick", () => {
    const { state } = run(held, [at(0, 120)]);
    expect(tick(held, SOURCE, state, T0 + 15 * MINUTE, NO_GRACE).signals).toEqual([]);
    expect(tick(held, SOURCE, state, T0 + 60 * MINUTE, NO_GRACE).signals).toEqual([]);
    // A station reporting every 20 minutes: the breach is known to have held at minute 20.
    const fired = evaluate(held, SOURCE, state, at(20, 130));
    expect(fired.signals.map((s) => [s.kind, s.value, s.at])).toEqual([["open", 130, T0 + 20 * MINUTE]]);
  });

  it("accepts the 'duration' spelling", () => {
    const spelled = rule({ condition: { type: "duration", below: 4, seconds: 600 } });
    expect(run(spelled, [at(0, 3), at(9, 3)]).kinds).toEqual([]);
    expect(run(spelled, [at(0, 3), at(9, 3), at(10, 3)]).kinds).toEqual(["open:major"]);
  });

  it("clears at once when the clear condition holds (no duration for clearing)", () => {
    expect(run(held, [at(0, 120), at(15, 120), at(16, 99)]).kinds).toEqual(["open:major", "clear:major"]);
  });
});

describe("repeat", () => {
  const r = rule({ condition: { type: "repeat", above: 100, count: 3 } });

  it("opens on the Nth consecutive breach and resets on a good reading", () => {
    expect(run(r, series(101, 101, 50, 101, 101)).kinds).toEqual([]);
    expect(run(r, series(101, 101, 101)).kinds).toEqual(["open:major"]);
  });

  it("does not count a redelivered reading (same time) twice", () => {
    expect(run(r, [at(0, 101), at(1, 101), at(1, 101)]).kinds).toEqual([]);
    expect(run(r, [at(0, 101), at(1, 101), at(1, 101), at(2, 101)]).kinds).toEqual(["open:major"]);
  });

  it("clears on one reading past the clear level", () => {
    expect(run(r, series(101, 101, 101, 101, 99)).kinds).toEqual(["open:major", "clear:major"]);
  });
});

describe("rate of change", () => {
  const rising = rule({
    metric: "water_level",
    condition: { type: "rate", risesBy: 0.5, windowSeconds: 3600 },
  });

  it("opens when the value rises by more than X within the hour, and clears when the rise slows", () => {
    const samples = [0, 15, 30, 45].map((m, i) => at(m, 1 + i * 0.2));
    expect(run(rising, samples).kinds).toEqual(["open:major"]);
    expect(run(rising, [...samples, at(120, 1.6)]).kinds).toEqual(["open:major", "clear:major"]);
  });

  it("ignores a slow rise spread over more than the window", () => {
    expect(
      run(
        rising,
        [0, 70, 140].map((m, i) => at(m, 1 + i * 0.4)),
      ).kinds,
    ).toEqual([]);
  });

  it("watches falls with fallsBy, and clears below its own clear level", () => {
    const falling = rule({ metric: "do", condition: { type: "rate", fallsBy: 2, clearBelow: 0.5 } });
    // 8 → 5.5 within the hour: a fall of 2.5; later the change over the last hour is a fall of 1, then 0.
    const kinds = run(falling, [at(0, 8), at(30, 5.5), at(70, 5), at(120, 5)]).kinds;
    expect(kinds).toEqual(["open:major", "clear:major"]);
    expect(run(falling, [at(0, 8), at(30, 5.5), at(70, 4.5)]).kinds).toEqual(["open:major"]);
  });

  it("escalates on the size of the change, not on the value", () => {
    const r = rule({
      metric: "water_level",
      condition: { type: "rate", risesBy: 0.5 },
      severity: "minor",
      escalation: [{ severity: "critical", above: 1 }],
    });
    expect(run(r, [at(0, 10), at(10, 10.6), at(20, 11.2)]).kinds).toEqual([
      "open:minor",
      "escalate:critical",
    ]);
  });

  it("keeps a long window thinned but spanning its whole length", () => {
    const long = rule({
      metric: "water_level",
      condition: { type: "rate", risesBy: 5, windowSeconds: 86_400 },
    });
    const samples = Array.from({ length: 1440 }, (_, i) => at(i, i * 0.004)); // one a minute for a day
    const { state, kinds } = run(long, samples);
    expect(kinds).toEqual(["open:major"]);
    expect(state.window?.length).toBeLessThanOrEqual(120);
    expect(state.window?.[0]?.[0]).toBeLessThan(T0 + 60 * MINUTE);
  });
});

describe("no data", () => {
  const silent = rule({ condition: { type: "nodata", seconds: 600 } });
  const context: TickContext = { startedAt: T0, graceMs: 300_000 };

  it("stays quiet during the grace period after a start, then fires for a silent station", () => {
    const stale: EvaluationState = { active: false, lastSeen: T0 - 3_600_000, lastHeardAt: T0 - 3_600_000 };
    expect(tick(silent, SOURCE, stale, T0 + MINUTE, context).signals).toEqual([]);
    expect(tick(silent, SOURCE, stale, T0 + 299_999, context).signals).toEqual([]);
    const fired = tick(silent, SOURCE, stale, T0 + 300_000, context);
    expect(fired.signals.map((s) => [s.kind, s.value])).toEqual([["open", null]]);
  });

  it("counts a never-heard station from the start, and clears on its first reading", () => {
    const never = initialState();
    expect(tick(silent, SOURCE, never, T0 + 600_000, context).signals).toEqual([]);
    const fired = tick(silent, SOURCE, never, T0 + 600_001, context);
    expect(fired.signals).toHaveLength(1);
    const back = evaluate(silent, SOURCE, fired.state, { ts: T0 + 700_000, value: 12 });
    expect(back.signals.map((s) => [s.kind, s.value])).toEqual([["clear", 12]]);
  });

  it("does not fire for a station that keeps sending", () => {
    let state = initialState();
    for (let m = 0; m < 60; m += 5) {
      state = evaluate(silent, SOURCE, state, at(m, 10)).state;
      expect(tick(silent, SOURCE, state, T0 + (m + 4) * MINUTE, context).signals).toEqual([]);
    }
  });

  it("counts silence from the end of maintenance", () => {
    const stale: EvaluationState = { active: false, lastHeardAt: T0 - 3_600_000 };
    const since = { ...context, watchingSince: T0 + 10 * MINUTE };
    expect(tick(silent, SOURCE, stale, T0 + 20 * MINUTE, since).signals).toEqual([]);
    expect(tick(silent, SOURCE, stale, T0 + 20 * MINUTE + 1, since).signals).toHaveLength(1);
  });

  it("clears on a late backlog reading when it arrives, never before the alert opened", () => {
    const fired = tick(silent, SOURCE, { active: false, lastHeardAt: T0 }, T0 + 20 * MINUTE, NO_GRACE);
    const back = evaluate(silent, SOURCE, fired.state, at(1, 5), { receivedAt: T0 + 21 * MINUTE });
    expect(back.signals.map((s) => [s.kind, s.at])).toEqual([["clear", T0 + 21 * MINUTE]]);
    const early = evaluate(silent, SOURCE, fired.state, at(1, 5));
    expect(early.signals.map((s) => [s.kind, s.at])).toEqual([["clear", T0 + 20 * MINUTE]]);
  });

  it("counts a station's silence from a state kept before arrival times were, from the start", () => {
    const kept: EvaluationState = { active: false, lastSeen: T0 - 3_600_000 };
    expect(tick(silent, SOURCE, kept, T0 + 600_000, context).signals).toEqual([]);
    expect(tick(silent, SOURCE, kept, T0 + 600_001, context).signals).toHaveLength(1);
  });
});

describe("severity ladder", () => {
  it("escalates while active and never de-escalates", () => {
    const r = rule({
      condition: { type: "threshold", above: 100, clearBelow: 80 },
      severity: "minor",
      escalation: [
        { severity: "major", above: 150 },
        { severity: "critical", above: 250 },
      ],
    });
    expect(run(r, series(120, 160, 140, 300, 200, 70)).kinds).toEqual([
      "open:minor",
      "escalate:major",
      "escalate:critical",
      "clear:critical",
    ]);
  });

  it("opens directly at the severity the value has reached", () => {
    const r = rule({
      condition: { type: "threshold", above: 100 },
      severity: "minor",
      escalation: [{ severity: "critical", above: 250 }],
    });
    expect(run(r, series(300)).kinds).toEqual(["open:critical"]);
  });

  it("escalates downwards conditions with 'below' steps", () => {
    const r = rule({
      metric: "do",
      condition: { type: "threshold", below: 4 },
      severity: "minor",
      escalation: [{ severity: "critical", below: 2 }],
    });
    expect(run(r, series(3, 1.5)).kinds).toEqual(["open:minor", "escalate:critical"]);
  });
});

describe("cooldown", () => {
  const r = rule({ condition: { type: "threshold", above: 100 }, cooldownSeconds: 300 });

  it("does not reopen within the cooldown after a clear", () => {
    expect(run(r, [at(0, 120), at(1, 50), at(2, 120), at(6, 120), at(7, 120)]).kinds).toEqual([
      "open:major",
      "clear:major",
      "open:major",
    ]);
  });

  it("opens with the first reading after the cooldown while the breach still holds, not with a tick", () => {
    const { state, kinds } = run(r, [at(0, 120), at(1, 50), at(2, 120)]);
    expect(kinds).toEqual(["open:major", "clear:major"]);
    expect(tick(r, SOURCE, state, T0 + 6 * MINUTE, NO_GRACE).signals).toEqual([]);
    expect(run(r, [at(5, 120)], state).kinds).toEqual([]);
    const opened = evaluate(r, SOURCE, state, at(6, 120));
    expect(opened.signals.map((s) => [s.kind, s.at])).toEqual([["open", T0 + 6 * MINUTE]]);
  });

  it("runs from an operator's resolve, placed right after the newest reading, whatever the clock", () => {
    const { state } = run(r, [at(0, 120)]);
    for (const resolvedAt of [T0 + MINUTE, T0 + 60 * MINUTE]) {
      const resolved = afterResolve(r, state, resolvedAt);
      expect(run(r, [at(2, 120)], resolved).kinds).toEqual([]);
      expect(run(r, [at(4, 120), at(5, 120)], resolved).kinds).toEqual(["open:major"]);
    }
  });

  it("runs on the clock after resolving a no-data alert", () => {
    const silent = rule({ condition: { type: "nodata", seconds: 600 }, cooldownSeconds: 300 });
    const fired = tick(silent, SOURCE, { active: false, lastHeardAt: T0 }, T0 + 11 * MINUTE, NO_GRACE);
    const resolved = afterResolve(silent, fired.state, T0 + 12 * MINUTE);
    expect(tick(silent, SOURCE, resolved, T0 + 16 * MINUTE, NO_GRACE).signals).toEqual([]);
    expect(tick(silent, SOURCE, resolved, T0 + 17 * MINUTE, NO_GRACE).signals).toHaveLength(1);
  });
});

describe("schedule", () => {
  const iso = (text: string) => Date.parse(text);
  const office = rule({
    condition: { type: "threshold", above: 100 },
    schedule: { days: [1, 2, 3, 4, 5], from: "08:00", to: "09:00" },
  });

  it("opens nothing outside the schedule, but an open alert still clears", () => {
    const outside = { ts: iso("2026-11-23T03:00:00Z"), value: 150 }; // Monday 10:00
    expect(run(office, [outside]).kinds).toEqual([]);
    const inside = at(1, 150); // Monday 08:01
    expect(run(office, [inside, { ts: iso("2026-11-23T03:00:00Z"), value: 50 }]).kinds).toEqual([
      "open:major",
      "clear:major",
    ]);
  });

  it("keeps an open alert open when the schedule ends", () => {
    const later = { ts: iso("2026-11-23T05:00:00Z"), value: 150 }; // Monday 12:00, still high
    expect(run(office, [at(1, 150), later]).kinds).toEqual(["open:major"]);
  });

  it("opens with the first reading inside the schedule when a breach was already holding", () => {
    const held = rule({
      condition: { type: "threshold", above: 100, forSeconds: 1800 },
      schedule: { days: [1, 2, 3, 4, 5], from: "08:00", to: "09:00" },
    });
    const sundayNight = [
      { ts: iso("2026-11-22T16:00:00Z"), value: 150 }, // Sunday 23:00
      { ts: iso("2026-11-23T00:59:59Z"), value: 150 }, // Monday 07:59:59
    ];
    const { state, kinds } = run(held, sundayNight);
    expect(kinds).toEqual([]);
    expect(tick(held, SOURCE, state, iso("2026-11-23T01:00:00Z"), NO_GRACE).signals).toEqual([]); // 08:00
    const opened = evaluate(held, SOURCE, state, { ts: iso("2026-11-23T01:00:30Z"), value: 150 });
    expect(opened.signals.map((s) => [s.kind, s.at])).toEqual([["open", iso("2026-11-23T01:00:30Z")]]);
  });
});

describe("time line of a source", () => {
  const pm = rule({ condition: { type: "threshold", above: 100 } });

  it("does not re-run history for a reading older than the newest one evaluated", () => {
    const { state } = run(pm, [at(10, 50)]);
    const late = evaluate(pm, SOURCE, state, at(5, 500));
    expect(late.signals).toEqual([]);
    expect(late.state).toEqual(state);
  });

  it("keeps its state as plain JSON: a restored state continues exactly where it was", () => {
    const held = rule({ condition: { type: "threshold", above: 100, forSeconds: 900 } });
    const { state } = run(held, [at(0, 120), at(10, 120)]);
    const restored = JSON.parse(JSON.stringify(state)) as EvaluationState;
    expect(restored).toEqual(state);
    expect(run(held, [at(15, 120)], restored).kinds).toEqual(["open:major"]);
  });
});

describe("one time base: the readings' own times, the clock only for no data (issue 11)", () => {
  // The minimal rule: above 100, clear below 80, the default cooldown of 300 s.
  const pm: AlertRule = { ...minimalRule(), id: 1, version: 1, enabled: true };
  const T = T0 - 30 * MINUTE;
  const now = T0;

  /** A backlog that arrives now, stamped 30 minutes ago. */
  function backlog(values: readonly [number, number][]) {
    let state = initialState();
    const signals: [string, number][] = [];
    for (const [offsetMs, value] of values) {
      const result = evaluate(pm, SOURCE, state, { ts: T + offsetMs, value }, { receivedAt: now });
      state = result.state;
      signals.push(...result.signals.map((s): [string, number] => [s.kind, s.at]));
    }
    return { state, signals };
  }

  it("a backlog stamped 30 minutes ago opens no alert at the clock's time, however late the tick", () => {
    const { state, signals } = backlog([
      [0, 150],
      [10_000, 50],
      [20_000, 150],
    ]);
    expect(signals).toEqual([
      ["open", T],
      ["clear", T + 10_000],
    ]);
    for (const later of [now, now + MINUTE, now + 60 * MINUTE]) {
      expect(tick(pm, SOURCE, state, later, NO_GRACE).signals).toEqual([]);
    }
    // The cooldown runs on the readings' time line: the breach opens with the first reading after it.
    expect(evaluate(pm, SOURCE, state, { ts: T + 300_000, value: 150 }).signals).toEqual([]);
    const opened = evaluate(pm, SOURCE, state, { ts: T + 310_000, value: 150 }, { receivedAt: now });
    expect(opened.signals.map((s) => [s.kind, s.at, s.value])).toEqual([["open", T + 310_000, 150]]);
  });

  it("a duration completes with a reading stamped at its end, never with the clock", () => {
    const held = rule({ condition: { type: "threshold", above: 100, forSeconds: 900 } });
    let state = initialState();
    for (const minute of [0, 5, 10]) {
      state = evaluate(held, SOURCE, state, at(minute, 150), { receivedAt: T0 + 60 * MINUTE }).state;
    }
    expect(tick(held, SOURCE, state, T0 + 60 * MINUTE, NO_GRACE).signals).toEqual([]);
    const fired = evaluate(held, SOURCE, state, at(15, 150), { receivedAt: T0 + 60 * MINUTE });
    expect(fired.signals.map((s) => [s.kind, s.at])).toEqual([["open", T0 + 15 * MINUTE]]);
  });

  it("no data counts silence on the clock, from when a sample last arrived, whatever its stamp", () => {
    // Hourly AQI is stamped with the start of its hour and arrives after the hour has closed.
    const silent = rule({ metric: "aqi", condition: { type: "nodata", seconds: 5400 } });
    const heard = evaluate(
      silent,
      SOURCE,
      initialState(),
      { ts: T0 - 65 * MINUTE, value: 80 },
      { receivedAt: T0 },
    );
    expect(tick(silent, SOURCE, heard.state, T0 + 90 * MINUTE, NO_GRACE).signals).toEqual([]);
    const fired = tick(silent, SOURCE, heard.state, T0 + 90 * MINUTE + 1, NO_GRACE);
    expect(fired.signals.map((s) => [s.kind, s.at])).toEqual([["open", T0 + 90 * MINUTE + 1]]);
    // A sample clears it when it arrives, stamped however long ago.
    const back = evaluate(
      silent,
      SOURCE,
      fired.state,
      { ts: T0 + 35 * MINUTE, value: 90 },
      { receivedAt: T0 + 95 * MINUTE },
    );
    expect(back.signals.map((s) => [s.kind, s.at])).toEqual([["clear", T0 + 95 * MINUTE]]);
  });
});

describe("rule versions", () => {
  it("starts the progress afresh under a new version but keeps an open alert", () => {
    const v1 = rule({ condition: { type: "repeat", above: 100, count: 3 } }, 1, 1);
    const v2 = rule({ condition: { type: "repeat", above: 100, count: 3 } }, 1, 2);
    const { state } = run(v1, series(101, 101));
    expect(run(v2, [at(2, 101)], state).kinds).toEqual([]);
    expect(run(v2, [at(2, 101), at(3, 101), at(4, 101)], state).kinds).toEqual(["open:major"]);

    const open = run(v1, series(101, 101, 101)).state;
    const raised = rule({ condition: { type: "threshold", above: 200, clearBelow: 120 } }, 1, 2);
    expect(run(raised, [at(5, 150)], open).kinds).toEqual([]);
    expect(run(raised, [at(6, 110)], open).kinds).toEqual(["clear:major"]);
  });
});

describe("muted stations (maintenance)", () => {
  const pm = rule({
    condition: { type: "repeat", above: 100, count: 2 },
    escalation: [{ severity: "critical", above: 300 }],
  });

  it("opens nothing and keeps no progress, so nothing opens the moment maintenance ends", () => {
    let state = initialState();
    for (const sample of series(150, 150, 150)) {
      const result = evaluate(pm, SOURCE, state, sample, { muted: true });
      expect(result.signals).toEqual([]);
      state = result.state;
    }
    expect(state.streak).toBeUndefined();
    expect(run(pm, [at(3, 150)], state).kinds).toEqual([]);
    expect(run(pm, [at(3, 150), at(4, 150)], state).kinds).toEqual(["open:major"]);
  });

  it("lets an open alert clear but not escalate", () => {
    const { state } = run(pm, series(150, 150));
    expect(evaluate(pm, SOURCE, state, at(3, 400), { muted: true }).signals).toEqual([]);
    const cleared = evaluate(pm, SOURCE, state, at(3, 50), { muted: true });
    expect(cleared.signals.map((s) => s.kind)).toEqual(["clear"]);
  });
});

describe("withdrawal", () => {
  it("clears an open alert with no value when the rule stops watching the source", () => {
    const pm = rule({ condition: { type: "threshold", above: 100 } });
    const { state } = run(pm, series(150));
    const result = withdraw(pm, SOURCE, state, T0 + 5 * MINUTE);
    expect(result.signals.map((s) => [s.kind, s.value, s.at])).toEqual([["clear", null, T0 + 5 * MINUTE]]);
    expect(result.state).toEqual(initialState());
    expect(withdraw(pm, SOURCE, result.state, T0 + 6 * MINUTE).signals).toEqual([]);
  });
});
