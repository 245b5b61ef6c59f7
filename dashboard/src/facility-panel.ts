import type { FacilitiesResponse } from "../../industrial/model/index.js";
import { element } from "./dom.js";
import type { Formatters } from "./format.js";
import type { Translate } from "./i18n.js";

/** Below this share of the expected files a station is shown as failing to report. */
const POOR_COMPLETENESS_PERCENT = 80;

type Facility = FacilitiesResponse["facilities"][number];

export interface FacilityPanel {
  /** Today's figures from the API; null when the service has no facilities reporting by file. */
  show(facilities: readonly Facility[] | null): void;
  render(context: { t: Translate; format: Formatters }): void;
}

/**
 * Facilities that report by file: per station, today's files received against those expected
 * (completeness, in %) and measured values beyond the permit. Hidden when there are none.
 */
export function createFacilityPanel(deps: {
  readonly panel: HTMLElement;
  readonly table: HTMLTableSectionElement;
  readonly layout: HTMLElement;
}): FacilityPanel {
  let facilities: readonly Facility[] | null = null;
  let context: { t: Translate; format: Formatters } | undefined;

  function render(next: { t: Translate; format: Formatters }) {
    context = next;
    const { t, format } = next;
    const visible = facilities !== null && facilities.length > 0;
    deps.panel.hidden = !visible;
    deps.layout.classList.toggle("has-facilities", visible);
    deps.table.replaceChildren();
    for (const facility of facilities ?? []) {
      const head = element("tr", "facility-row");
      const name = element("th", undefined, facility.name);
      name.colSpan = 3;
      name.scope = "colgroup";
      head.append(name);
      deps.table.append(head);
      for (const station of facility.stations) {
        const row = element("tr");
        row.append(element("td", "facility-station", station.code));
        const { filesReceived, filesExpected, completenessPercent, exceedances } = station.today;
        const completeness = element("td", "facility-completeness");
        const percent = completenessPercent === null ? "–" : `${format.value(completenessPercent, 1)} %`;
        completeness.textContent = `${percent} (${filesReceived}/${filesExpected})`;
        completeness.title = t("facilityCompletenessHint");
        if (completenessPercent !== null && completenessPercent < POOR_COMPLETENESS_PERCENT) {
          completeness.classList.add("facility-poor");
        }
        const exceeded = element("td", "facility-exceedances", String(exceedances));
        exceeded.title = t("facilityExceedancesHint");
        if (exceedances > 0) exceeded.classList.add("facility-exceeded");
        row.append(completeness, exceeded);
        deps.table.append(row);
      }
    }
  }

  return {
    show(next) {
      facilities = next;
      if (context) render(context);
    },
    render,
  };
}
