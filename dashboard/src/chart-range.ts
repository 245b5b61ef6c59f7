import { flagSeries } from "../../kernel/plausibility.js";
import { DAY_MS, HOUR_MS, MINUTE_MS, VIETNAM_UTC_OFFSET_MS } from "../../kernel/time.js";

/** The chart's time ranges: the last hour follows live readings; the others are read once. */
export const RANGE_PRESETS = ["1h", "24h", "7d", "30d", "1y", "custom"] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

const PRESET_SPAN_MS: Record<Exclude<RangePreset, "custom">, number> = {
  "1h": HOUR_MS,
  "24h": DAY_MS,
  "7d": 7 * DAY_MS,
  "30d": 30 * DAY_MS,
  "1y": 365 * DAY_MS,
};

/** Bucket sizes the readings API takes, smallest first. */
const STEPS: readonly { readonly name: string; readonly ms: number }[] = [
  { name: "30s", ms: 30_000 },
  { name: "5m", ms: 5 * MINUTE_MS },
  { name: "1h", ms: HOUR_MS },
  { name: "1d", ms: DAY_MS },
];
/** Up to two hours the chart shows every reading; longer spans are drawn from at most this many buckets. */
const RAW_SPAN_MS = 2 * HOUR_MS;
const MAX_BUCKETS = 1500;

export interface ChartWindow {
  readonly from: number;
  readonly to: number;
  /** A bucket size for the readings API, or undefined for raw points. */
  readonly step: string | undefined;
  /** Whether live readings extend it (the window ends now and shows raw points). */
  readonly live: boolean;
}

/** The bucket size for a span: raw up to two hours, then the smallest step that keeps ≤ 1500 buckets. */
export function stepFor(spanMs: number): string | undefined {
  if (spanMs <= RAW_SPAN_MS) return undefined;
  return (STEPS.find((step) => spanMs / step.ms <= MAX_BUCKETS) ?? STEPS[STEPS.length - 1])?.name;
}

export function presetWindow(preset: Exclude<RangePreset, "custom">, now: number): ChartWindow {
  const span = PRESET_SPAN_MS[preset];
  const step = stepFor(span);
  return { from: now - span, to: now, step, live: step === undefined };
}

/** A `datetime-local` input's value ("2026-12-06T16:20") read as Viet Nam time; null when empty or invalid. */
export function vietnamLocalToEpoch(value: string): number | null {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(value)) return null;
  const withSeconds = value.length === 16 ? `${value}:00` : value;
  const epoch = Date.parse(`${withSeconds}Z`) - VIETNAM_UTC_OFFSET_MS;
  return Number.isFinite(epoch) ? epoch : null;
}

/** The reverse, for filling the inputs: epoch ms → "2026-12-06T16:20" in Viet Nam time. */
export function epochToVietnamLocal(epoch: number): string {
  return new Date(epoch + VIETNAM_UTC_OFFSET_MS).toISOString().slice(0, 16);
}

/** A custom window from two inputs; a message key's name when it cannot be used. */
export function customWindow(fromValue: string, toValue: string): ChartWindow | "rangeInvalid" {
  const from = vietnamLocalToEpoch(fromValue);
  const to = vietnamLocalToEpoch(toValue);
  if (from === null || to === null || to <= from || to - from > 366 * DAY_MS) return "rangeInvalid";
  return { from, to, step: stepFor(to - from), live: false };
}

/**
 * The value scale from the believable points only: one absurd spike must not flatten the real
 * series into a line (it is drawn off the scale). Null when nothing was flagged: uPlot's own range.
 */
export function plausibleValueRange(metric: string, values: readonly number[]): [number, number] | null {
  const flags = flagSeries(metric, values);
  if (!flags.includes("suspect")) return null;
  const good = values.filter((_, index) => flags[index] === "good");
  if (good.length === 0) return null;
  const low = Math.min(...good);
  const high = Math.max(...good);
  const pad = (high - low) * 0.1 || Math.abs(high) * 0.05 || 1;
  return [low - pad, high + pad];
}
