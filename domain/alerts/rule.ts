import { z } from "zod";
import { DEVICE_KINDS, METRIC_KEYS } from "../catalogue.js";
import { DEVICE_ID_PATTERN } from "../topics.js";

/**
 * Alert rules as the agencies enter them. A rule watches one subject (a metric of the catalogue,
 * the hourly AQI, or a water level against the station's flood alarm levels) over a scope of
 * stations, and opens one alert per station when its condition holds.
 */

export const SEVERITIES = ["minor", "major", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severityRank = (severity: Severity): number => SEVERITIES.indexOf(severity);

export const AUDIENCES = ["operators", "public"] as const;
export type Audience = (typeof AUDIENCES)[number];

/** Derived subjects: the hourly AQI of a station, and its flood alarm level 0–3 (I, II, III). */
export const DERIVED_SUBJECTS = ["aqi", "flood_level"] as const;
export const RULE_SUBJECTS = [...METRIC_KEYS, ...DERIVED_SUBJECTS] as const;
export type RuleSubject = (typeof RULE_SUBJECTS)[number];

export const DEFAULT_COOLDOWN_SECONDS = 300;
export const DEFAULT_RATE_WINDOW_SECONDS = 3600;

const finite = (what: string) => z.number({ error: `${what} must be a number` });
const seconds = (what: string, max = 30 * 86_400) =>
  z
    .number({ error: `${what} must be a number of seconds` })
    .int(`${what} must be whole seconds`)
    .min(0, `${what} must not be negative`)
    .max(max, `${what} must be at most ${max}`);

/** Above or below a level, with an optional separate level at which the alert clears (hysteresis). */
const levelFields = {
  above: finite("above").optional(),
  below: finite("below").optional(),
  /** For `above`: the value must fall below this to clear (default: `above`). */
  clearBelow: finite("clearBelow").optional(),
  /** For `below`: the value must rise above this to clear (default: `below`). */
  clearAbove: finite("clearAbove").optional(),
};

type LevelFields = { above?: number; below?: number; clearBelow?: number; clearAbove?: number };

function checkLevels(levels: LevelFields, ctx: z.RefinementCtx): void {
  const { above, below, clearBelow, clearAbove } = levels;
  if ((above === undefined) === (below === undefined)) {
    ctx.addIssue({ code: "custom", message: "condition needs exactly one of 'above' or 'below'" });
    return;
  }
  if (above !== undefined && clearAbove !== undefined) {
    ctx.addIssue({
      code: "custom",
      message: "'clearAbove' goes with 'below'; use 'clearBelow' with 'above'",
    });
  }
  if (below !== undefined && clearBelow !== undefined) {
    ctx.addIssue({
      code: "custom",
      message: "'clearBelow' goes with 'above'; use 'clearAbove' with 'below'",
    });
  }
  if (above !== undefined && clearBelow !== undefined && clearBelow > above) {
    ctx.addIssue({ code: "custom", message: `clearBelow (${clearBelow}) must not exceed above (${above})` });
  }
  if (below !== undefined && clearAbove !== undefined && clearAbove < below) {
    ctx.addIssue({
      code: "custom",
      message: `clearAbove (${clearAbove}) must not be under below (${below})`,
    });
  }
}

const thresholdCondition = z
  .strictObject({
    type: z.literal("threshold"),
    ...levelFields,
    /** The level must hold this long before the alert opens (0: at once). */
    forSeconds: seconds("forSeconds").default(0),
  })
  .superRefine(checkLevels);

/** "Holds for N seconds": a threshold with a duration, spelled as the agencies say it. */
const durationCondition = z
  .strictObject({ type: z.literal("duration"), ...levelFields, seconds: seconds("seconds").min(1) })
  .superRefine(checkLevels);

/** N consecutive readings beyond the level. */
const repeatCondition = z
  .strictObject({
    type: z.literal("repeat"),
    ...levelFields,
    count: z.number().int("count must be a whole number").min(2, "count must be at least 2").max(10_000),
  })
  .superRefine(checkLevels);

/** Rises (or falls) by more than X within a window (an hour by default). */
const rateCondition = z
  .strictObject({
    type: z.literal("rate"),
    risesBy: finite("risesBy").positive("risesBy must be positive").optional(),
    fallsBy: finite("fallsBy").positive("fallsBy must be positive").optional(),
    windowSeconds: seconds("windowSeconds", 7 * 86_400)
      .min(60)
      .default(DEFAULT_RATE_WINDOW_SECONDS),
    /** The change within the window must drop to this to clear (default: half the trigger). */
    clearAt: finite("clearAt").min(0).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.risesBy === undefined) === (c.fallsBy === undefined)) {
      ctx.addIssue({ code: "custom", message: "rate condition needs exactly one of 'risesBy' or 'fallsBy'" });
    }
  });

