import { element } from "./dom.js";
import type { Language, Translate } from "./i18n.js";
import { floodBadge, paintCategory } from "./index-badges.js";
import { type FloodLevel, VN_AQI_BANDS } from "./index-display.js";
import { floodLevelLabel } from "./indices.js";

/** The six VN_AQI categories with their ranges and colours: required wherever the AQI is published. */
export function aqiLegend(t: Translate, language: Language): HTMLElement {
  const box = element("div", "aqi-legend");
  box.append(element("p", "legend-title", t("aqiLegendTitle")));
  const list = element("ol", "aqi-legend-bands");
  for (const { from, to, category } of VN_AQI_BANDS) {
    const item = element("li", "aqi-legend-band");
    const swatch = element("span", "aqi-legend-swatch", `${from}–${to}`);
    paintCategory(swatch, category);
    item.append(swatch, element("span", "aqi-legend-name", category[language]));
    list.append(item);
  }
  box.append(list);
  return box;
}

/** Flood alarm levels I, II, III with the badge each gets. */
export function floodLegend(t: Translate, language: Language): HTMLElement {
  const box = element("div", "flood-legend");
  box.append(element("p", "legend-title", t("floodLegendTitle")));
  const list = element("ul", "flood-legend-levels");
  for (const level of [1, 2, 3] as const satisfies readonly FloodLevel[]) {
    const item = element("li", "flood-legend-level");
    item.append(floodBadge(level, floodLevelLabel(level)[language]));
    list.append(item);
  }
  box.append(list);
  return box;
}
