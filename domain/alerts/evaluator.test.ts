import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EvaluationState, evaluate, initialState, type Sample, tick } from "./evaluator.js";
import { type AlertRule, type RuleDefinitionInput, ruleDefinitionSchema } from "./rule.js";
import { buildRuleIndex } from "./rule-index.js";
import { withinSchedule } from "./schedule.js";

const T0 = Date.parse("2026-11-23T01:00:00Z"); // Monday 08:00 in Asia/Ho_Chi_Minh
const SOURCE = "tn-air-001";

function rule(
  definition: Partial<RuleDefinitionInput> & Pick<RuleDefinitionInput, "condition">,
  id = 1,
): AlertRule {
  const parsed = ruleDefinitionSchema.parse({
    name: "test rule",
    metric: "pm25",
    severity: "major",
    audience: "operators",
    cooldownSeconds: 0,
    ...definition,
  });
  return { ...parsed, id, version: 1, enabled: true };
}

/** Feeds samples one by one and returns the signal kinds in order. */
function run(r: AlertRule, samples: readonly Sample[], start: EvaluationState = initialState()) {
  let state = start;
  const kinds: string[] = [];
  for (const sample of samples) {
    const result = evaluate(r, SOURCE, state, sample);
    state = result.state;
    kinds.push(...result.signals.map((s) => `${s.kind}:${s.severity}`));
  }
  return { state, kinds };
}

const series = (...values: number[]): Sample[] => values.map((value, i) => ({ ts: T0 + i * 60_000, value }));

describe("threshold with hysteresis", () => {
  const pm = rule({ condition: { type: "threshold", above: 100, clearBelow: 80 } });

  it("opens above the level and clears only below the clear level", () => {
    expect(run(pm, series(50, 101, 95, 85, 79, 50)).kinds).toEqual(["open:major", "clear:major"]);
  });

  it("raises nothing for a value flapping inside the band", () => {
    expect(run(pm, series(101, 90, 99, 81, 99, 85, 100, 81)).kinds).toEqual(["open:major"]);
  });

  it("opens a new alert for a new breach after clearing", () => {
    expect(run(pm, series(120, 70, 120)).kinds).toEqual(["open:major", "clear:major", "open:major"]);
  });

  it("works downwards with clearAbove", () => {
    const oxygen = rule({ metric: "do", condition: { type: "threshold", below: 4, clearAbove: 5 } });
    expect(run(oxygen, series(6, 3.9, 4.5, 5.1)).kinds).toEqual(["open:major", "clear:major"]);
  });
});

describe("duration", () => {
  const held = rule({ condition: { type: "threshold", above: 100, forSeconds: 900 } });

  it("opens only once the level has held for the whole duration", () => {
    const samples = [0, 5, 10, 14].map((m) => ({ ts: T0 + m * 60_000, value: 120 }));
    expect(run(held, samples).kinds).toEqual([]);
    expect(run(held, [...samples, { ts: T0 + 15 * 60_000, value: 120 }]).kinds).toEqual(["open:major"]);
  });

  it("starts counting again when the value drops back", () => {
    const samples = [
      { ts: T0, value: 120 },
      { ts: T0 + 10 * 60_000, value: 90 },
      { ts: T0 + 16 * 60_000, value: 120 },
    ];
    expect(run(held, samples).kinds).toEqual([]);
  });

  it("fires on a tick when the duration completes without a new reading", () => {
    const { state } = run(held, [{ ts: T0, value: 120 }]);
    const context = { startedAt: T0, graceMs: 0 };
    expect(tick(held, SOURCE, state, T0 + 14 * 60_000, context).signals).toEqual([]);
    const fired = tick(held, SOURCE, state, T0 + 15 * 60_000, context);
    expect(fired.signals.map((s) => s.kind)).toEqual(["open"]);
    expect(fired.signals[0]?.value).toBe(120);
  });

  it("accepts the 'duration' spelling", () => {
    const spelled = rule({ condition: { type: "duration", above: 100, seconds: 600 } });
    expect(run(spelled, series(120, 120, 120, 120, 120, 120, 120, 120, 120, 120, 120)).kinds).toEqual([
      "open:major",
    ]);
  });
});

