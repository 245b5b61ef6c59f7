/** Shapes shared by the index calculators (VN_AQI, US AQI, VN_WQI). */

/** A band of an index as it is shown: stable key, Vietnamese and English names, display colour. */
export interface Category {
  readonly key: string;
  readonly vi: string;
  readonly en: string;
  readonly rgb: readonly [number, number, number];
}

/** What a calculator returns instead of a number it cannot justify. */
export type Insufficient = {
  readonly status: "insufficient_data";
  /** An English sentence naming what is missing. */
  readonly reason: string;
};

export type IndexOutcome<T> = ({ readonly status: "ok" } & T) | Insufficient;

export type AqiPollutant = "pm25" | "pm10" | "o3" | "no2" | "so2" | "co";

/** Sub-index names: O3 has two (1-hour and 8-hour columns of the VN_AQI table). */
export type AqiSubIndexKey = "pm25" | "pm10" | "o3_1h" | "o3_8h" | "no2" | "so2" | "co";

export interface Bilingual {
  readonly vi: string;
  readonly en: string;
}

export interface Advice {
  readonly general: Bilingual;
  readonly sensitive: Bilingual;
}

export interface AqiResult {
  /** Integer, 0–500. */
  readonly aqi: number;
  readonly category: Category;
  readonly dominant: AqiPollutant;
  /** Each sub-index rounded half-up to an integer, like the AQI itself. */
  readonly subIndices: Partial<Record<AqiSubIndexKey, number>>;
  readonly advice: Advice;
  /** Hourly indices only: the NowCast concentrations (µg/m³) behind the PM sub-indices. */
  readonly nowcast?: { readonly pm25: number | null; readonly pm10: number | null };
}

export function insufficientData(reason: string): Insufficient {
  return { status: "insufficient_data", reason };
}
