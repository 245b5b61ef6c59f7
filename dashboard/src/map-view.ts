import L from "leaflet";
import type { DeviceStatus, IndexCategory } from "./contract.js";
import { type Language, statusMessageKey, type Translate } from "./i18n.js";
import {
  cssRgb,
  FLOOD_LEVEL_COLOURS,
  FLOOD_LEVEL_NUMERALS,
  type FloodLevel,
  textColourOn,
} from "./index-display.js";
import { aqiLegend, floodLegend } from "./index-legend.js";
import { DAU_TIENG_RESERVOIR, type LatLon, PROVINCE_OUTLINE, VAM_CO_DONG_RIVER } from "./province-sketch.js";

export interface MapStation {
  id: string;
  name: string;
  lat: number;
  lon: number;
  status: DeviceStatus;
  /** The newest hourly AQI: colours the marker. */
  aqi: { value: number; category: IndexCategory } | null;
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
const MARKER_RADIUS = 8;
const SELECTED_MARKER_RADIUS = 12;

const toLatLngs = (points: readonly LatLon[]): L.LatLngExpression[] => points.map(([lat, lon]) => [lat, lon]);

interface Placed {
  marker: L.CircleMarker;
  badge: L.Marker | null;
  badgeLevel: FloodLevel;
  station: MapStation;
}

/** Station map on a closed network: no tile layer, only a bundled sketch of the province. */
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
    const parts = [station.name, t(statusMessageKey(station.status))];
    if (station.aqi !== null) parts.push(`AQI ${station.aqi.value} (${station.aqi.category[language]})`);
    if (station.flood?.label) parts.push(station.flood.label[language]);
    return parts.join(" · ");
  };

  const styleMarker = ({ marker, station }: Placed) => {
    const selected = station.id === selectedId;
    marker.setRadius(selected ? SELECTED_MARKER_RADIUS : MARKER_RADIUS);
    const element = marker.getElement();
    if (element instanceof SVGElement) {
      for (const status of STATUSES) element.classList.toggle(`status-${status}`, status === station.status);
      element.classList.toggle("selected", selected);
      element.classList.toggle("has-aqi", station.aqi !== null);
      element.setAttribute("data-station", station.id);
      // The AQI colour wins over the status colour; an inline style beats the stylesheet's class.
      element.style.fill = station.aqi === null ? "" : cssRgb(station.aqi.category.rgb);
      if (station.aqi === null) {
        element.removeAttribute("data-aqi-category");
        element.removeAttribute("data-aqi");
      } else {
        element.setAttribute("data-aqi-category", station.aqi.category.key);
        element.setAttribute("data-aqi", String(station.aqi.value));
      }
    }
    if (selected) marker.bringToFront();
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
      item.textContent = t(statusMessageKey(status));
      return item;
    });
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
          const marker = L.circleMarker([station.lat, station.lon], {
            className: "station-marker",
            radius: MARKER_RADIUS,
            weight: 2,
            fillOpacity: 1,
          });
          marker.bindTooltip(tooltipText(station), { direction: "top", offset: [0, -8] });
          marker.on("click", () => onSelect(station.id));
          marker.addTo(map);
          const entry: Placed = { marker, badge: null, badgeLevel: 0, station };
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
