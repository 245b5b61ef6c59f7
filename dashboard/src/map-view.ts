import L from "leaflet";
import type { DeviceStatus, IndexCategory } from "./contract.js";
import { kindMessageKey, type Language, statusMessageKey, type Translate } from "./i18n.js";
import {
  cssRgb,
  FLOOD_LEVEL_COLOURS,
  FLOOD_LEVEL_NUMERALS,
  type FloodLevel,
  textColourOn,
} from "./index-display.js";
import { aqiLegend, floodLegend } from "./index-legend.js";
import { KIND_SYMBOL_KINDS, kindSymbolElement, kindSymbolSvg } from "./kind-symbol.js";
import { DAU_TIENG_RESERVOIR, type LatLon, PROVINCE_OUTLINE, VAM_CO_DONG_RIVER } from "./province-sketch.js";

export interface MapStation {
  id: string;
  name: string;
  kind: string | null;
  lat: number;
  lon: number;
  status: DeviceStatus;
  /** The newest hourly AQI: colours an air station's marker. */
  aqi: { value: number; category: IndexCategory } | null;
  /** The newest hourly WQI: colours a water-quality station's marker. */
  wqi: { value: number; category: IndexCategory } | null;
  /** 0 (fine) … 5 (worst), station-ranking.ts: the worst markers are drawn on top. */
  severity: number;
  /** The alarm level of a water-level station: a badge beside the marker from level I up. */
  flood: { level: FloodLevel; label: { vi: string; en: string } | null } | null;
}

export interface MapView {
  setStations(stations: readonly MapStation[]): void;
  setSelected(deviceId: string | null): void;
  setLanguage(t: Translate, language: Language): void;
}

export interface MapViewOptions {
  container: HTMLElement;
  /** AQI, flood and status keys, and the note that the geography is a sketch; kept off the map so it hides nothing. */
  legend: HTMLElement;
  t: Translate;
  language: Language;
  onSelect(deviceId: string): void;
}

const STATUSES: readonly DeviceStatus[] = ["online", "offline", "unknown"];
const MARKER_SIZE = 22;
const SELECTED_MARKER_SIZE = 32;
/** Leaflet stacks markers by screen row plus this offset: severity must beat any difference in rows. */
const SEVERITY_Z_STEP = 100_000;
/** A station without an index yet: white, so no colour of any index scale is borrowed. */
const NO_INDEX_FILL = "#ffffff";

const toLatLngs = (points: readonly LatLon[]): L.LatLngExpression[] => points.map(([lat, lon]) => [lat, lon]);

interface Placed {
  marker: L.Marker;
  /** What the icon was drawn from: a new icon only when it changes. */
  iconKey: string;
  badge: L.Marker | null;
  badgeLevel: FloodLevel;
  station: MapStation;
}

/** The index colour of a marker: AQI for air, WQI for water quality, the alarm level for water level. */
function markerFill(station: MapStation): string {
  if (station.aqi !== null) return cssRgb(station.aqi.category.rgb);
  if (station.wqi !== null) return cssRgb(station.wqi.category.rgb);
  if (station.flood !== null) return cssRgb(FLOOD_LEVEL_COLOURS[station.flood.level]);
  return NO_INDEX_FILL;
}

/** A small sample of each status's outline for the legend: the same rule as the markers' (styles.css). */
function statusSample(status: DeviceStatus): SVGSVGElement {
  const svg = kindSymbolElement("air", NO_INDEX_FILL);
  svg.querySelector("path")?.setAttribute("class", `station-marker status-${status}`);
  return svg;
}

/**
 * Station map on a closed network: no tile layer, only a bundled sketch of the province. Each
 * station is drawn in its kind's shape, filled with its index colour, outlined by its connection
 * status (solid dark: online; dashed grey and faded: offline; dotted grey: unknown), worst on top.
 */
