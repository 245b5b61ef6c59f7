import type { Device } from "./contract.js";
import { element } from "./dom.js";
import { aqiChip, floodBadge, paintCategory } from "./index-badges.js";
import { isFloodLevel } from "./index-display.js";
import type { IndexStore } from "./index-store.js";
import { kindSymbolElement } from "./kind-symbol.js";
import { attentionStations } from "./station-ranking.js";
import { situationOf } from "./station-situation.js";
import type { ViewContext } from "./view-context.js";

export interface AttentionStripOptions {
  /** The strip's list of stations. */
  list: HTMLElement;
  /** Shown when no station needs attention. */
  emptyNote: HTMLElement;
  indices: IndexStore;
  onSelect(deviceId: string): void;
}

/**
 * The stations at a flood alarm or in the two worst AQI (or WQI) categories, worst first, above
 * everything else: the answer to "where is it bad now" without looking at the map.
 */
export function createAttentionStrip(options: AttentionStripOptions) {
  const { list, emptyNote, indices, onSelect } = options;
  list.addEventListener("click", (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>("button[data-station]");
    if (button?.dataset.station !== undefined) onSelect(button.dataset.station);
  });

  const chipOf = (device: Device, ctx: ViewContext): HTMLElement => {
    const button = element("button", "attention-station");
    button.type = "button";
    button.dataset.station = device.id;
    button.append(kindSymbolElement(device.kind, "#ffffff"), element("span", "attention-name", device.name));
    const aqi = indices.aqi(device.id);
    const wqi = indices.wqi(device.id);
    const flood = indices.flood(device.id);
    if (flood !== undefined && isFloodLevel(flood.level) && flood.level > 0) {
      button.append(floodBadge(flood.level, flood.label?.[ctx.language] ?? ""));
    }
    if (aqi !== undefined) {
      button.append(
        aqiChip(aqi.aqi, aqi.category, ctx.language),
        element("span", "attention-category", aqi.category[ctx.language]),
      );
    }
    if (wqi !== undefined) {
      const chip = element("span", "wqi-chip", `${ctx.t("wqiLabel")} ${wqi.wqi}`);
      paintCategory(chip, wqi.category);
      button.append(chip, element("span", "attention-category", wqi.category[ctx.language]));
    }
    if (device.areaName !== null) button.append(element("span", "attention-area", device.areaName));
    return button;
  };

  return {
    render(devices: readonly Device[], ctx: ViewContext): void {
      const byId = new Map(devices.map((device) => [device.id, device]));
      const worst = attentionStations(
        devices.map((device) => situationOf(device, indices)),
        ctx.language,
      );
      list.replaceChildren(
        ...worst.flatMap((station) => {
          const device = byId.get(station.id);
          if (device === undefined) return [];
          const item = element("li");
          item.append(chipOf(device, ctx));
          return [item];
        }),
      );
      emptyNote.hidden = worst.length > 0;
    },
  };
}
