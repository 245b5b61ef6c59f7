import { z } from "zod";
import { DEVICE_KINDS, METRIC_KEYS } from "../../kernel/catalogue.js";
import { DEVICE_ID_PATTERN } from "../../kernel/topics.js";

/**
 * Alert rules as the agencies enter them. A rule watches one subject (a metric of the catalogue,
 * the hourly AQI, or a water level against the station's flood alarm levels) over a scope of
 * stations, and opens one alert per station when its condition holds. README.md in this folder
 * explains every field with examples.
 */

export const SEVERITIES = ["minor", "major", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severityRank = (severity: Severity): number => SEVERITIES.indexOf(severity);

export const AUDIENCES = ["operators", "public"] as const;
export type Audience = (typeof AUDIENCES)[number];

/**
 * Derived subjects: the hourly AQI of a station (from the index engine), and its flood alarm
 * level 0–3 (0 below level I; 1, 2, 3 at or above levels I, II, III).
 */
export const DERIVED_SUBJECTS = ["aqi", "flood_level"] as const;
export const RULE_SUBJECTS = [...METRIC_KEYS, ...DERIVED_SUBJECTS] as const;
export type RuleSubject = (typeof RULE_SUBJECTS)[number];

export const DEFAULT_COOLDOWN_SECONDS = 300;
export const DEFAULT_RATE_WINDOW_SECONDS = 3600;
const MAX_SECONDS = 30 * 86_400;

const finite = (what: string) => z.number({ error: `${what} must be a number` });
const seconds = (what: string, max = MAX_SECONDS) =>
  z
    .number({ error: `${what} must be a number of seconds` })
    .int(`${what} must be whole seconds`)
    .min(0, `${what} must not be negative`)
    .max(max, `${what} must be at most ${max}`);

/** Above or below a level, with an optional separate level at which the alert clears (hysteresis). */
const levelFields = {
  /** Breach while the value is strictly above this. */
  above: finite("above").optional(),
  /** Breach while the value is strictly below this. */
  below: finite("below").optional(),
  /** With `above`: an open alert clears once the value is strictly below this (default: once it is no longer above). */
  clearBelow: finite("clearBelow").optional(),
  /** With `below`: an open alert clears once the value is strictly above this (default: once it is no longer below). */
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
    /** The breach must hold this long before the alert opens (0: at once). */
    forSeconds: seconds("forSeconds").default(0),
  })
  .superRefine(checkLevels);

/** "Holds for N seconds": a threshold with a duration, spelled as the agencies say it. */
const durationCondition = z
  .strictObject({
    type: z.literal("duration"),
    ...levelFields,
    seconds: seconds("seconds").min(1, "seconds must be at least 1"),
  })
  .superRefine(checkLevels);

/** N consecutive readings beyond the level. */
const repeatCondition = z
  .strictObject({
    type: z.literal("repeat"),
    ...levelFields,
    count: z
      .number({ error: "count must be a whole number of readings" })
      .int("count must be a whole number")
      .min(2, "count must be at least 2 (use a threshold for a single reading)")
      .max(10_000, "count must be at most 10000"),
  })
  .superRefine(checkLevels);

/** Rises (or falls) by more than X within a window (an hour by default). */
const rateCondition = z
  .strictObject({
    type: z.literal("rate"),
    risesBy: finite("risesBy").positive("risesBy must be positive").optional(),
    fallsBy: finite("fallsBy").positive("fallsBy must be positive").optional(),
    windowSeconds: seconds("windowSeconds", 7 * 86_400)
      .min(60, "windowSeconds must be at least 60")
      .default(DEFAULT_RATE_WINDOW_SECONDS),
    /** An open alert clears once the change within the window is strictly below this (default: once it is no longer above the trigger). */
    clearBelow: finite("clearBelow").min(0, "clearBelow must not be negative").optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.risesBy === undefined) === (c.fallsBy === undefined)) {
      ctx.addIssue({ code: "custom", message: "rate condition needs exactly one of 'risesBy' or 'fallsBy'" });
      return;
    }
    const trigger = (c.risesBy ?? c.fallsBy) as number;
    if (c.clearBelow !== undefined && c.clearBelow > trigger) {
      ctx.addIssue({
        code: "custom",
        message: `clearBelow (${c.clearBelow}) must not exceed the change that opens the alert (${trigger})`,
      });
    }
  });

/** No reading for N seconds (with a grace period after the service starts). */
const noDataCondition = z.strictObject({
  type: z.literal("nodata"),
  seconds: seconds("seconds").min(10, "seconds must be at least 10"),
});

export const CONDITION_TYPES = ["threshold", "duration", "repeat", "rate", "nodata"] as const;

export const conditionSchema = z.discriminatedUnion(
  "type",
  [thresholdCondition, durationCondition, repeatCondition, rateCondition, noDataCondition],
  {
    error: (issue) =>
      issue.input === undefined
        ? "condition is required"
        : typeof issue.input !== "object" || issue.input === null || Array.isArray(issue.input)
          ? "condition must be an object"
          : `condition.type must be one of ${CONDITION_TYPES.join(", ")}`,
  },
);
export type Condition = z.output<typeof conditionSchema>;
export type ConditionType = Condition["type"];

/** One device, a device kind, an area, or everything (`{}` or `{"all": true}`). */
export const scopeSchema = z
  .strictObject({
    device: z.string().regex(DEVICE_ID_PATTERN, "scope.device is not a valid device id").optional(),
    kind: z.enum(DEVICE_KINDS, { error: `scope.kind must be one of ${DEVICE_KINDS.join(", ")}` }).optional(),
    area: z
      .string({ error: "scope.area must be a commune or ward code" })
      .min(1, "scope.area must not be empty")
      .max(64)
      .optional(),
    all: z.literal(true, { error: "scope.all can only be true" }).optional(),
  })
  .refine((s) => [s.device, s.kind, s.area, s.all].filter((v) => v !== undefined).length <= 1, {
    message: "scope takes one of device, kind, area or all",
  });
