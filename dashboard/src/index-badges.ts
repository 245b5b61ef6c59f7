import type { IndexCategory } from "./contract.js";
import type { Language } from "./i18n.js";
import { cssRgb, FLOOD_LEVEL_COLOURS, type FloodLevel, textColourOn } from "./index-display.js";

/** Small DOM pieces that show an index the same way on every page. */

function span(className: string, text: string): HTMLSpanElement {
  const created = document.createElement("span");
  created.className = className;
  created.textContent = text;
  return created;
}

/** A colour swatch or chip in the category's exact colour, with text that stays readable on it. */
export function paintCategory(target: HTMLElement, category: IndexCategory): void {
  target.style.backgroundColor = cssRgb(category.rgb);
  target.style.color = textColourOn(category.rgb);
  target.dataset.category = category.key;
}

/** "AQI 59" on its category colour. */
export function aqiChip(aqi: number, category: IndexCategory, language: Language): HTMLSpanElement {
  const chip = span("aqi-chip", `AQI ${aqi}`);
  paintCategory(chip, category);
  chip.dataset.aqi = String(aqi);
  chip.title = category[language];
  return chip;
}

/** "Báo động II" on orange, "Báo động III" on red…; below level I on a neutral grey. */
export function floodBadge(level: FloodLevel, label: string): HTMLSpanElement {
  const badge = span(`flood-badge flood-level-${level}`, label);
  badge.style.backgroundColor = cssRgb(FLOOD_LEVEL_COLOURS[level]);
  badge.style.color = textColourOn(FLOOD_LEVEL_COLOURS[level]);
  badge.dataset.floodLevel = String(level);
  return badge;
}
