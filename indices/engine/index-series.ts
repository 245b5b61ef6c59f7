import type { MetricKey } from "../../kernel/catalogue.js";
import type { DerivedSeriesKey } from "../../kernel/series.js";
import { DOMINANT_TIE_ORDER } from "../calculators/aqi-summary.js";
import type { AqiPollutant } from "../calculators/types.js";

/**
 * Names of the derived series the index engine writes and the index routes read. Hourly values
 * are stamped with the start of their hour, daily ones with the start of their local day.
 *
 *   idx:mean1h:<metric>           complete hourly mean of a metric
 *   idx:vn_aqi_1h, idx:vn_aqi_1d  AQI (integer); idx:us_aqi_1h with AQI_STANDARD=us
 *   idx:vn_aqi_1h:<subIndexKey>   each sub-index (integer), so dominant pollutant and sub-indices can be rebuilt
 *   idx:vn_wqi_1h                 hourly VN_WQI
 */
export type AqiStandard = "vn" | "us";
export type AqiPeriod = "hour" | "day";

export const AIR_POLLUTANTS = [
  "pm25",
  "pm10",
  "o3",
  "no2",
  "so2",
  "co",
] as const satisfies readonly MetricKey[];
export const WQI_EXTRA_METRICS = ["temperature"] as const satisfies readonly MetricKey[];

export const meanSeriesKey = (metric: MetricKey): DerivedSeriesKey => `idx:mean1h:${metric}`;

export const aqiSeriesKey = (standard: AqiStandard, period: AqiPeriod): DerivedSeriesKey =>
  `idx:${standard}_aqi_${period === "hour" ? "1h" : "1d"}`;

export const subIndexSeriesKey = (standard: AqiStandard, period: AqiPeriod, key: string): DerivedSeriesKey =>
  `${aqiSeriesKey(standard, period)}:${key}`;

/** The sub-index key of a series name, or undefined when it is not a sub-index of that AQI series. */
export function subIndexKeyOf(series: string, standard: AqiStandard, period: AqiPeriod): string | undefined {
  const prefix = `${aqiSeriesKey(standard, period)}:`;
  return series.startsWith(prefix) ? series.slice(prefix.length) : undefined;
}

export const WQI_SERIES_KEY: DerivedSeriesKey = "idx:vn_wqi_1h";

/** The name of the standard in API responses. */
export const contractStandard = (standard: AqiStandard): "vn_aqi" | "us_aqi" =>
  standard === "vn" ? "vn_aqi" : "us_aqi";

const pollutantOf = (subIndexKey: string): string => (subIndexKey.startsWith("o3") ? "o3" : subIndexKey);

/**
 * The dominant pollutant rebuilt from stored (integer) sub-indices: the largest one; on a tie
 * the calculators' order (particulates first). Live events and the API both use this, so they
 * always name the same pollutant.
 */
export function dominantOf(subIndices: Readonly<Record<string, number>>): string | undefined {
  const rank = (key: string) => {
    const i = DOMINANT_TIE_ORDER.indexOf(pollutantOf(key) as AqiPollutant);
    return i === -1 ? DOMINANT_TIE_ORDER.length : i;
  };
  let best: string | undefined;
  for (const key of Object.keys(subIndices).sort((a, b) => rank(a) - rank(b))) {
    if (best === undefined || (subIndices[key] as number) > (subIndices[best] as number)) best = key;
  }
  return best === undefined ? undefined : pollutantOf(best);
}
