/**
 * VN_WQI, Decision 1460/QĐ-TCMT (12 Nov 2019), surface water quality index. Pure.
 *
 * VN_WQI = (WQI_I/100) × (geomean WQI_II/100) × (geomean WQI_III/100) × √(mean WQI_IV × mean WQI_V);
 * a group that was not measured drops out of the product, and without group V the last factor is
 * mean WQI_IV. The weighted variant (formula 5, group IV weighted 2 and group V 1, for water bodies
 * where organic pollution matters) replaces the last factor by ∛(mean WQI_IV² × mean WQI_V).
 * Minimum data: at least 3 of the 5 groups, group IV among them with at least 3 of its parameters,
 * and the groups a water body requires (II if pesticides affect it, III if heavy metals do);
 * otherwise the result is insufficient_data.
 */
import type { WqiRequirableGroup } from "../../kernel/water-quality.js";
import { doPercent, requireWaterTemperature } from "./dissolved-oxygen.js";
import { optionalNonNegative } from "./input-guard.js";
import { roundHalfUp } from "./rounding.js";
import { type Category, type IndexOutcome, insufficientData } from "./types.js";
import {
  applyRule,
  HEAVY_METAL_RULES,
  type HeavyMetal,
  MICROBIOLOGY_RULES,
  type Microbiology,
  ORGANIC_NUTRIENT_RULES,
  type OrganicNutrient,
  PESTICIDE_LIMITS_UG_L,
  type Pesticide,
  PH_RULE,
  type SubIndexRule,
} from "./vn-wqi-parameters.js";

export { doPercent, doSaturation } from "./dissolved-oxygen.js";
export { HEAVY_METAL_RULES, PESTICIDE_LIMITS_UG_L } from "./vn-wqi-parameters.js";

export const VN_WQI_MIN_GROUP_IV_PARAMETERS = 3;
export const VN_WQI_MIN_GROUPS = 3;

export interface VnWqiInput {
  /** Group I. */
  readonly ph?: number | null;
  /** Group II, µg/L. */
  readonly aldrin?: number | null;
  readonly bhc?: number | null;
  readonly dieldrin?: number | null;
  readonly ddts?: number | null;
  /** Heptachlor plus heptachlor epoxide. */
  readonly heptachlor?: number | null;
  /** Group III, mg/L. */
  readonly as?: number | null;
  readonly cd?: number | null;
  readonly pb?: number | null;
  readonly cr6?: number | null;
  readonly cu?: number | null;
  readonly zn?: number | null;
  readonly hg?: number | null;
  /** Group IV: DO in mg/L, converted to % saturation with the water temperature (°C). */
  readonly do?: number | null;
  readonly temperature?: number | null;
  /** Group IV, mg/L (N-NH4, N-NO3, N-NO2 as nitrogen, P-PO4 as phosphorus). */
  readonly bod5?: number | null;
  readonly cod?: number | null;
  readonly toc?: number | null;
  readonly nh4?: number | null;
  readonly no3?: number | null;
  readonly no2?: number | null;
  readonly po4?: number | null;
  /** Group V, MPN/100 mL. */
  readonly coliform?: number | null;
  readonly ecoli?: number | null;
}

export type WqiGroup = "I" | "II" | "III" | "IV" | "V";

/** A station's (water body's) VN_WQI settings. */
export interface VnWqiOptions {
  /** Formula 5: group IV weighted 2, group V 1. Default false (formula 4). */
  readonly weighted?: boolean;
  /** Groups without which no WQI is given. Default none. */
  readonly requiredGroups?: readonly WqiRequirableGroup[];
}
export type WqiParameter = "ph" | Pesticide | HeavyMetal | OrganicNutrient | Microbiology;

export interface VnWqiResult {
  /** Integer, 0–100. */
  readonly wqi: number;
  readonly category: Category;
  /** Each group's value (pH sub-index, geometric or arithmetic mean) rounded half-up; null if not measured. */
  readonly groups: Readonly<Record<WqiGroup, number | null>>;
  /** Each parameter's sub-index rounded half-up. */
  readonly subIndices: Readonly<Partial<Record<WqiParameter, number>>>;
  /** DO as % saturation (0.1 precision), or null without DO. */
  readonly doSaturationPercent: number | null;
}

interface Band {
  readonly from: number;
  readonly category: Category;
}

/** Descending; a WQI belongs to the first band whose lower bound it reaches. */
const BANDS: readonly Band[] = [
  { from: 91, category: { key: "very_good", vi: "Rất tốt", en: "Very good", rgb: [51, 51, 255] } },
  { from: 76, category: { key: "good", vi: "Tốt", en: "Good", rgb: [0, 228, 0] } },
  { from: 51, category: { key: "moderate", vi: "Trung bình", en: "Moderate", rgb: [255, 255, 0] } },
  { from: 26, category: { key: "poor", vi: "Xấu", en: "Poor", rgb: [255, 126, 0] } },
  { from: 10, category: { key: "bad", vi: "Kém", en: "Bad", rgb: [255, 0, 0] } },
  {
    from: Number.NEGATIVE_INFINITY,
    category: { key: "heavily_polluted", vi: "Ô nhiễm rất nặng", en: "Heavily polluted", rgb: [126, 0, 35] },
  },
];

/** The six categories from best to worst, for legends. */
export const VN_WQI_CATEGORIES: readonly Category[] = BANDS.map((band) => band.category);

/** Category of a WQI (rounded half-up first). */
export function vnWqiCategory(wqi: number): Category {
  if (!Number.isFinite(wqi) || wqi < 0 || wqi > 100) {
    throw new RangeError(`wqi must be a finite number in 0–100, got ${String(wqi)}`);
  }
  const rounded = roundHalfUp(wqi);
  return (BANDS.find((band) => rounded >= band.from) as Band).category;
}

