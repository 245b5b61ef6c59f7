import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MINIMAL_RULE } from "../../test/support/rule-fixture.js";
import { describeRuleProblems, ruleDefinitionSchema } from "./rule.js";

const base = { name: "r", metric: "pm25", severity: "major", audience: "operators" };

function problems(input: unknown): string[] {
  const result = ruleDefinitionSchema.safeParse(input);
  return result.success ? [] : describeRuleProblems(result.error);
}

describe("rule definitions", () => {
  it("accepts the issue's minimal rule as written, filling the defaults", () => {
    const parsed = ruleDefinitionSchema.parse(MINIMAL_RULE);
    expect(parsed).toEqual({ ...MINIMAL_RULE, cooldownSeconds: 300 });
  });

  it("accepts the full model", () => {
    const full = {
      name: "Mực nước sông Vàm Cỏ Đông",
      metric: "flood_level",
      scope: { kind: "water_level" },
      condition: { type: "duration", above: 0, seconds: 900 },
      severity: "minor",
      escalation: [
        { severity: "major", above: 1 },
        { severity: "critical", above: 2 },
      ],
      schedule: { days: [1, 2, 3, 4, 5], from: "07:30", to: "17:00" },
      audience: "public",
      message: { vi: "{station}: {value}", en: "{station}: {value}" },
      cooldownSeconds: 600,
    };
    expect(problems(full)).toEqual([]);
  });

  it.each([[{ device: "tn-air-001" }], [{ kind: "air" }], [{ area: "25747" }], [{}], [{ all: true }]])(
    "accepts the scope %j",
    (scope) => {
      expect(problems({ ...MINIMAL_RULE, scope })).toEqual([]);
    },
  );

  it("takes no scope to mean everything", () => {
    const { scope: _omitted, ...rest } = MINIMAL_RULE;
    expect(ruleDefinitionSchema.parse(rest).scope).toEqual({});
  });

  it.each([
    ["threshold below with clearAbove", { type: "threshold", below: 4, clearAbove: 5 }],
    ["threshold held for a while", { type: "threshold", above: 100, forSeconds: 900 }],
    ["duration", { type: "duration", above: 100, seconds: 900 }],
    ["repeat", { type: "repeat", above: 100, count: 3 }],
    ["rate rising", { type: "rate", risesBy: 0.5 }],
    [
      "rate falling with a window and clear level",
      { type: "rate", fallsBy: 2, windowSeconds: 1800, clearBelow: 1 },
    ],
    ["no data", { type: "nodata", seconds: 600 }],
  ])("accepts a %s condition", (_what, condition) => {
    expect(problems({ ...base, condition })).toEqual([]);
  });

  it("accepts a whole-day schedule and one that ends at midnight", () => {
    const condition = { type: "threshold", above: 1 };
    expect(problems({ ...base, condition, schedule: { days: [6, 7] } })).toEqual([]);
    expect(problems({ ...base, condition, schedule: { from: "18:00", to: "24:00" } })).toEqual([]);
  });

  it("defaults the rate window to an hour and the hold to nothing", () => {
    const rate = ruleDefinitionSchema.parse({ ...base, condition: { type: "rate", risesBy: 1 } });
    expect(rate.condition).toEqual({ type: "rate", risesBy: 1, windowSeconds: 3600 });
    const threshold = ruleDefinitionSchema.parse({ ...base, condition: { type: "threshold", above: 1 } });
    expect(threshold.condition).toEqual({ type: "threshold", above: 1, forSeconds: 0 });
  });

  it("converts to JSON Schema for the API documentation", () => {
    expect(() => z.toJSONSchema(ruleDefinitionSchema, { io: "input" })).not.toThrow();
  });
});

