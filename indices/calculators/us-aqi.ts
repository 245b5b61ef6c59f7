/**
 * US EPA AQI for particulates (PM2.5 breakpoints in force since 6 May 2024, PM10), offered as an
 * alternative to VN_AQI. EPA truncates the concentration (PM2.5 to 0.1 µg/m³, PM10 to 1 µg/m³)
 * before applying the formula; the index is rounded half-up to an integer. Pure.
 */
import { type SubIndexEntry, summariseSubIndices } from "./aqi-summary.js";
import { optionalNonNegative, requireNonNegative } from "./input-guard.js";
import { nowCast } from "./nowcast.js";
import { roundHalfUp, truncateDecimals } from "./rounding.js";
import type { Advice, AqiResult, Category, IndexOutcome } from "./types.js";
import { insufficientData } from "./types.js";

export type UsAqiPollutant = "pm25" | "pm10";

/** [C_lo, C_hi, I_lo, I_hi] per EPA category. */
type Segment = readonly [number, number, number, number];

export const US_AQI_BREAKPOINTS: Readonly<Record<UsAqiPollutant, readonly Segment[]>> = {
  pm25: [
    [0, 9.0, 0, 50],
    [9.1, 35.4, 51, 100],
    [35.5, 55.4, 101, 150],
    [55.5, 125.4, 151, 200],
    [125.5, 225.4, 201, 300],
    [225.5, 325.4, 301, 500],
  ],
  pm10: [
    [0, 54, 0, 50],
    [55, 154, 51, 100],
    [155, 254, 101, 150],
    [255, 354, 151, 200],
    [355, 424, 201, 300],
    [425, 604, 301, 500],
  ],
};

const TRUNCATION_DECIMALS: Readonly<Record<UsAqiPollutant, number>> = { pm25: 1, pm10: 0 };
const MAX_AQI = 500;

/** EPA's truncation of a concentration before the formula. */
export function usAqiTruncate(pollutant: UsAqiPollutant, concentration: number): number {
  return truncateDecimals(requireNonNegative(concentration, pollutant), TRUNCATION_DECIMALS[pollutant]);
}

/** Sub-index of one pollutant (after EPA truncation), unrounded; 500 above the top breakpoint. */
export function usAqiSubIndex(pollutant: UsAqiPollutant, concentration: number): number {
  const c = usAqiTruncate(pollutant, concentration);
  // After truncation c lies on the 0.1 (or 1) grid, so it never falls in the gap between segments.
  const segment = US_AQI_BREAKPOINTS[pollutant].find(([, high]) => c <= high);
  if (!segment) return MAX_AQI;
  const [cLo, cHi, iLo, iHi] = segment;
  return iLo + ((iHi - iLo) * (c - cLo)) / (cHi - cLo);
}

interface UsBand {
  readonly upTo: number;
  readonly category: Category;
  readonly advice: Advice;
}

const same = (vi: string, en: string) => ({ general: { vi, en }, sensitive: { vi, en } });

/** EPA categories and colours; advice for particle pollution in our own words. */
const US_BANDS: readonly UsBand[] = [
  {
    upTo: 50,
    category: { key: "good", vi: "Tốt", en: "Good", rgb: [0, 228, 0] },
    advice: same("Không khí tốt, hoạt động ngoài trời bình thường.", "Air is clean; enjoy being outdoors."),
  },
  {
    upTo: 100,
    category: { key: "moderate", vi: "Trung bình", en: "Moderate", rgb: [255, 255, 0] },
    advice: {
      general: { vi: "Hoạt động ngoài trời bình thường.", en: "Go about outdoor activities as usual." },
      sensitive: {
        vi: "Người đặc biệt nhạy cảm nên cân nhắc giảm vận động mạnh, kéo dài ngoài trời.",
        en: "People who are unusually sensitive should think about easing off long or hard exertion outdoors.",
      },
    },
  },
  {
    upTo: 150,
    category: {
      key: "unhealthy_for_sensitive_groups",
      vi: "Có hại cho nhóm nhạy cảm",
      en: "Unhealthy for Sensitive Groups",
      rgb: [255, 126, 0],
    },
    advice: {
      general: { vi: "Hoạt động ngoài trời bình thường.", en: "Go about outdoor activities as usual." },
      sensitive: {
        vi: "Giảm vận động mạnh, kéo dài ngoài trời; nghỉ nhiều hơn.",
        en: "Ease off long or hard exertion outdoors and take more breaks.",
      },
    },
  },
  {
    upTo: 200,
    category: { key: "unhealthy", vi: "Có hại cho sức khỏe", en: "Unhealthy", rgb: [255, 0, 0] },
    advice: {
      general: {
        vi: "Giảm vận động mạnh, kéo dài ngoài trời.",
        en: "Ease off long or hard exertion outdoors.",
      },
      sensitive: {
        vi: "Tránh vận động mạnh ngoài trời; chuyển hoạt động vào trong nhà hoặc dời lịch.",
        en: "Avoid hard exertion outdoors; move activities indoors or to another day.",
      },
    },
  },
  {
    upTo: 300,
    category: {
      key: "very_unhealthy",
      vi: "Rất có hại cho sức khỏe",
      en: "Very Unhealthy",
      rgb: [143, 63, 151],
    },
    advice: {
      general: { vi: "Tránh vận động mạnh ngoài trời.", en: "Avoid hard exertion outdoors." },
      sensitive: {
        vi: "Tránh mọi hoạt động thể chất ngoài trời.",
        en: "Avoid all physical activity outdoors.",
      },
    },
  },
  {
    upTo: Number.POSITIVE_INFINITY,
    category: { key: "hazardous", vi: "Nguy hại", en: "Hazardous", rgb: [126, 0, 35] },
    advice: {
      general: {
        vi: "Tránh mọi hoạt động thể chất ngoài trời.",
        en: "Avoid all physical activity outdoors.",
      },
      sensitive: {
        vi: "Ở trong nhà và giữ mức vận động nhẹ.",
        en: "Stay indoors and keep activity light.",
      },
    },
  },
];

