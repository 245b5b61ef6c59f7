import { z } from "zod";
import { METRIC_KEYS, type MetricKey } from "../../kernel/catalogue.js";
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from "../../kernel/time.js";
import { DEVICE_ID_PATTERN } from "../../kernel/topics.js";

export const deviceIdSchema = z.string().regex(DEVICE_ID_PATTERN, "not a valid device id");
export const areaCodeSchema = z.string().min(1).max(64);
export const metricKeySchema = z.enum(METRIC_KEYS as [MetricKey, ...MetricKey[]], {
  error: `metric must be one of ${METRIC_KEYS.join(", ")}`,
});

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** A point in time in a query string: epoch milliseconds or ISO 8601 with an offset. */
export const instantSchema = z
  .string()
  .transform((raw, ctx) => {
    const ms = /^\d{1,15}$/.test(raw)
      ? Number(raw)
      : ISO_WITH_OFFSET.test(raw)
        ? Date.parse(raw)
        : Number.NaN;
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: "custom", message: "expected epoch milliseconds or ISO 8601 with an offset" });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: "epoch milliseconds or ISO 8601 with offset, e.g. 2026-11-21T08:00:00+07:00" });

const UNIT_MS = { s: SECOND_MS, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS } as const;

/** A bucket width: 30s, 5m, 1h, 1d, or a number of seconds. */
export const stepSchema = z
  .string()
  .transform((raw, ctx) => {
    const match = /^(\d{1,6})([smhd]?)$/.exec(raw);
    const ms = match ? Number(match[1]) * UNIT_MS[(match[2] || "s") as keyof typeof UNIT_MS] : 0;
    if (ms < 1000) {
      ctx.addIssue({ code: "custom", message: "step must be like 30s, 5m, 1h, 1d or whole seconds ≥ 1" });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: "bucket width: 30s, 5m, 1h, 1d or whole seconds" });

export const isoTime = (ms: number): string => new Date(ms).toISOString();

const MAX_SPAN_MS = 366 * DAY_MS;

/** Why a from–to window cannot be served, or undefined when it can. */
export function timeWindowProblem(from: number, to: number): string | undefined {
  if (from >= to) return "from must be before to";
  if (to - from > MAX_SPAN_MS) return "the span from–to is limited to 366 days";
  return undefined;
}
