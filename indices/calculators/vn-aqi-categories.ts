import { requireNonNegative } from "./input-guard.js";
import { roundHalfUp } from "./rounding.js";
import type { Advice, Category } from "./types.js";

export type VnAqiCategoryKey = "good" | "moderate" | "poor" | "bad" | "very_bad" | "hazardous";

interface Band {
  /** Highest (integer) AQI of the band. */
  readonly upTo: number;
  readonly category: Category & { readonly key: VnAqiCategoryKey };
  readonly advice: Advice;
}

/** Decision 1459/QĐ-TCMT: the six bands, their colours, and its health advice in our own words. */
const BANDS: readonly Band[] = [
  {
    upTo: 50,
    category: { key: "good", vi: "Tốt", en: "Good", rgb: [0, 228, 0] },
    advice: {
      general: { vi: "Hoạt động ngoài trời bình thường.", en: "Go about outdoor activities as usual." },
      sensitive: { vi: "Hoạt động ngoài trời bình thường.", en: "Go about outdoor activities as usual." },
    },
  },
  {
    upTo: 100,
    category: { key: "moderate", vi: "Trung bình", en: "Moderate", rgb: [255, 255, 0] },
    advice: {
      general: { vi: "Hoạt động ngoài trời bình thường.", en: "Go about outdoor activities as usual." },
      sensitive: {
        vi: "Để ý các dấu hiệu như ho, khó thở, đau rát họng khi ở ngoài trời.",
        en: "Watch for signs such as coughing, shortness of breath or a sore throat when outdoors.",
      },
    },
  },
  {
    upTo: 150,
    category: { key: "poor", vi: "Kém", en: "Poor", rgb: [255, 126, 0] },
    advice: {
      general: {
        vi: "Người bị cay mắt, rát họng hoặc khó chịu nên bớt thời gian ở ngoài trời.",
        en: "Anyone with stinging eyes, a sore throat or discomfort should spend less time outdoors.",
      },
      sensitive: {
        vi: "Giảm các hoạt động gắng sức ngoài trời.",
        en: "Cut down on strenuous outdoor activity.",
      },
    },
  },
  {
    upTo: 200,
    category: { key: "bad", vi: "Xấu", en: "Bad", rgb: [255, 0, 0] },
    advice: {
      general: {
        vi: "Giảm các hoạt động gắng sức ngoài trời.",
        en: "Cut down on strenuous outdoor activity.",
      },
      sensitive: { vi: "Nên ở trong nhà.", en: "Stay indoors." },
    },
  },
  {
    upTo: 300,
    category: { key: "very_bad", vi: "Rất xấu", en: "Very bad", rgb: [143, 63, 151] },
    advice: {
      general: {
        vi: "Chuyển các hoạt động vào trong nhà; đeo khẩu trang khi buộc phải ra ngoài.",
        en: "Move activities indoors; wear a mask when you have to go out.",
      },
      sensitive: { vi: "Ở trong nhà.", en: "Stay indoors." },
    },
  },
  {
    upTo: Number.POSITIVE_INFINITY,
    category: { key: "hazardous", vi: "Nguy hại", en: "Hazardous", rgb: [126, 0, 35] },
    advice: {
      general: {
        vi: "Ở trong nhà, đóng kín cửa ra vào và cửa sổ.",
        en: "Stay indoors with doors and windows shut.",
      },
      sensitive: {
        vi: "Ở trong nhà, đóng kín cửa ra vào và cửa sổ.",
        en: "Stay indoors with doors and windows shut.",
      },
    },
  },
];

/** The six categories in ascending order, for legends. */
export const VN_AQI_CATEGORIES: readonly Category[] = BANDS.map((band) => band.category);

function bandOf(aqi: number): Band {
  const rounded = roundHalfUp(requireNonNegative(aqi, "aqi"));
  return BANDS.find((band) => rounded <= band.upTo) as Band;
}

/** Category of an AQI (rounded half-up first, so 50.4 is Tốt and 50.5 is Trung bình). */
export function vnAqiCategory(aqi: number): Category {
  return bandOf(aqi).category;
}

/** Health advice for the general public and for sensitive groups at this AQI. */
export function vnAqiAdvice(aqi: number): Advice {
  return bandOf(aqi).advice;
}
