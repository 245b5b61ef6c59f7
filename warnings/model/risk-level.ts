/**
 * Natural-disaster risk levels of Decision 18/2021/QĐ-TTg, Art. 4: five levels, each with the
 * colour the decision gives it. Shown with every warning (screens, CAP, SMS, e-mail). When hazards
 * occur together the level of the main one may be raised by one or two, never beyond level 5.
 */

export const RISK_LEVELS = [1, 2, 3, 4, 5] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface RiskLevelInfo {
  readonly level: RiskLevel;
  /** The colour's name in the decision, Vietnamese and English. */
  readonly colour: { readonly vi: string; readonly en: string };
  /** Screen colour (background) and the text colour readable on it. */
  readonly hex: string;
  readonly textHex: string;
  /** The level's name: "Rủi ro thiên tai cấp độ 3 (rủi ro lớn)"… */
  readonly name: { readonly vi: string; readonly en: string };
}

const level = (
  value: RiskLevel,
  colour: RiskLevelInfo["colour"],
  hex: string,
  textHex: string,
  nameVi: string,
  nameEn: string,
): RiskLevelInfo => ({
  level: value,
  colour,
  hex,
  textHex,
  name: { vi: `Cấp độ ${value} – ${nameVi}`, en: `Level ${value} – ${nameEn}` },
});

export const RISK_LEVEL_INFO: Readonly<Record<RiskLevel, RiskLevelInfo>> = {
  1: level(1, { vi: "xanh dương nhạt", en: "light blue" }, "#9fd3f2", "#0b2233", "rủi ro thấp", "low risk"),
  2: level(
    2,
    { vi: "vàng nhạt", en: "light yellow" },
    "#fff3a3",
    "#2b2600",
    "rủi ro trung bình",
    "medium risk",
  ),
  3: level(3, { vi: "da cam", en: "orange" }, "#ff9a2e", "#2b1600", "rủi ro lớn", "high risk"),
  4: level(4, { vi: "đỏ", en: "red" }, "#d7261e", "#ffffff", "rủi ro rất lớn", "very high risk"),
  5: level(5, { vi: "tím", en: "purple" }, "#7b2d9b", "#ffffff", "thảm họa", "disaster"),
};

/** How much concurrent hazards raise the level of the main one (Art. 4): none, one or two levels. */
export const CONCURRENT_RAISES = [0, 1, 2] as const;
export type ConcurrentRaise = (typeof CONCURRENT_RAISES)[number];

/** The level in force: the main hazard's level raised for concurrent hazards, capped at 5. */
export function effectiveRiskLevel(base: RiskLevel, raise: ConcurrentRaise): RiskLevel {
  return Math.min(5, base + raise) as RiskLevel;
}
