import type { AqiLatestResponse, AqiPending, FloodLatestResponse } from "./contract.js";
import { element } from "./dom.js";
import { pollutantName } from "./i18n.js";
import { floodBadge, paintCategory } from "./index-badges.js";
import { aqiHourText, aqiPendingText } from "./index-cell.js";
import { isFloodLevel } from "./index-display.js";
import type { ViewContext } from "./view-context.js";

type AqiStation = AqiLatestResponse["stations"][number];
type FloodStation = FloodLatestResponse["stations"][number];

function definition(list: HTMLDListElement, term: string, description: string): void {
  list.append(element("dt", undefined, term), element("dd", undefined, description));
}

/** One air station: the AQI large on its colour, the category, the main pollutant and both pieces of advice. */
function aqiCard(station: AqiStation, ctx: ViewContext): HTMLElement {
  const card = element("article", "card aqi-card");
  card.dataset.station = station.station;
  card.append(element("h3", "card-title", station.name));

  const banner = element("div", "aqi-banner");
  paintCategory(banner, station.category);
  banner.dataset.aqi = String(station.aqi);
  const number = element("span", "aqi-number", String(station.aqi));
  number.setAttribute("aria-label", `AQI ${station.aqi}`);
  banner.append(
    element("span", "aqi-label", "AQI"),
    number,
    element("span", "aqi-name", station.category[ctx.language]),
  );
  card.append(banner);

  const facts = element("dl", "card-facts");
  definition(facts, ctx.t("aqiDominant"), pollutantName(station.dominant, ctx.t));
  definition(facts, ctx.t("aqiHour"), aqiHourText(station.ts, ctx));
  definition(facts, ctx.t("adviceGeneral"), station.advice.general[ctx.language]);
  definition(
    facts,
    `${ctx.t("adviceSensitive")} (${ctx.t("adviceSensitiveWho")})`,
    station.advice.sensitive[ctx.language],
  );
  card.append(facts);
  return card;
}

/** An air station that reports but has no AQI yet: when the first one is due, rather than "no station". */
function pendingCard(station: AqiPending, ctx: ViewContext): HTMLElement {
  const card = element("article", "card aqi-card aqi-pending-card");
  card.dataset.station = station.station;
  card.append(
    element("h3", "card-title", station.name),
    element("p", "aqi-pending", aqiPendingText(station.expectedAt, ctx)),
    element("p", "card-note", ctx.t("aqiPendingNote")),
  );
  return card;
}

/** One water-level station: its alarm level, the newest level and the station's thresholds. */
function floodCard(station: FloodStation, ctx: ViewContext): HTMLElement {
  const card = element("article", "card flood-card");
  card.dataset.station = station.station;
  card.append(element("h3", "card-title", station.name));

  const status = element("p", "flood-status");
  if (isFloodLevel(station.level)) {
    status.append(floodBadge(station.level, station.label?.[ctx.language] ?? ""));
  } else {
    status.append(
      element(
        "span",
        "flood-label",
        ctx.t(station.waterLevel === null ? "floodNoData" : "floodNoThresholds"),
      ),
    );
  }
  card.append(status);

  const metres = (value: number) => `${ctx.format.value(value, 2)} ${ctx.t("metres")}`;
  const facts = element("dl", "card-facts");
  if (station.waterLevel !== null && station.ts !== null) {
    definition(facts, ctx.t("floodWaterLevel"), metres(station.waterLevel));
    definition(facts, ctx.t("residentUpdated"), ctx.format.dateTime(station.ts));
  }
  if (station.thresholds !== null) {
    const { I, II, III } = station.thresholds;
    definition(facts, ctx.t("floodThresholds"), [I, II, III].map(metres).join(" / "));
  }
  card.append(facts);
  return card;
}

export interface ResidentSections {
  airSection: HTMLElement;
  airCards: HTMLElement;
  floodSection: HTMLElement;
  floodCards: HTMLElement;
}

/** Fills the two sections for the chosen area; a section with no station says so rather than vanishing. */
export function renderResidentArea(
  sections: ResidentSections,
  data: {
    aqi: readonly AqiStation[];
    aqiPending?: readonly AqiPending[];
    flood: readonly FloodStation[];
  } | null,
  ctx: ViewContext,
): void {
  sections.airSection.hidden = data === null;
  sections.floodSection.hidden = data === null;
  if (data === null) {
    sections.airCards.replaceChildren();
    sections.floodCards.replaceChildren();
    return;
  }
  const pending = data.aqiPending ?? [];
  sections.airCards.replaceChildren(
    ...(data.aqi.length === 0 && pending.length === 0
      ? [element("p", "empty-note", ctx.t("residentNoAir"))]
      : [
          ...data.aqi.map((station) => aqiCard(station, ctx)),
          ...pending.map((station) => pendingCard(station, ctx)),
        ]),
  );
  sections.floodCards.replaceChildren(
    ...(data.flood.length === 0
      ? [element("p", "empty-note", ctx.t("residentNoFlood"))]
      : data.flood.map((station) => floodCard(station, ctx))),
  );
}