const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
const geometricMean = (values: readonly number[]) =>
  Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);

const REQUIRABLE_GROUP_NAMES: Readonly<Record<WqiRequirableGroup, string>> = {
  II: "pesticides",
  III: "heavy metals",
};

const PESTICIDES = Object.keys(PESTICIDE_LIMITS_UG_L) as Pesticide[];
const HEAVY_METALS = Object.keys(HEAVY_METAL_RULES) as HeavyMetal[];
const ORGANIC_NUTRIENTS = Object.keys(ORGANIC_NUTRIENT_RULES) as OrganicNutrient[];
const MICROBIOLOGY = Object.keys(MICROBIOLOGY_RULES) as Microbiology[];

function requirePh(value: number | null | undefined): number | undefined {
  const ph = optionalNonNegative(value, "ph");
  if (ph !== undefined && ph > 14) throw new RangeError(`ph must be within 0–14, got ${ph}`);
  return ph;
}

/**
 * VN_WQI of one sample. Missing parameters are null or absent; a RangeError names a negative or
 * non-finite value, a pH outside 0–14 or a water temperature outside 0–50 °C.
 */
export function vnWqi(input: VnWqiInput, options: VnWqiOptions = {}): IndexOutcome<VnWqiResult> {
  const sub: Partial<Record<WqiParameter, number>> = {};

  const ph = requirePh(input.ph);
  if (ph !== undefined) sub.ph = applyRule(PH_RULE, ph);

  const ruledGroup = <K extends WqiParameter>(keys: readonly K[], ruleOf: (key: K) => SubIndexRule) => {
    const values: number[] = [];
    for (const key of keys) {
      const value = optionalNonNegative(input[key as keyof VnWqiInput], key);
      if (value === undefined) continue;
      const q = applyRule(ruleOf(key), value);
      sub[key] = q;
      values.push(q);
    }
    return values;
  };
  const pesticides = ruledGroup(PESTICIDES, (key) => ({ kind: "limit", limit: PESTICIDE_LIMITS_UG_L[key] }));
  const metals = ruledGroup(HEAVY_METALS, (key) => HEAVY_METAL_RULES[key]);

  const doMgL = optionalNonNegative(input.do, "do");
  const temperature =
    input.temperature === null || input.temperature === undefined
      ? undefined
      : requireWaterTemperature(input.temperature);
  if (doMgL !== undefined && temperature === undefined) {
    return insufficientData("DO in mg/L needs the water temperature to be converted to % saturation");
  }
  const doSaturationPercent =
    doMgL !== undefined && temperature !== undefined ? doPercent(doMgL, temperature) : undefined;

  const organics: number[] = [];
  for (const key of ORGANIC_NUTRIENTS) {
    const value = key === "do" ? doSaturationPercent : optionalNonNegative(input[key], key);
    if (value === undefined) continue;
    const q = applyRule(ORGANIC_NUTRIENT_RULES[key], value);
    sub[key] = q;
    organics.push(q);
  }
  const microbes: number[] = [];
  for (const key of MICROBIOLOGY) {
    const value = optionalNonNegative(input[key], key);
    if (value === undefined) continue;
    const q = applyRule(MICROBIOLOGY_RULES[key], value);
    sub[key] = q;
    microbes.push(q);
  }

  if (organics.length < VN_WQI_MIN_GROUP_IV_PARAMETERS) {
    return insufficientData(
      `no WQI without at least ${VN_WQI_MIN_GROUP_IV_PARAMETERS} group IV parameters (DO, BOD5, COD, TOC, N-NH4, N-NO3, N-NO2, P-PO4); got ${organics.length}`,
    );
  }

  const groups = {
    I: sub.ph ?? null,
    II: pesticides.length > 0 ? geometricMean(pesticides) : null,
    III: metals.length > 0 ? geometricMean(metals) : null,
    IV: mean(organics),
    V: microbes.length > 0 ? mean(microbes) : null,
  };
  const measured = Object.values(groups).filter((value) => value !== null).length;
  if (measured < VN_WQI_MIN_GROUPS) {
    return insufficientData(
      `no WQI without at least ${VN_WQI_MIN_GROUPS} of the 5 groups (I pH, II pesticides, III heavy metals, IV organics and nutrients, V microbiology); got ${measured}`,
    );
  }
  const missing = (options.requiredGroups ?? []).filter((group) => groups[group] === null);
  if (missing.length > 0) {
    return insufficientData(
      `this water body requires group ${missing.join(" and ")} (${missing.map((g) => REQUIRABLE_GROUP_NAMES[g]).join(", ")}), not measured`,
    );
  }
  const factor = (value: number | null) => (value === null ? 1 : value / 100);
  const last =
    groups.V === null
      ? groups.IV
      : options.weighted
        ? Math.cbrt(groups.IV * groups.IV * groups.V)
        : Math.sqrt(groups.IV * groups.V);
  const exact = factor(groups.I) * factor(groups.II) * factor(groups.III) * last;
  // Every factor is at most 1 and the last at most 100; clamp away last-bit rounding.
  const wqi = roundHalfUp(Math.min(100, Math.max(0, exact)));

  const rounded = <K extends string>(record: Partial<Record<K, number | null>>) =>
    Object.fromEntries(
      Object.entries(record).map(([key, value]) => [
        key,
        value === null ? null : roundHalfUp(value as number),
      ]),
    );
  return {
    status: "ok",
    wqi,
    category: vnWqiCategory(wqi),
    groups: rounded(groups) as Record<WqiGroup, number | null>,
    subIndices: rounded(sub) as Partial<Record<WqiParameter, number>>,
    doSaturationPercent: doSaturationPercent === undefined ? null : roundHalfUp(doSaturationPercent, 1),
  };
}