describe("repeat", () => {
  it("opens on the Nth consecutive breach and resets on a good reading", () => {
    const r = rule({ condition: { type: "repeat", above: 100, count: 3 } });
    expect(run(r, series(101, 101, 50, 101, 101)).kinds).toEqual([]);
    expect(run(r, series(101, 101, 101)).kinds).toEqual(["open:major"]);
  });
});

describe("rate of change", () => {
  const rising = rule({
    metric: "water_level",
    condition: { type: "rate", risesBy: 0.5, windowSeconds: 3600 },
  });

  it("opens when the value rises by more than X within the hour, and clears when the rise slows", () => {
    const samples = [0, 15, 30, 45].map((m, i) => ({ ts: T0 + m * 60_000, value: 1 + i * 0.2 }));
    expect(run(rising, samples).kinds).toEqual(["open:major"]);
    const later = [...samples, { ts: T0 + 120 * 60_000, value: 1.6 }];
    expect(run(rising, later).kinds).toEqual(["open:major", "clear:major"]);
  });

  it("ignores a slow rise spread over more than the window", () => {
    const samples = [0, 70, 140].map((m, i) => ({ ts: T0 + m * 60_000, value: 1 + i * 0.4 }));
    expect(run(rising, samples).kinds).toEqual([]);
  });
});