/** No reading for N seconds (with a grace period after the service starts). */
const noDataCondition = z.strictObject({
  type: z.literal("nodata"),
  seconds: seconds("seconds").min(10, "seconds must be at least 10"),
});

export const conditionSchema = z.discriminatedUnion(
  "type",
  [thresholdCondition, durationCondition, repeatCondition, rateCondition, noDataCondition],
  { error: "condition.type must be one of threshold, duration, repeat, rate, nodata" },
);
export type Condition = z.output<typeof conditionSchema>;

/** One device, a device kind, an area, or everything (`{}` or `{"all": true}`). */
export const scopeSchema = z
  .strictObject({
    device: z.string().regex(DEVICE_ID_PATTERN, "scope.device is not a valid device id").optional(),
    kind: z.enum(DEVICE_KINDS, { error: `scope.kind must be one of ${DEVICE_KINDS.join(", ")}` }).optional(),
    area: z.string().min(1).max(64).optional(),
    all: z.literal(true).optional(),
  })
  .refine((s) => [s.device, s.kind, s.area, s.all].filter((v) => v !== undefined).length <= 1, {
    message: "scope takes one of device, kind, area or all",
  });
export type RuleScope = z.output<typeof scopeSchema>;

/** Escalates an active alert while the value goes beyond each step. */
const escalationStep = z
  .strictObject({
    severity: z.enum(SEVERITIES),
    above: finite("above").optional(),
    below: finite("below").optional(),
  })
  .refine((s) => (s.above === undefined) !== (s.below === undefined), {
    message: "an escalation step needs exactly one of 'above' or 'below'",
  });

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "times are HH:MM, 00:00–23:59");

/** When the rule may open alerts, in Asia/Ho_Chi_Minh; `from` after `to` spans midnight. */
export const scheduleSchema = z.strictObject({
  /** ISO weekdays, 1 = Monday … 7 = Sunday; every day when absent. */
  days: z
    .array(z.number().int().min(1).max(7), { error: "days are 1 (Monday) to 7 (Sunday)" })
    .min(1)
    .optional(),
  from: clockTime,
  to: clockTime,
});
export type RuleSchedule = z.output<typeof scheduleSchema>;

const template = z.string().min(1).max(1000);

export const ruleDefinitionSchema = z
  .strictObject({
    name: z.string({ error: "name is required" }).trim().min(1, "name must not be empty").max(200),
    metric: z.enum(RULE_SUBJECTS, {
      error: `metric must be a catalogue metric or one of ${DERIVED_SUBJECTS.join(", ")}`,
    }),
    scope: scopeSchema.default({}),
    condition: conditionSchema,
    severity: z.enum(SEVERITIES, { error: `severity must be one of ${SEVERITIES.join(", ")}` }),
    escalation: z.array(escalationStep).max(5).optional(),
    schedule: scheduleSchema.optional(),
    audience: z.enum(AUDIENCES, { error: `audience must be one of ${AUDIENCES.join(", ")}` }),
    /** Templates with {value} {unit} {station} {area} {metric} {severity}. */
    message: z.strictObject({ vi: template, en: template }).optional(),
    /** After an alert clears, the same station does not open a new one for this long. */
    cooldownSeconds: seconds("cooldownSeconds", 86_400).default(DEFAULT_COOLDOWN_SECONDS),
  })
  .superRefine((rule, ctx) => {
    for (const step of rule.escalation ?? []) {
      if (severityRank(step.severity) <= severityRank(rule.severity)) {
        ctx.addIssue({
          code: "custom",
          path: ["escalation"],
          message: `an escalation step must be more severe than the rule's ${rule.severity}`,
        });
      }
    }
  });

export type RuleDefinition = z.output<typeof ruleDefinitionSchema>;
export type RuleDefinitionInput = z.input<typeof ruleDefinitionSchema>;

/** A stored rule: its definition at its current version. */
export type AlertRule = RuleDefinition & {
  readonly id: number;
  readonly version: number;
  readonly enabled: boolean;
};
