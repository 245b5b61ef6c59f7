import type { AqiLatestResponse, FloodLatestResponse } from "./contract.js";
import { createFormatters } from "./format.js";
import {
  applyStaticTranslations,
  type Language,
  type LanguagePreference,
  type MessageKey,
  translator,
} from "./i18n.js";
import { aqiLegend, floodLegend } from "./index-legend.js";
import type { PublicApiClient } from "./public-api-client.js";
import type { ResidentAlerts } from "./resident-alerts.js";
import { type AreaChoice, areasOf } from "./resident-areas.js";
import { renderResidentArea } from "./resident-view.js";
import type { ViewContext } from "./view-context.js";

export interface ResidentPageDependencies {
  document: Document;
  api: PublicApiClient;
  languagePreference: LanguagePreference;
  /** Public alerts of the chosen area, live. */
  alerts: ResidentAlerts;
  /** Where the chosen area is remembered (the URL fragment), so a link can be shared. */
  selection: { get(): string | null; set(area: string | null): void };
  log: Pick<Console, "warn">;
}

/** The chosen area's AQI is hourly; flood levels move faster. */
const AREA_REFRESH_MS = 60_000;
const AREA_LIST_REFRESH_MS = 10 * 60_000;
const RETRY_MS = 10_000;

function requireElement<T extends Element>(root: ParentNode, selector: string, type: new () => T): T {
  const found = root.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`resident page markup is missing ${selector}`);
  return found;
}

/** The residents' page: choose a commune or ward, see its air quality and flood levels. Public routes only. */
export function startResidentPage(deps: ResidentPageDependencies): void {
  const { document: doc, api, log } = deps;
  const areaSelect = requireElement(doc, "#area-select", HTMLSelectElement);
  const status = requireElement(doc, "#resident-status", HTMLElement);
  const legend = requireElement(doc, "#resident-legend", HTMLElement);
  const languageButtons = [...doc.querySelectorAll<HTMLButtonElement>(".language-switch button[data-lang]")];
  const sections = {
    airSection: requireElement(doc, "#air-section", HTMLElement),
    airCards: requireElement(doc, "#air-cards", HTMLElement),
    floodSection: requireElement(doc, "#flood-section", HTMLElement),
    floodCards: requireElement(doc, "#flood-cards", HTMLElement),
  };

  let language: Language = deps.languagePreference.get();
  let areas: AreaChoice[] = [];
  let area = deps.selection.get();
  let areaData: {
    aqi: AqiLatestResponse["stations"];
    aqiPending: AqiLatestResponse["pending"];
    flood: FloodLatestResponse["stations"];
  } | null = null;
  let statusKey: MessageKey | null = "residentLoading";
  let loadingArea: AbortController | null = null;

  const context = (): ViewContext => ({
    language,
    t: translator(language),
    format: createFormatters(language),
    catalogue: new Map(),
  });

  const setStatus = (key: MessageKey | null) => {
    statusKey = key;
    status.textContent = key === null ? "" : translator(language)(key);
  };

  // Rebuilt only when the choices change, so a refresh never closes the list under a resident's finger.
  let choicesShown = "";
  const renderAreaChoices = () => {
    const t = translator(language);
    const fingerprint = JSON.stringify([t("residentAreaPrompt"), areas]);
    if (fingerprint !== choicesShown) {
      choicesShown = fingerprint;
      const prompt = new Option(t("residentAreaPrompt"), "");
      areaSelect.replaceChildren(prompt, ...areas.map(({ code, name }) => new Option(name, code)));
    }
    areaSelect.value = area !== null && areas.some((choice) => choice.code === area) ? area : "";
  };

  const render = () => {
    const ctx = context();
    doc.documentElement.lang = language;
    doc.title = `${ctx.t("residentTitle")} · Tây Ninh`;
    applyStaticTranslations(doc, ctx.t);
    for (const button of languageButtons) {
      button.setAttribute("aria-pressed", String(button.dataset.lang === language));
    }
    legend.replaceChildren(aqiLegend(ctx.t, language), floodLegend(ctx.t, language));
    renderAreaChoices();
    renderResidentArea(sections, area === null ? null : areaData, ctx);
    deps.alerts.render(ctx);
    setStatus(statusKey);
  };

  const loadArea = async (): Promise<void> => {
    loadingArea?.abort();
    if (area === null) {
      deps.alerts.showArea(null);
      areaData = null;
      setStatus(areas.length === 0 ? statusKey : "residentChooseArea");
      render();
      return;
    }
    deps.alerts.showArea(area);
    const controller = new AbortController();
    loadingArea = controller;
    try {
      const [aqi, flood] = await Promise.all([
        api.aqiLatest(area, controller.signal),
        api.floodLatest(area, controller.signal),
      ]);
      if (controller.signal.aborted) return;
      areaData = { aqi: aqi.stations, aqiPending: aqi.pending, flood };
      statusKey = null;
      render();
    } catch (error) {
      if (controller.signal.aborted) return;
      log.warn("area data could not be loaded", error);
      setStatus("residentLoadError");
    } finally {
      if (loadingArea === controller) loadingArea = null;
    }
  };

  const loadAreaList = async (): Promise<void> => {
    try {
      const listed = await api.areas();
      areas = areasOf(
        listed.map(({ code, name }) => ({ area: code, areaName: name })),
        language,
      );
      // A shared link may name an area that has no station (any more): start from the choice again.
      if (area !== null && !areas.some((choice) => choice.code === area)) {
        area = null;
        deps.selection.set(null);
      }
      if (statusKey === "residentLoading" || statusKey === "residentLoadError") {
        statusKey = area === null ? "residentChooseArea" : null;
      }
      render();
    } catch (error) {
      log.warn("areas could not be loaded; retrying", error);
      setStatus("residentLoadError");
      setTimeout(() => void loadAreaList(), RETRY_MS);
    }
  };

  areaSelect.addEventListener("change", () => {
    area = areaSelect.value === "" ? null : areaSelect.value;
    deps.selection.set(area);
    areaData = null;
    if (area !== null) setStatus("residentLoading");
    void loadArea();
  });
  for (const button of languageButtons) {
    button.addEventListener("click", () => {
      const next = button.dataset.lang;
      if ((next !== "vi" && next !== "en") || next === language) return;
      language = next;
      deps.languagePreference.set(next);
      areas = areasOf(
        areas.map(({ code, name }) => ({ area: code, areaName: name })),
        language,
      );
      render();
    });
  }

  render();
  void loadAreaList().then(() => loadArea());
  setInterval(() => void loadArea(), AREA_REFRESH_MS);
  setInterval(() => void loadAreaList(), AREA_LIST_REFRESH_MS);
}
