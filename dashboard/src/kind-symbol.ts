/**
 * One shape per station kind, the same on the map, in the list and in the legend, so a kind is
 * told by its outline and the fill stays free for the index colour: air ● circle, water quality
 * ◆ diamond, water level ▲ triangle, noise ■ square, weather ⬢ hexagon.
 */
const SHAPES: Readonly<Record<string, string>> = {
  air: "M12 3a9 9 0 1 1 0 18a9 9 0 1 1 0-18z",
  water_quality: "M12 2L22 12L12 22L2 12z",
  water_level: "M12 3L22 20H2z",
  noise: "M4 4H20V20H4z",
  weather: "M12 2L20.7 7V17L12 22L3.3 17V7z",
};
const UNKNOWN_SHAPE = "M12 6a6 6 0 1 1 0 12a6 6 0 1 1 0-12z";

export const KIND_SYMBOL_KINDS = ["air", "water_quality", "water_level", "noise", "weather"] as const;

export function kindShapePath(kind: string | null): string {
  return (kind === null ? undefined : SHAPES[kind]) ?? UNKNOWN_SHAPE;
}

/** An inline SVG of the kind's shape; `pathAttributes` go on the path (class, data-*, style). */
export function kindSymbolSvg(kind: string | null, size: number, pathAttributes: string): string {
  return `<svg class="kind-symbol" viewBox="0 0 24 24" width="${size}" height="${size}" aria-hidden="true"><path d="${kindShapePath(kind)}" ${pathAttributes}/></svg>`;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** The same shape as a DOM node, for the list and legends. */
export function kindSymbolElement(kind: string | null, fill: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", "kind-symbol");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", kindShapePath(kind));
  path.setAttribute("fill", fill);
  path.setAttribute("stroke", "#1f2933");
  path.setAttribute("stroke-width", "2");
  svg.append(path);
  return svg;
}