/** The six EPA categories in ascending order, for legends. */
export const US_AQI_CATEGORIES: readonly Category[] = US_BANDS.map((band) => band.category);

function usBandOf(aqi: number): UsBand {
  const rounded = roundHalfUp(requireNonNegative(aqi, "aqi"));
  return US_BANDS.find((band) => rounded <= band.upTo) as UsBand;
}

export function usAqiCategory(aqi: number): Category {
  return usBandOf(aqi).category;
}

export function usAqiAdvice(aqi: number): Advice {
  return usBandOf(aqi).advice;
}

export interface UsAqiInput {
  /** Concentrations in µg/m³ that the index applies to: 24-hour means, or NowCasts. */
  readonly pm25?: number | null;
  readonly pm10?: number | null;
}

/** US AQI from PM2.5 and/or PM10 concentrations; insufficient_data when neither is given. */
export function usAqi(input: UsAqiInput): IndexOutcome<AqiResult> {
  const pm25 = optionalNonNegative(input.pm25, "pm25");
  const pm10 = optionalNonNegative(input.pm10, "pm10");
  if (pm25 === undefined && pm10 === undefined) {
    return insufficientData("no US AQI without a PM2.5 or PM10 concentration");
  }
  const entries: SubIndexEntry[] = [];
  if (pm25 !== undefined)
    entries.push({ key: "pm25", pollutant: "pm25", value: usAqiSubIndex("pm25", pm25) });
  if (pm10 !== undefined)
    entries.push({ key: "pm10", pollutant: "pm10", value: usAqiSubIndex("pm10", pm10) });
  const { aqi, dominant, subIndices } = summariseSubIndices(entries);
  return { status: "ok", aqi, category: usAqiCategory(aqi), dominant, subIndices, advice: usAqiAdvice(aqi) };
}

export interface UsAqiHourlyInput {
  /** Hourly means c1 … c12, c1 = the current hour, null for a missing hour. */
  readonly pm25?: readonly (number | null)[];
  readonly pm10?: readonly (number | null)[];
}

/**
 * Hourly US AQI from the NowCast of each series (the same NowCast as VN_AQI). `nowcast` reports
 * the NowCasts after EPA truncation, i.e. the concentrations the formula used.
 */
export function usAqiHourly(input: UsAqiHourlyInput): IndexOutcome<AqiResult> {
  const pm25 = input.pm25 ? nowCast(input.pm25, "pm25") : null;
  const pm10 = input.pm10 ? nowCast(input.pm10, "pm10") : null;
  if (pm25 === null && pm10 === null) {
    return insufficientData(
      "no hourly US AQI without a PM2.5 or PM10 NowCast, which needs at least 2 of the 3 most recent hourly means (c1, c2, c3)",
    );
  }
  const outcome = usAqi({ pm25, pm10 });
  if (outcome.status !== "ok") return outcome;
  return {
    ...outcome,
    nowcast: {
      pm25: pm25 === null ? null : usAqiTruncate("pm25", pm25),
      pm10: pm10 === null ? null : usAqiTruncate("pm10", pm10),
    },
  };
}
