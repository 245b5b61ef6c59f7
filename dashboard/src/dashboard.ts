import type { Socket } from "socket.io-client";
import { type AlertActions, createAlertPanel } from "./alert-panel.js";
import type { ApiClient } from "./api-client.js";
import { createAqiChartView } from "./aqi-chart-view.js";
import { createAttentionStrip } from "./attention-strip.js";
import { createChartView } from "./chart-view.js";
import {
  alertEventSchema,
  type CatalogueMetric,
  type Device,
  type LiveAqi,
  type LiveReading,
} from "./contract.js";
import { createFacilityPanel } from "./facility-panel.js";
import { createFormatters } from "./format.js";
import { createHeaderView } from "./header-view.js";
import { applyStaticTranslations, type Language, type LanguagePreference, translator } from "./i18n.js";
import { isFloodLevel } from "./index-display.js";
import { createIndexStore } from "./index-store.js";
import { startLiveFeed } from "./live-feed.js";
import { createMapView, type MapStation } from "./map-view.js";
import { createStationList } from "./station-list.js";
import { severityOf } from "./station-ranking.js";
import { situationOf } from "./station-situation.js";
import { createStationStore } from "./station-store.js";
import type { ViewContext } from "./view-context.js";

export interface DashboardDependencies {
  document: Document;
  api: ApiClient;
  /** Alert list and operator actions (acknowledge, resolve). */
  alerts: AlertActions;
  /** "/ops" namespace socket, created with autoConnect: false. */
  socket: Socket;
  languagePreference: LanguagePreference;
  now: () => number;
  /** Where the selected station is remembered (the URL fragment), so a wall screen can be bookmarked. */
  selection: { get(): string | null; set(deviceId: string | null): void };
  log: Pick<Console, "warn" | "error">;
}

/** Station statuses change without readings, so the list is re-read now and then. */
const DEVICE_REFRESH_MS = 30_000;
const LOAD_RETRY_MS = 5_000;
/** Live events carry new hours; the full answers also bring advice and catch anything missed. */
const AQI_REFRESH_MS = 5 * 60_000;
/** A pending AQI's promised time or a new WQI is worth a look more often than a full hour. */
const WQI_REFRESH_MS = 5 * 60_000;
const FLOOD_REFRESH_MS = 60_000;
/** Facilities send a file every 5 minutes: their day's figures change about as often. */
const FACILITIES_REFRESH_MS = 60_000;
/** A burst of events that need a full answer (a new station, a new category) asks once. */
const INDEX_REFETCH_DELAY_MS = 2_000;

function requireElement<T extends Element>(root: ParentNode, selector: string, type: new () => T): T {
  const found = root.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`dashboard markup is missing ${selector}`);
  return found;
}

