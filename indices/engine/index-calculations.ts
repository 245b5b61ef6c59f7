import type { MetricKey } from "../../kernel/catalogue.js";
import type { WqiSettings } from "../../kernel/water-quality.js";
import type { Advice, AqiResult, Category, IndexOutcome } from "../calculators/types.js";
import { usAqi, usAqiAdvice, usAqiCategory, usAqiHourly } from "../calculators/us-aqi.js";
import { vnAqiAdvice, vnAqiCategory, vnAqiDaily, vnAqiHourly } from "../calculators/vn-aqi.js";
import { type VnWqiInput, vnWqi } from "../calculators/vn-wqi.js";
import { dailyAqiInput, type HourlyMeansOfDay } from "./daily-inputs.js";
import { type AqiStandard, dominantOf } from "./index-series.js";

/**
 * The calculators of the configured standard, applied to hourly means. Outcomes reduce to what
 * is stored: the AQI and its integer sub-indices, or undefined when the calculator has
 * insufficient data.
 */

export interface ComputedAqi {
  readonly aqi: number;
  readonly subIndices: Readonly<Record<string, number>>;
}

/** c1 … c12 of the PM hourly means (c1 = the hour itself) and the hour's gas means. */
export interface HourlyAqiInput {
  pm25?: (number | null)[];
  pm10?: (number | null)[];
  o3?: number | null;
  no2?: number | null;
  so2?: number | null;
  co?: number | null;
}

export type DayOfHourlyMeans = Partial<
  Record<"pm25" | "pm10" | "o3" | "no2" | "so2" | "co", HourlyMeansOfDay>
>;

/** Water-quality metrics of the catalogue that VN_WQI uses (temperature only converts DO). */
export const WQI_METRICS = [
  "ph",
  "do",
  "bod5",
  "cod",
  "nh4",
  "no3",
  "po4",
  "coliform",
  "as",
  "cd",
  "pb",
  "cr6",
  "cu",
  "zn",
  "hg",
] as const satisfies readonly (MetricKey | keyof VnWqiInput)[];

const stored = (outcome: IndexOutcome<AqiResult>): ComputedAqi | undefined =>
  outcome.status === "ok" ? { aqi: outcome.aqi, subIndices: { ...outcome.subIndices } } : undefined;

export function hourlyAqi(standard: AqiStandard, input: HourlyAqiInput): ComputedAqi | undefined {
  if (standard === "us") {
    return stored(
      usAqiHourly({
        ...(input.pm25 ? { pm25: input.pm25 } : {}),
        ...(input.pm10 ? { pm10: input.pm10 } : {}),
      }),
    );
  }
  return stored(vnAqiHourly(input));
}

/**
 * Daily AQI of a local day. VN_AQI: vnAqiDaily on the 24 h PM means and the day's maxima. US AQI:
 * EPA's PM breakpoints are 24-hour ones, so the day's AQI is usAqi of the 24 h means.
 */
export function dailyAqi(standard: AqiStandard, day: DayOfHourlyMeans): ComputedAqi | undefined {
  const input = dailyAqiInput(day);
  if (standard === "us") return stored(usAqi({ pm25: input.pm25 ?? null, pm10: input.pm10 ?? null }));
  return stored(vnAqiDaily(input));
}

/** VN_WQI of an hour from its means, with the station's settings; undefined without enough parameters. */
export function hourlyWqi(
  means: ReadonlyMap<MetricKey, number>,
  settings: WqiSettings | null = null,
): number | undefined {
  const input: Record<string, number> = {};
  for (const key of [...WQI_METRICS, "temperature"] as const) {
    const value = means.get(key);
    if (value !== undefined) input[key] = value;
  }
  const outcome = vnWqi(input as VnWqiInput, settings ?? {});
  return outcome.status === "ok" ? outcome.wqi : undefined;
}

export interface AqiView {
  readonly category: Category;
  readonly advice: Advice;
  readonly dominant: string;
}

/** Category, advice and dominant pollutant rebuilt from a stored AQI and its stored sub-indices. */
export function aqiView(
  standard: AqiStandard,
  aqi: number,
  subIndices: Readonly<Record<string, number>>,
): AqiView {
  return {
    category: standard === "us" ? usAqiCategory(aqi) : vnAqiCategory(aqi),
    advice: standard === "us" ? usAqiAdvice(aqi) : vnAqiAdvice(aqi),
    dominant: dominantOf(subIndices) ?? "unknown",
  };
}