describe("garbage rules are refused with readable messages", () => {
  it.each([
    ["null", null, "a rule must be a JSON object"],
    ["an array", [MINIMAL_RULE], "a rule must be a JSON object"],
    ["a string", "PM2.5 high", "a rule must be a JSON object"],
    ["nothing in it", {}, "name: name is required"],
    ["no condition", { ...base }, "condition: condition is required"],
    ["a condition that is a string", { ...base, condition: "above 100" }, "condition must be an object"],
    [
      "an unknown condition type",
      { ...base, condition: { type: "sometimes" } },
      "condition.type must be one of",
    ],
    [
      "both above and below",
      { ...base, condition: { type: "threshold", above: 100, below: 5 } },
      "exactly one of 'above' or 'below'",
    ],
    [
      "neither above nor below",
      { ...base, condition: { type: "threshold" } },
      "exactly one of 'above' or 'below'",
    ],
    [
      "a number as text",
      { ...base, condition: { type: "threshold", above: "100" } },
      "condition.above: above must be a number",
    ],
    [
      "a clear level beyond the trigger",
      { ...base, condition: { type: "threshold", above: 100, clearBelow: 120 } },
      "clearBelow (120) must not exceed above (100)",
    ],
    [
      "a clear level on the wrong side",
      { ...base, condition: { type: "threshold", below: 4, clearAbove: 3 } },
      "clearAbove (3) must not be under below (4)",
    ],
    [
      "clearAbove with above",
      { ...base, condition: { type: "threshold", above: 4, clearAbove: 5 } },
      "'clearAbove' goes with 'below'",
    ],
    [
      "negative seconds",
      { ...base, condition: { type: "threshold", above: 4, forSeconds: -1 } },
      "forSeconds must not be negative",
    ],
    [
      "fractional seconds",
      { ...base, condition: { type: "duration", above: 4, seconds: 1.5 } },
      "seconds must be whole seconds",
    ],
    [
      "a repeat of one",
      { ...base, condition: { type: "repeat", above: 4, count: 1 } },
      "count must be at least 2",
    ],
    [
      "a rate both ways",
      { ...base, condition: { type: "rate", risesBy: 1, fallsBy: 1 } },
      "exactly one of 'risesBy' or 'fallsBy'",
    ],
    ["a negative rise", { ...base, condition: { type: "rate", risesBy: -1 } }, "risesBy must be positive"],
    [
      "a rate window under a minute",
      { ...base, condition: { type: "rate", risesBy: 1, windowSeconds: 10 } },
      "windowSeconds must be at least 60",
    ],
    [
      "a tiny no-data time",
      { ...base, condition: { type: "nodata", seconds: 1 } },
      "seconds must be at least 10",
    ],
    ["an unknown key", { ...MINIMAL_RULE, colour: "red" }, 'Unrecognized key: "colour"'],
    [
      "an unknown metric",
      { ...MINIMAL_RULE, metric: "radon" },
      "metric must be a catalogue metric or one of aqi, flood_level",
    ],
    ["an empty name", { ...MINIMAL_RULE, name: "   " }, "name must not be empty"],
    [
      "an unknown severity",
      { ...MINIMAL_RULE, severity: "apocalyptic" },
      "severity must be one of minor, major, critical",
    ],
    [
      "an unknown audience",
      { ...MINIMAL_RULE, audience: "everyone" },
      "audience must be one of operators, public",
    ],
    [
      "two scopes",
      { ...MINIMAL_RULE, scope: { device: "a", area: "b" } },
      "scope takes one of device, kind, area or all",
    ],
    ["an unknown kind", { ...MINIMAL_RULE, scope: { kind: "volcano" } }, "scope.kind must be one of"],
    [
      "a bad device id",
      { ...MINIMAL_RULE, scope: { device: "a/b" } },
      "scope.device is not a valid device id",
    ],
    ["all: false", { ...MINIMAL_RULE, scope: { all: false } }, "scope.all can only be true"],
    [
      "an hour past 24",
      { ...MINIMAL_RULE, schedule: { from: "25:00", to: "06:00" } },
      "schedule.from must be a time HH:MM",
    ],
    [
      "from without to",
      { ...MINIMAL_RULE, schedule: { from: "08:00" } },
      "schedule needs both 'from' and 'to'",
    ],
    [
      "from equal to to",
      { ...MINIMAL_RULE, schedule: { from: "08:00", to: "08:00" } },
      "leave both out for the whole day",
    ],
    ["day 0", { ...MINIMAL_RULE, schedule: { days: [0] } }, "schedule.days are 1 (Monday) to 7 (Sunday)"],
    ["no days", { ...MINIMAL_RULE, schedule: { days: [] } }, "schedule.days must name at least one day"],
    [
      "an escalation that is not more severe",
      { ...MINIMAL_RULE, escalation: [{ severity: "minor", above: 150 }] },
      "more severe than the rule's major",
    ],
    [
      "an escalation the wrong way",
      { ...MINIMAL_RULE, escalation: [{ severity: "critical", below: 10 }] },
      "escalation steps of this rule use 'above'",
    ],
    [
      "an escalation without a level",
      { ...MINIMAL_RULE, escalation: [{ severity: "critical" }] },
      "exactly one of 'above' or 'below'",
    ],
    [
      "an escalating no-data rule",
      {
        ...base,
        condition: { type: "nodata", seconds: 60 },
        escalation: [{ severity: "critical", above: 1 }],
      },
      "a no-data rule cannot escalate",
    ],
    ["an empty template", { ...MINIMAL_RULE, message: { vi: "", en: "x" } }, "message.vi must not be empty"],
    ["one language only", { ...MINIMAL_RULE, message: { vi: "x" } }, "message.en must be text"],
    [
      "a cooldown over a day",
      { ...MINIMAL_RULE, cooldownSeconds: 100_000 },
      "cooldownSeconds must be at most 86400",
    ],
  ])("refuses %s", (_what, input, message) => {
    const found = problems(input);
    expect(found.length).toBeGreaterThan(0);
    expect(found.join("; ")).toContain(message);
  });

  it("reports every problem at once, each with its path", () => {
    expect(
      problems({
        name: "a",
        metric: "pm25",
        condition: { type: "threshold", above: "x" },
        severity: 1,
        audience: "all",
      }),
    ).toEqual([
      "condition.above: above must be a number",
      "severity: severity must be one of minor, major, critical",
      "audience: audience must be one of operators, public",
    ]);
  });
});
