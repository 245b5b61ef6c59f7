/**
 * Per-parameter sub-indices of VN_WQI, Decision 1460/QĐ-TCMT. Each is a piecewise-linear curve
 * with fixed values below its first and above its last breakpoint, or a pass/fail limit
 * (pesticides, N-NO2).
 */
import { type CurvePoint, interpolate } from "./piecewise-linear.js";

interface Curve {
  readonly kind: "curve";
  readonly points: readonly CurvePoint[];
  /** Sub-index below the first breakpoint and above the last. */
  readonly below: number;
  readonly above: number;
}

interface Limit {
  readonly kind: "limit";
  /** At or below the limit → 100, above → 10. */
  readonly limit: number;
}

export type SubIndexRule = Curve | Limit;

const FAIL = 10;
const PASS = 100;

const steps = (concentrations: readonly number[], values: readonly number[]): readonly CurvePoint[] =>
  concentrations.map((c, i) => [c, values[i] as number] as const);
const falling = (concentrations: readonly number[]): Curve => ({
  kind: "curve",
  points: steps(concentrations, [100, 75, 50, 25, 10]),
  below: PASS,
  above: FAIL,
});

/** Group I. */
export const PH_RULE: Curve = {
  kind: "curve",
  points: [
    [5.5, 50],
    [6, 100],
    [8.5, 100],
    [9, 50],
  ],
  below: FAIL,
  above: FAIL,
};

/** Group II, µg/L: QCVN 08 limits the decision refers to. Heptachlor = heptachlor + heptachlor epoxide. */
export const PESTICIDE_LIMITS_UG_L = {
  aldrin: 0.1,
  bhc: 0.02,
  dieldrin: 0.1,
  ddts: 1.0,
  heptachlor: 0.2,
} as const;
export type Pesticide = keyof typeof PESTICIDE_LIMITS_UG_L;

/**
 * Group III, mg/L: the decision's Table 2, q = 100 / 75 / 50 / 25 / 10, formula 1 (linear) between
 * breakpoints, a value on a breakpoint takes that breakpoint's q. A column written "<x" for q = 100
 * (Cd, Pb, Hg) makes a step: 100 strictly below x, 75 at x. A last column ">x" (As) makes a step
 * from 25 at x to 10 above it; "≥x" is the end of a line from 25 down to 10.
 */
export const HEAVY_METAL_RULES = {
  as: { kind: "curve", points: steps([0.01, 0.02, 0.05, 0.1], [100, 75, 50, 25]), below: PASS, above: FAIL },
  cd: { kind: "curve", points: steps([0.005, 0.008, 0.01, 0.1], [75, 50, 25, 10]), below: PASS, above: FAIL },
  pb: { kind: "curve", points: steps([0.02, 0.04, 0.05, 0.5], [75, 50, 25, 10]), below: PASS, above: FAIL },
  cr6: falling([0.01, 0.02, 0.04, 0.05, 0.1]),
  cu: falling([0.1, 0.2, 0.5, 1.0, 2]),
  zn: falling([0.5, 1.0, 1.5, 2.0, 3]),
  hg: {
    kind: "curve",
    points: steps([0.001, 0.0015, 0.002, 0.01], [75, 50, 25, 10]),
    below: PASS,
    above: FAIL,
  },
} as const satisfies Record<string, SubIndexRule>;
export type HeavyMetal = keyof typeof HEAVY_METAL_RULES;

/** Group IV (DO as % saturation; the rest mg/L) and group V (MPN/100 mL). */
export const ORGANIC_NUTRIENT_RULES = {
  do: {
    kind: "curve",
    points: [
      [20, 25],
      [50, 50],
      [75, 75],
      [88, 100],
      [112, 100],
      [125, 75],
      [150, 50],
      [200, 25],
    ],
    below: FAIL,
    above: FAIL,
  },
  bod5: falling([4, 6, 15, 25, 50]),
  cod: falling([10, 15, 30, 50, 150]),
  toc: falling([4, 6, 15, 25, 50]),
  // Read literally from the decision's table: 100 below 0.3 mg/L, 75 at 0.3 (a step at the limit).
  nh4: { kind: "curve", points: steps([0.3, 0.6, 0.9, 5], [75, 50, 25, 10]), below: PASS, above: FAIL },
  // Above 15 mg/L the table stops; like every other parameter past its last breakpoint → 10.
  no3: { kind: "curve", points: steps([2, 5, 10, 15], [100, 75, 50, 25]), below: PASS, above: FAIL },
  no2: { kind: "limit", limit: 0.05 },
  po4: falling([0.1, 0.2, 0.3, 0.5, 4]),
} as const satisfies Record<string, SubIndexRule>;
export type OrganicNutrient = keyof typeof ORGANIC_NUTRIENT_RULES;

export const MICROBIOLOGY_RULES = {
  coliform: {
    kind: "curve",
    points: steps([2500, 5000, 7500, 10_000], [100, 75, 50, 25]),
    below: PASS,
    above: FAIL,
  },
  ecoli: { kind: "curve", points: steps([20, 50, 100, 200], [100, 75, 50, 25]), below: PASS, above: FAIL },
} as const satisfies Record<string, SubIndexRule>;
export type Microbiology = keyof typeof MICROBIOLOGY_RULES;

/** Sub-index (10–100, unrounded) of a valid, non-negative value under a rule. */
export function applyRule(rule: SubIndexRule, value: number): number {
  if (rule.kind === "limit") return value <= rule.limit ? PASS : FAIL;
  const [firstX] = rule.points[0] as CurvePoint;
  const [lastX] = rule.points.at(-1) as CurvePoint;
  if (value < firstX) return rule.below;
  if (value > lastX) return rule.above;
  return interpolate(rule.points, value);
}