export function createMapView(options: MapViewOptions): MapView {
  const { container, onSelect } = options;
  let t = options.t;
  let language = options.language;
  let selectedId: string | null = null;
  const placed = new Map<string, Placed>();

  const map = L.map(container, { zoomSnap: 0.25, minZoom: 7, maxZoom: 15, attributionControl: false });
  // Colours live in the stylesheet (classes below); Leaflet's inline colours are only fallbacks.
  const province = L.polygon(toLatLngs(PROVINCE_OUTLINE), { className: "map-province", interactive: true });
  const reservoir = L.polygon(toLatLngs(DAU_TIENG_RESERVOIR), { className: "map-reservoir" });
  const river = L.polyline(toLatLngs(VAM_CO_DONG_RIVER), { className: "map-river", weight: 3 });
  for (const layer of [province, reservoir, river]) layer.addTo(map);
  const showWholeProvince = () => map.fitBounds(province.getBounds(), { padding: [12, 12] });
  showWholeProvince();

  // The panel changes size with the window or the grid; Leaflet must be told, and the province re-framed.
  new ResizeObserver(() => {
    map.invalidateSize();
    showWholeProvince();
  }).observe(container);

  const tooltipText = (station: MapStation) => {
    const parts = [station.name, t(kindMessageKey(station.kind)), t(statusMessageKey(station.status))];
    if (station.aqi !== null) parts.push(`AQI ${station.aqi.value} (${station.aqi.category[language]})`);
    if (station.wqi !== null) parts.push(`WQI ${station.wqi.value} (${station.wqi.category[language]})`);
    if (station.flood?.label) parts.push(station.flood.label[language]);
    return parts.join(" · ");
  };

  const markerIcon = (station: MapStation, selected: boolean) => {
    const size = selected ? SELECTED_MARKER_SIZE : MARKER_SIZE;
    const classes = ["station-marker", `status-${station.status}`, `kind-${station.kind ?? "unknown"}`];
    if (selected) classes.push("selected");
    if (station.aqi !== null) classes.push("has-aqi");
    const attributes = [
      `class="${classes.join(" ")}"`,
      `data-station="${station.id}"`,
      `data-severity="${station.severity}"`,
      `style="fill:${markerFill(station)}"`,
    ];
    if (station.aqi !== null) {
      attributes.push(`data-aqi-category="${station.aqi.category.key}"`, `data-aqi="${station.aqi.value}"`);
    }
    return {
      key: `${size}|${attributes.join(" ")}`,
      icon: L.divIcon({
        className: "station-icon",
        html: kindSymbolSvg(station.kind, size, attributes.join(" ")),
        iconSize: [size, size],
        iconAnchor: [size / 2, size / 2],
      }),
    };
  };

  const styleMarker = (entry: Placed) => {
    const { marker, station } = entry;
    const selected = station.id === selectedId;
    const { key, icon } = markerIcon(station, selected);
    if (key !== entry.iconKey) {
      marker.setIcon(icon);
      entry.iconKey = key;
    }
    marker.setZIndexOffset(station.severity * SEVERITY_Z_STEP + (selected ? 6 * SEVERITY_Z_STEP : 0));
  };

  const badgeIcon = (station: MapStation, level: FloodLevel) =>
    L.divIcon({
      className: `flood-map-badge flood-level-${level}`,
      html: `<span data-station="${station.id}" data-flood-level="${level}" style="background:${cssRgb(FLOOD_LEVEL_COLOURS[level])};color:${textColourOn(FLOOD_LEVEL_COLOURS[level])}">${FLOOD_LEVEL_NUMERALS[level]}</span>`,
      iconSize: [30, 20],
      // Up and to the right of the station's circle, so both stay visible.
      iconAnchor: [-6, 24],
    });

  const placeBadge = (entry: Placed) => {
    const level = entry.station.flood?.level ?? 0;
    if (level === 0) {
      entry.badge?.remove();
      entry.badge = null;
      entry.badgeLevel = 0;
      return;
    }
    const at: L.LatLngExpression = [entry.station.lat, entry.station.lon];
    if (entry.badge === null) {
      const badge = L.marker(at, { icon: badgeIcon(entry.station, level), keyboard: false });
      badge.on("click", () => onSelect(entry.station.id));
      badge.addTo(map);
      entry.badge = badge;
    } else {
      entry.badge.setLatLng(at);
      if (entry.badgeLevel !== level) entry.badge.setIcon(badgeIcon(entry.station, level));
    }
    entry.badgeLevel = level;
    entry.badge
      .unbindTooltip()
      .bindTooltip(tooltipText(entry.station), { direction: "top", offset: [0, -8] });
  };

  const renderLabels = () => {
    province.unbindTooltip().bindTooltip(t("provinceName"), { sticky: true });
    reservoir.unbindTooltip().bindTooltip(t("reservoirName"), { sticky: true });
    river.unbindTooltip().bindTooltip(t("riverName"), { sticky: true });
    const statusItems = STATUSES.map((status) => {
      const item = document.createElement("span");
      item.className = `legend-item status-${status}`;
      item.append(statusSample(status), document.createTextNode(t(statusMessageKey(status))));
      return item;
    });
    const kindLegend = document.createElement("div");
    kindLegend.className = "kind-legend";
    kindLegend.append(
      Object.assign(document.createElement("p"), {
        className: "legend-title",
        textContent: t("kindLegendTitle"),
      }),
      ...KIND_SYMBOL_KINDS.map((kind) => {
        const item = document.createElement("span");
        item.className = "legend-item";
        item.append(kindSymbolElement(kind, NO_INDEX_FILL), document.createTextNode(t(kindMessageKey(kind))));
        return item;
      }),
    );
    const statusLegend = document.createElement("div");
    statusLegend.className = "status-legend";
    statusLegend.append(
      Object.assign(document.createElement("p"), {
        className: "legend-title",
        textContent: t("statusLegendTitle"),
      }),
      ...statusItems,
    );
    options.legend.replaceChildren(
      aqiLegend(t, language),
      floodLegend(t, language),
      kindLegend,
      statusLegend,
      Object.assign(document.createElement("p"), {
        className: "map-sketch-note",
        textContent: t("mapSketchNote"),
      }),
    );
    for (const entry of placed.values()) {
      entry.marker.setTooltipContent(tooltipText(entry.station));
      placeBadge(entry);
    }
  };

  renderLabels();

  return {
    setStations(stations) {
      const present = new Set(stations.map((station) => station.id));
      for (const [id, { marker, badge }] of placed) {
        if (!present.has(id)) {
          marker.remove();
          badge?.remove();
          placed.delete(id);
        }
      }
      for (const station of stations) {
        const existing = placed.get(station.id);
        if (existing === undefined) {
          const { key, icon } = markerIcon(station, station.id === selectedId);
          const marker = L.marker([station.lat, station.lon], { icon, keyboard: true, title: station.name });
          marker.bindTooltip(tooltipText(station), { direction: "top", offset: [0, -10] });
          marker.on("click", () => onSelect(station.id));
          marker.addTo(map);
          const entry: Placed = { marker, iconKey: key, badge: null, badgeLevel: 0, station };
          placed.set(station.id, entry);
          styleMarker(entry);
          placeBadge(entry);
        } else {
          existing.station = station;
          existing.marker.setLatLng([station.lat, station.lon]);
          existing.marker.setTooltipContent(tooltipText(station));
          styleMarker(existing);
          placeBadge(existing);
        }
      }
    },
    setSelected(deviceId) {
      selectedId = deviceId;
      for (const entry of placed.values()) styleMarker(entry);
    },
    setLanguage(nextT, nextLanguage) {
      t = nextT;
      language = nextLanguage;
      renderLabels();
    },
  };
}