describe("no data", () => {
  const silent = rule({ condition: { type: "nodata", seconds: 600 } });
  const context = { startedAt: T0, graceMs: 300_000 };

  it("stays quiet during the grace period after a start, then fires for a silent station", () => {
    const stale: EvaluationState = { active: false, lastSeen: T0 - 3_600_000 };
    expect(tick(silent, SOURCE, stale, T0 + 60_000, context).signals).toEqual([]);
    const fired = tick(silent, SOURCE, stale, T0 + 300_000, context);
    expect(fired.signals.map((s) => [s.kind, s.value])).toEqual([["open", null]]);
  });

  it("counts a never-heard station from the start, and clears on its first reading", () => {
    const never = initialState();
    expect(tick(silent, SOURCE, never, T0 + 599_000, context).signals).toEqual([]);
    const fired = tick(silent, SOURCE, never, T0 + 601_000, context);
    expect(fired.signals).toHaveLength(1);
    const back = evaluate(silent, SOURCE, fired.state, { ts: T0 + 700_000, value: 12 });
    expect(back.signals.map((s) => s.kind)).toEqual(["clear"]);
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
});

describe("cooldown", () => {
  it("does not reopen within the cooldown after a clear", () => {
    const r = rule({ condition: { type: "threshold", above: 100 }, cooldownSeconds: 300 });
    const samples = [
      { ts: T0, value: 120 },
      { ts: T0 + 60_000, value: 50 },
      { ts: T0 + 120_000, value: 120 },
      { ts: T0 + 400_000, value: 120 },
    ];
    expect(run(r, samples).kinds).toEqual(["open:major", "clear:major", "open:major"]);
  });
});

describe("schedule in Asia/Ho_Chi_Minh", () => {
  const at = (iso: string) => Date.parse(iso);

  it("reads hours and weekdays in UTC+7", () => {
    const office = { days: [1, 2, 3, 4, 5], from: "07:30", to: "17:00" };
    expect(withinSchedule(office, at("2026-11-23T00:30:00Z"))).toBe(true); // Mon 07:30
    expect(withinSchedule(office, at("2026-11-23T00:29:00Z"))).toBe(false); // Mon 07:29
    expect(withinSchedule(office, at("2026-11-23T10:00:00Z"))).toBe(false); // Mon 17:00
    expect(withinSchedule(office, at("2026-11-22T03:00:00Z"))).toBe(false); // Sun 10:00
  });

  it("spans midnight, counting the early hours to the evening's day", () => {
    const night = { days: [5], from: "22:00", to: "05:00" }; // Friday night
    expect(withinSchedule(night, at("2026-11-27T15:30:00Z"))).toBe(true); // Fri 22:30
    expect(withinSchedule(night, at("2026-11-27T20:00:00Z"))).toBe(true); // Sat 03:00
    expect(withinSchedule(night, at("2026-11-28T20:00:00Z"))).toBe(false); // Sun 03:00
  });

  it("opens nothing outside the schedule, but clears an open alert", () => {
    const r = rule({
      condition: { type: "threshold", above: 100 },
      schedule: { from: "08:00", to: "09:00" },
    });
    const outside = { ts: at("2026-11-23T03:00:00Z"), value: 150 }; // 10:00
    expect(run(r, [outside]).kinds).toEqual([]);
    const inside = { ts: T0 + 60_000, value: 150 }; // 08:01
    expect(run(r, [inside, { ts: at("2026-11-23T03:00:00Z"), value: 50 }]).kinds).toEqual([
      "open:major",
      "clear:major",
    ]);
  });
});

describe("rule index", () => {
  it("hands a reading only the rules on its metric and in its scope", () => {
    const rules: AlertRule[] = [];
    for (let i = 0; i < 1000; i++) {
      rules.push(rule({ metric: "no2", condition: { type: "threshold", above: 100 } }, i + 10));
      rules.push(
        rule({ scope: { device: `other-${i}` }, condition: { type: "threshold", above: 100 } }, i + 5000),
      );
    }
    const mine = rule({ scope: { device: SOURCE }, condition: { type: "threshold", above: 100 } }, 1);
    const area = rule({ scope: { area: "tn-ward-1" }, condition: { type: "threshold", above: 100 } }, 2);
    const kind = rule({ scope: { kind: "air" }, condition: { type: "threshold", above: 100 } }, 3);
    const all = rule({ condition: { type: "threshold", above: 100 } }, 4);
    const index = buildRuleIndex([...rules, mine, area, kind, all, { ...all, id: 9, enabled: false }]);
    const found = index.rulesFor("pm25", { id: SOURCE, kind: "air", area: "tn-ward-1" });
    expect(found.map((r) => r.id).sort()).toEqual([1, 2, 3, 4]);
    expect(index.rulesFor("pm25", { id: "x", kind: "water", area: null }).map((r) => r.id)).toEqual([4]);
    expect(index.watches("temperature")).toBe(false);
  });
});

describe("rule definitions", () => {
  it("accepts the issue's minimal rule as written", () => {
    const minimal = {
      name: "PM2.5 high",
      metric: "pm25",
      scope: { device: "tn-air-001" },
      condition: { type: "threshold", above: 100, clearBelow: 80, forSeconds: 0 },
      severity: "major",
      audience: "public",
    };
    expect(ruleDefinitionSchema.safeParse(minimal).success).toBe(true);
  });

  it.each([
    [{ condition: { type: "threshold", above: 100, below: 5 } }, "exactly one of 'above' or 'below'"],
    [
      { condition: { type: "threshold", above: 100, clearBelow: 120 } },
      "clearBelow (120) must not exceed above",
    ],
    [{ condition: { type: "sometimes" } }, "condition.type must be one of"],
    [{ metric: "radon", condition: { type: "nodata", seconds: 60 } }, "metric must be a catalogue metric"],
    [{ scope: { device: "a", area: "b" }, condition: { type: "nodata", seconds: 60 } }, "scope takes one of"],
    [{ condition: { type: "nodata", seconds: 60 }, schedule: { from: "25:00", to: "06:00" } }, "HH:MM"],
    [
      { condition: { type: "nodata", seconds: 60 }, escalation: [{ severity: "minor", above: 1 }] },
      "more severe than the rule's major",
    ],
  ])("refuses %j with a readable message", (patch, message) => {
    const result = ruleDefinitionSchema.safeParse({
      name: "r",
      metric: "pm25",
      severity: "major",
      audience: "public",
      ...patch,
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join("; ")).toContain(message);
  });
});

describe("properties", () => {
  it("open and clear alternate for any sequence of values", () => {
    const r = rule({ condition: { type: "threshold", above: 100, clearBelow: 80 } });
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 200, noNaN: true }), { maxLength: 200 }), (values) => {
        const { kinds } = run(r, series(...values));
        const opensAndClears = kinds.map((k) => k.split(":")[0]).filter((k) => k === "open" || k === "clear");
        opensAndClears.forEach((kind, i) => {
          expect(kind).toBe(i % 2 === 0 ? "open" : "clear");
        });
      }),
    );
  });
});