/** Wires the views to the API and the live feed; returns what the socket's handshake needs. */
export function startDashboard(deps: DashboardDependencies): { lastAlertId(): number | undefined } {
  const { document: doc, api, now, log } = deps;
  const store = createStationStore();
  const indices = createIndexStore();
  let language: Language = deps.languagePreference.get();
  let catalogue: ReadonlyMap<string, CatalogueMetric> = new Map();
  let selectedId = deps.selection.get();
  let devicesFingerprint = "";

  const context = (): ViewContext => ({
    language,
    t: translator(language),
    format: createFormatters(language),
    catalogue,
  });
  let ctx = context();

  const select = (deviceId: string | null) => {
    if (deviceId === selectedId) return;
    selectedId = deviceId;
    deps.selection.set(deviceId);
    list.setSelected(deviceId);
    map.setSelected(deviceId);
    chart.showStation(deviceId);
    aqiChart.showStation(deviceId);
  };

  const header = createHeaderView({
    clock: requireElement(doc, "#clock", HTMLTimeElement),
    feedState: requireElement(doc, "#feed-state", HTMLElement),
    languageButtons: [...doc.querySelectorAll<HTMLButtonElement>(".language-switch button[data-lang]")],
    now,
    onLanguageChosen(next) {
      if (next === language) return;
      language = next;
      deps.languagePreference.set(next);
      renderLanguage();
    },
  });
  const map = createMapView({
    container: requireElement(doc, "#map", HTMLElement),
    legend: requireElement(doc, "#map-legend", HTMLElement),
    t: ctx.t,
    language,
    onSelect: select,
  });
  const list = createStationList({
    table: requireElement(doc, "#stations", HTMLTableElement),
    emptyNote: requireElement(doc, "#stations-empty", HTMLElement),
    controls: {
      search: requireElement(doc, "#station-search", HTMLInputElement),
      sort: requireElement(doc, "#station-sort", HTMLSelectElement),
      kind: requireElement(doc, "#filter-kind", HTMLSelectElement),
      area: requireElement(doc, "#filter-area", HTMLSelectElement),
      status: requireElement(doc, "#filter-status", HTMLSelectElement),
      count: requireElement(doc, "#station-count", HTMLElement),
    },
    store,
    indices,
    onSelect: select,
  });
  const chart = createChartView({
    title: requireElement(doc, "#chart-station", HTMLElement),
    metricSelect: requireElement(doc, "#chart-metric", HTMLSelectElement),
    range: {
      select: requireElement(doc, "#chart-range", HTMLSelectElement),
      custom: requireElement(doc, "#chart-custom", HTMLElement),
      from: requireElement(doc, "#chart-from", HTMLInputElement),
      to: requireElement(doc, "#chart-to", HTMLInputElement),
    },
    csvButton: requireElement(doc, "#chart-csv", HTMLButtonElement),
    status: requireElement(doc, "#chart-status", HTMLElement),
    plotArea: requireElement(doc, "#chart-plot", HTMLElement),
    api,
    store,
    now,
    onError: (error) => log.warn("chart data could not be loaded", error),
  });
  const aqiChart = createAqiChartView({
    title: requireElement(doc, "#aqi-chart-station", HTMLElement),
    status: requireElement(doc, "#aqi-chart-status", HTMLElement),
    detail: requireElement(doc, "#aqi-detail", HTMLElement),
    plotArea: requireElement(doc, "#aqi-chart-plot", HTMLElement),
    api,
    store,
    indices,
    now,
    onError: (error) => log.warn("AQI history could not be loaded", error),
  });
  const attention = createAttentionStrip({
    list: requireElement(doc, "#attention-list", HTMLElement),
    emptyNote: requireElement(doc, "#attention-empty", HTMLElement),
    indices,
    onSelect: select,
  });
  const loadError = requireElement(doc, "#load-error", HTMLElement);
  const facilityPanel = createFacilityPanel({
    panel: requireElement(doc, "#facilities-panel", HTMLElement),
    table: requireElement(doc, "#facilities", HTMLTableSectionElement),
    layout: requireElement(doc, ".layout", HTMLElement),
  });
  // Only a service with stations reporting by file serves their facilities (others answer 404).
  const FILE_STATION_KINDS = new Set(["wastewater", "stack_emission"]);
  const refreshFacilities = async () => {
    if (!store.devices().some((d) => d.kind !== null && FILE_STATION_KINDS.has(d.kind))) {
      facilityPanel.show(null);
      return;
    }
    try {
      facilityPanel.show(await api.facilities());
    } catch (error) {
      log.warn("facilities could not be loaded", error);
    }
  };
  const alertPanel = createAlertPanel({
    list: requireElement(doc, "#alerts", HTMLElement),
    emptyNote: requireElement(doc, "#alerts-empty", HTMLElement),
    status: requireElement(doc, "#alerts-status", HTMLElement),
    actions: deps.alerts,
    stationName: (deviceId) => store.device(deviceId)?.name ?? deviceId,
    log,
  });

  const mapStations = (devices: readonly Device[]): MapStation[] =>
    devices.flatMap((device) => {
      const { id, name, kind, lat, lon, status } = device;
      if (lat === null || lon === null) return [];
      const aqi = indices.aqi(id);
      const wqi = indices.wqi(id);
      const flood = indices.flood(id);
      return [
        {
          id,
          name,
          kind,
          lat,
          lon,
          status,
          severity: severityOf(situationOf(device, indices)),
          aqi: aqi === undefined ? null : { value: aqi.aqi, category: aqi.category },
          wqi: wqi === undefined ? null : { value: wqi.wqi, category: wqi.category },
          flood:
            flood === undefined || !isFloodLevel(flood.level)
              ? null
              : { level: flood.level, label: flood.label },
        },
      ];
    });

  const showIndicesOf = (stationIds: readonly string[]) => {
    if (stationIds.length === 0) return;
    for (const id of stationIds) list.updateIndices(id);
    map.setStations(mapStations(store.devices()));
    attention.render(store.devices(), ctx);
    if (selectedId !== null && stationIds.includes(selectedId)) aqiChart.refreshDetail();
  };

  const refreshAqi = async () => {
    try {
      const { stations, pending } = await api.aqiLatest();
      showIndicesOf([...new Set([...indices.setAqiLatest(stations), ...indices.setAqiPending(pending)])]);
    } catch (error) {
      log.warn("AQI could not be loaded", error);
    }
  };
  const refreshWqi = async () => {
    try {
      showIndicesOf(indices.setWqiLatest(await api.wqiLatest()));
    } catch (error) {
      log.warn("WQI could not be loaded", error);
    }
  };
  const refreshFlood = async () => {
    try {
      showIndicesOf(indices.setFloodLatest(await api.floodLatest()));
    } catch (error) {
      log.warn("flood levels could not be loaded", error);
    }
  };
  const delayed = (action: () => Promise<void>) => {
    let scheduled = false;
    return () => {
      if (scheduled) return;
      scheduled = true;
      setTimeout(() => {
        scheduled = false;
        void action();
      }, INDEX_REFETCH_DELAY_MS);
    };
  };
  const refetchAqiSoon = delayed(refreshAqi);
  const refetchFloodSoon = delayed(refreshFlood);

  const renderStations = () => {
    list.render(ctx);
    list.setSelected(selectedId);
    map.setStations(mapStations(store.devices()));
    map.setSelected(selectedId);
    attention.render(store.devices(), ctx);
    chart.render(ctx);
    aqiChart.render(ctx);
    alertPanel.render(ctx);
    facilityPanel.render(ctx);
  };

  function renderLanguage() {
    ctx = context();
    doc.documentElement.lang = language;
    doc.title = ctx.t("appTitle");
    applyStaticTranslations(doc, ctx.t);
    header.render(language, ctx.t, ctx.format);
    map.setLanguage(ctx.t, language);
    renderStations();
  }

  /**
   * Applies a device list; returns false when nothing shown changed, to spare a rebuild that would
   * cut short the change highlights. lastSeen/statusAt move with every reading and are not shown.
   */
  const acceptDevices = (devices: Device[]): boolean => {
    const fingerprint = JSON.stringify(devices.map(({ lastSeen, statusAt, ...shown }) => shown));
    if (fingerprint === devicesFingerprint) return false;
    devicesFingerprint = fingerprint;
    store.setDevices(devices);
    return true;
  };

  // Several unknown devices may report at once; one fetch at a time, plus one more if asked meanwhile.
  let refreshing: Promise<void> | null = null;
  let refreshAgain = false;
  const refreshDevices = (): Promise<void> => {
    if (refreshing !== null) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      try {
        do {
          refreshAgain = false;
          if (acceptDevices(await api.devices())) renderStations();
        } while (refreshAgain);
      } catch (error) {
        log.warn("station list could not be refreshed", error);
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  };

  const onReading = (reading: LiveReading) => {
    const outcome = store.applyReading(reading);
    if (!outcome.knownDevice) {
      void refreshDevices();
      return;
    }
    list.updateStation(reading.deviceId, outcome.changedMetrics);
    if (reading.deviceId === selectedId && outcome.newMetrics.length > 0) chart.render(ctx);
    chart.appendReading(reading);
    const waterLevel = reading.values.water_level;
    if (waterLevel !== undefined) {
      if (indices.flood(reading.deviceId) === undefined) refetchFloodSoon();
      else if (indices.applyWaterLevel(reading.deviceId, Date.parse(reading.ts), waterLevel)) {
        showIndicesOf([reading.deviceId]);
      }
    }
  };

  const onAqi = (event: LiveAqi) => {
    aqiChart.applyLiveAqi(event);
    if (event.period !== "hour") return;
    if (indices.applyLiveAqi(event)) showIndicesOf([event.station]);
    // Only the full answer names a new station and brings the advice of a new category.
    const known = indices.aqi(event.station);
    if (known === undefined || known.advice === null) refetchAqiSoon();
  };

  const loadEverything = async (): Promise<void> => {
    try {
      const [metrics, devices, latest] = await Promise.all([api.catalogue(), api.devices(), api.latest()]);
      catalogue = new Map(metrics.map((metric) => [metric.key, metric]));
      ctx = context();
      acceptDevices(devices);
      store.mergeLatest(latest);
      loadError.hidden = true;
      renderStations();
      chart.showStation(selectedId);
      aqiChart.showStation(selectedId);
      void refreshAqi();
      void refreshWqi();
      void refreshFlood();
      void refreshFacilities();
    } catch (error) {
      loadError.hidden = false;
      log.warn("dashboard data could not be loaded; retrying", error);
      setTimeout(() => void loadEverything(), LOAD_RETRY_MS);
    }
  };

  renderLanguage();
  startLiveFeed({
    socket: deps.socket,
    onReading,
    onAqi,
    onStateChange: (state) => header.setFeedState(state),
    // Reload once subscribed, on the first connection too: a reading stored between the first
    // load and the subscription, or while disconnected, would otherwise wait for the next refresh.
    onSubscribed: () => {
      void loadEverything();
      void alertPanel.load();
    },
    onInvalidEvent: (message) => log.error(message),
  });
  deps.socket.on("alert", (payload: unknown) => {
    const event = alertEventSchema.safeParse(payload);
    if (event.success) alertPanel.accept(event.data);
    else log.error(`alert event does not match the contract: ${event.error.message}`);
  });
  void loadEverything();
  setInterval(() => void refreshDevices(), DEVICE_REFRESH_MS);
  setInterval(() => void refreshAqi(), AQI_REFRESH_MS);
  setInterval(() => void refreshFlood(), FLOOD_REFRESH_MS);
  setInterval(() => void refreshWqi(), WQI_REFRESH_MS);
  setInterval(() => void refreshFacilities(), FACILITIES_REFRESH_MS);
  return { lastAlertId: () => alertPanel.lastEventId() };
}
