import type { IndexCategory } from "./contract.js";
import { vnAqiCategory } from "./indices.js";

/** Presentation of the indices shared by the operators' and the residents' pages. */

export type Rgb = IndexCategory["rgb"];

export const cssRgb = ([r, g, b]: Rgb): string => `rgb(${r}, ${g}, ${b})`;

/** Relative luminance (WCAG 2) of an sRGB colour. */
function luminance(rgb: Rgb): number {
  const [r = 0, g = 0, b = 0] = rgb.map((channel) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Black or white text, whichever contrasts more with the background colour. */
export function textColourOn(background: Rgb): "#000000" | "#ffffff" {
  const l = luminance(background);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000000" : "#ffffff";
}

export interface AqiBand {
  readonly from: number;
  readonly to: number;
  readonly category: IndexCategory;
}

/** The six VN_AQI bands (Decision 1459/QĐ-TCMT) with the categories the service itself assigns. */
export const VN_AQI_BANDS: readonly AqiBand[] = (
  [
    [0, 50],
    [51, 100],
    [101, 150],
    [151, 200],
    [201, 300],
    [301, 500],
  ] as const
).map(([from, to]) => {
  const { key, vi, en, rgb } = vnAqiCategory(from);
  return { from, to, category: { key, vi, en, rgb: [rgb[0], rgb[1], rgb[2]] } };
});

/** Top of the band an AQI falls in, for a chart scale that shows the whole band. */
export function aqiBandTop(aqi: number): number {
  return VN_AQI_BANDS.find((band) => aqi <= band.to)?.to ?? 500;
}

export type FloodLevel = 0 | 1 | 2 | 3;

export const isFloodLevel = (value: number | null | undefined): value is FloodLevel =>
  value === 0 || value === 1 || value === 2 || value === 3;

/** Roman numerals as written on Vietnamese flood warnings: Báo động I, II, III. */
export const FLOOD_LEVEL_NUMERALS: Record<FloodLevel, string> = { 0: "", 1: "I", 2: "II", 3: "III" };

/** Badge colours: the usual warning ramp, yellow → orange → red; below level I stays neutral. */
export const FLOOD_LEVEL_COLOURS: Record<FloodLevel, Rgb> = {
  0: [220, 230, 238],
  1: [255, 214, 0],
  2: [255, 126, 0],
  3: [204, 0, 0],
};
