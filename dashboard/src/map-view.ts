import L from "leaflet";
import type { DeviceStatus } from "./contract.js";
import { statusMessageKey, type Translate } from "./i18n.js";
import { DAU_TIENG_RESERVOIR, type LatLon, PROVINCE_OUTLINE, VAM_CO_DONG_RIVER } from "./province-sketch.js";

export interface MapStation {
  id: string;
  name: string;
  lat: number;
  lon: number;
  status: DeviceStatus;
}

export interface MapView {
  setStations(stations: readonly MapStation[]): void;
  setSelected(deviceId: string | null): void;
  setLanguage(t: Translate): void;
}

export interface MapViewOptions {
  container: HTMLElement;
  /** Status colours and the note that the geography is a sketch; kept off the map so it hides nothing. */
  legend: HTMLElement;
  t: Translate;
  onSelect(deviceId: string): void;
}

const STATUSES: readonly DeviceStatus[] = ["online", "offline", "unknown"];
const MARKER_RADIUS = 8;
const SELECTED_MARKER_RADIUS = 12;

const toLatLngs = (points: readonly LatLon[]): L.LatLngExpression[] => points.map(([lat, lon]) => [lat, lon]);

/** Station map on a closed network: no tile layer, only a bundled sketch of the province. */
export function createMapView({ container, legend, t: initialT, onSelect }: MapViewOptions): MapView {
  let t = initialT;
  let selectedId: string | null = null;
  const markers = new Map<string, { marker: L.CircleMarker; station: MapStation }>();

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

  const tooltipText = (station: MapStation) => `${station.name} · ${t(statusMessageKey(station.status))}`;

  const styleMarker = (marker: L.CircleMarker, station: MapStation) => {
    const selected = station.id === selectedId;
    marker.setRadius(selected ? SELECTED_MARKER_RADIUS : MARKER_RADIUS);
    const element = marker.getElement();
    if (element !== undefined) {
      for (const status of STATUSES) element.classList.toggle(`status-${status}`, status === station.status);
      element.classList.toggle("selected", selected);
    }
    if (selected) marker.bringToFront();
  };

  const renderLabels = () => {
    province.unbindTooltip().bindTooltip(t("provinceName"), { sticky: true });
    reservoir.unbindTooltip().bindTooltip(t("reservoirName"), { sticky: true });
    river.unbindTooltip().bindTooltip(t("riverName"), { sticky: true });
    legend.replaceChildren(
      ...STATUSES.map((status) => {
        const item = document.createElement("span");
        item.className = `legend-item status-${status}`;
        item.textContent = t(statusMessageKey(status));
        return item;
      }),
      Object.assign(document.createElement("p"), {
        className: "map-sketch-note",
        textContent: t("mapSketchNote"),
      }),
    );
    for (const { marker, station } of markers.values()) marker.setTooltipContent(tooltipText(station));
  };

  renderLabels();

  return {
    setStations(stations) {
      const present = new Set(stations.map((station) => station.id));
      for (const [id, { marker }] of markers) {
        if (!present.has(id)) {
          marker.remove();
          markers.delete(id);
        }
      }
      for (const station of stations) {
        const existing = markers.get(station.id);
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
          markers.set(station.id, { marker, station });
          styleMarker(marker, station);
        } else {
          existing.station = station;
          existing.marker.setLatLng([station.lat, station.lon]);
          existing.marker.setTooltipContent(tooltipText(station));
          styleMarker(existing.marker, station);
        }
      }
    },
    setSelected(deviceId) {
      selectedId = deviceId;
      for (const { marker, station } of markers.values()) styleMarker(marker, station);
    },
    setLanguage(next) {
      t = next;
      renderLabels();
    },
  };
}