export type RuleScope = z.output<typeof scopeSchema>;

/**
 * Escalates an active alert once the measured quantity goes beyond the step: the value for level
 * conditions, the change within the window for rate conditions (always `above`, in magnitude).
 */
const escalationStep = z
  .strictObject({
    severity: z.enum(SEVERITIES, { error: `escalation severity must be one of ${SEVERITIES.join(", ")}` }),
    above: finite("escalation above").optional(),
    below: finite("escalation below").optional(),
  })
  .refine((s) => (s.above === undefined) !== (s.below === undefined), {
    message: "an escalation step needs exactly one of 'above' or 'below'",
  });
export type EscalationStep = z.output<typeof escalationStep>;

const DAYS = "schedule.days are 1 (Monday) to 7 (Sunday)";

const clockTime = (what: string) =>
  z.string({ error: `${what} must be a time HH:MM` }).regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, {
    message: `${what} must be a time HH:MM between 00:00 and 24:00`,
  });

/**
 * When the rule may open alerts, in Asia/Ho_Chi_Minh (UTC+7, no daylight saving). `from` is
 * included, `to` is not; `from` after `to` spans midnight. Without times: the whole day.
 */
export const scheduleSchema = z
  .strictObject({
    /** ISO weekdays, 1 = Monday … 7 = Sunday; every day when absent. */
    days: z
      .array(z.number({ error: DAYS }).int(DAYS).min(1, DAYS).max(7, DAYS), {
        error: "schedule.days must be a list of weekdays",
      })
      .min(1, "schedule.days must name at least one day")
      .optional(),
    from: clockTime("schedule.from").optional(),
    to: clockTime("schedule.to").optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.from === undefined) !== (s.to === undefined)) {
      ctx.addIssue({ code: "custom", message: "schedule needs both 'from' and 'to', or neither" });
    } else if (s.from !== undefined && s.from === s.to) {
      ctx.addIssue({
        code: "custom",
        message: "schedule 'from' and 'to' are equal; leave both out for the whole day",
      });
    } else if (s.from === "24:00") {
      ctx.addIssue({ code: "custom", message: "schedule.from must be before 24:00" });
    }
  });
export type RuleSchedule = z.output<typeof scheduleSchema>;

const template = (what: string) =>
  z
    .string({ error: `${what} must be text` })
    .min(1, `${what} must not be empty`)
    .max(1000, `${what} must be at most 1000 characters`);

function checkEscalation(
  rule: { severity: Severity; condition: Condition; escalation?: EscalationStep[] | undefined },
  ctx: z.RefinementCtx,
): void {
  const steps = rule.escalation ?? [];
  const c = rule.condition;
  if (steps.length > 0 && c.type === "nodata") {
    ctx.addIssue({ code: "custom", path: ["escalation"], message: "a no-data rule cannot escalate" });
    return;
  }
  const direction = c.type === "rate" || c.type === "nodata" || c.above !== undefined ? "above" : "below";
  steps.forEach((step, i) => {
    if (severityRank(step.severity) <= severityRank(rule.severity)) {
      ctx.addIssue({
        code: "custom",
        path: ["escalation", i],
        message: `an escalation step must be more severe than the rule's ${rule.severity}`,
      });
    }
    if (step[direction] === undefined) {
      const why = c.type === "rate" ? "a rate condition escalates on a larger change" : "as the condition";
      ctx.addIssue({
        code: "custom",
        path: ["escalation", i],
        message: `escalation steps of this rule use '${direction}' (${why})`,
      });
    }
  });
}

export const ruleDefinitionSchema = z
  .strictObject(
    {
      name: z.string({ error: "name is required" }).trim().min(1, "name must not be empty").max(200),
      /** The subject: a catalogue metric key, "aqi" or "flood_level". */
      metric: z.enum(RULE_SUBJECTS, {
        error: `metric must be a catalogue metric or one of ${DERIVED_SUBJECTS.join(", ")}`,
      }),
      scope: scopeSchema.default({}),
      condition: conditionSchema,
      severity: z.enum(SEVERITIES, { error: `severity must be one of ${SEVERITIES.join(", ")}` }),
      escalation: z.array(escalationStep).max(5, "at most 5 escalation steps").optional(),
      schedule: scheduleSchema.optional(),
      audience: z.enum(AUDIENCES, { error: `audience must be one of ${AUDIENCES.join(", ")}` }),
      /** Templates with {value} {unit} {station} {area} {metric} {severity} {rule}. */
      message: z.strictObject({ vi: template("message.vi"), en: template("message.en") }).optional(),
      /** After an alert clears, the same station does not open a new one for this long. */
      cooldownSeconds: seconds("cooldownSeconds", 86_400).default(DEFAULT_COOLDOWN_SECONDS),
    },
    {
      error: (issue) => (issue.code === "invalid_type" ? "a rule must be a JSON object" : undefined),
    },
  )
  .superRefine(checkEscalation);

export type RuleDefinition = z.output<typeof ruleDefinitionSchema>;
export type RuleDefinitionInput = z.input<typeof ruleDefinitionSchema>;

/** A stored rule: its definition at its current version. */
export type AlertRule = RuleDefinition & {
  readonly id: number;
  readonly version: number;
  readonly enabled: boolean;
};

/** The problems of a refused definition, one line each, prefixed with the field path. */
export function describeRuleProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return path === "" ? issue.message : `${path}: ${issue.message}`;
  });
}
