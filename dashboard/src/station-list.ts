import type { Device } from "./contract.js";
import { element } from "./dom.js";
import { kindMessageKey, type MessageKey, statusMessageKey } from "./i18n.js";
import { fillIndexCell } from "./index-cell.js";
import type { IndexStore } from "./index-store.js";
import { kindSymbolElement } from "./kind-symbol.js";
import { rankStations, SORT_KEYS, type SortKey, type StationFilter } from "./station-ranking.js";
import { situationOf } from "./station-situation.js";
import type { StationStore } from "./station-store.js";
import type { ViewContext } from "./view-context.js";

export interface StationList {
  /** Rebuilds every row: after the device list or the language changes. */
  render(context: ViewContext): void;
  /** Refreshes one station's values in place, flashing the metrics that changed. */
  updateStation(deviceId: string, changedMetrics: readonly string[]): void;
  /** Refreshes one station's AQI or flood level in place. */
  updateIndices(deviceId: string): void;
  setSelected(deviceId: string | null): void;
}

/** The list's sort and filter controls (index.html, above the table). */
export interface StationListControls {
  search: HTMLInputElement;
  sort: HTMLSelectElement;
  kind: HTMLSelectElement;
  area: HTMLSelectElement;
  status: HTMLSelectElement;
  /** "12/24 trạm": how many rows the filter leaves. */
  count: HTMLElement;
}

export interface StationListOptions {
  table: HTMLTableElement;
  emptyNote: HTMLElement;
  controls: StationListControls;
  store: StationStore;
  indices: IndexStore;
  onSelect(deviceId: string): void;
}

/** Kind and commune sit under the station's name, so the table fits a 1280 px screen without scrolling sideways. */
const COLUMN_KEYS = [
  "columnStation",
  "columnStatus",
  "columnIndex",
  "columnValues",
  "columnUpdated",
] as const;

const SORT_MESSAGES: Record<SortKey, MessageKey> = {
  worst: "sortWorst",
  aqi: "sortAqi",
  wqi: "sortWqi",
  flood: "sortFlood",
  name: "sortName",
  kind: "sortKind",
  area: "sortArea",
  status: "sortStatus",
};
const STATUSES = ["online", "offline", "unknown"] as const;

/** Rows show this many values; the selected row shows all of them. */
const VALUES_SHOWN = 4;

function fillSelect(select: HTMLSelectElement, options: readonly [string, string][]): void {
  const current = select.value;
  select.replaceChildren(
    ...options.map(([value, label]) => {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      return option;
    }),
  );
  // Keep the operator's choice across a rebuild when it still exists.
  select.value = options.some(([value]) => value === current) ? current : (options[0]?.[0] ?? "");
}

/** Restarts the highlight animation even when the same cell changes twice in a row. */
function flash(target: HTMLElement): void {
  target.classList.remove("flash");
  void target.offsetWidth;
  target.classList.add("flash");
}

export function createStationList({
  table,
  emptyNote,
  controls,
  store,
  indices,
  onSelect,
}: StationListOptions): StationList {
  let context: ViewContext | null = null;
  let selectedId: string | null = null;
  const rows = new Map<string, HTMLTableRowElement>();
  const head = table.createTHead();
  const body = table.tBodies[0] ?? table.createTBody();

  const fillMetric = (item: HTMLElement, deviceId: string, metric: string, ctx: ViewContext) => {
    const definition = ctx.catalogue.get(metric);
    const latest = store.latest(deviceId).get(metric);
    const label = definition?.label[ctx.language] ?? metric;
    item.replaceChildren(
      element("span", "metric-label", label),
      element(
        "span",
        "metric-value",
        latest === undefined ? ctx.t("noValue") : ctx.format.value(latest.value, definition?.decimals ?? 2),
      ),
      element("span", "metric-unit", definition?.unit ?? ""),
    );
    if (latest === undefined) {
      delete item.dataset.value;
      item.removeAttribute("title");
    } else {
      item.dataset.value = String(latest.value);
      item.title = `${label} · ${ctx.format.dateTime(new Date(latest.at))}`;
    }
  };

  const fillUpdated = (cell: HTMLElement, deviceId: string, ctx: ViewContext) => {
    const at = store.lastUpdate(deviceId);
    if (at === null) {
      cell.textContent = ctx.t("noValue");
      return;
    }
    const time = element("time", undefined, ctx.format.time(new Date(at)));
    time.dateTime = new Date(at).toISOString();
    time.title = ctx.format.dateTime(new Date(at));
    cell.replaceChildren(time);
  };

  const buildRow = (device: Device, ctx: ViewContext): HTMLTableRowElement => {
    const row = element("tr", "station-row");
    row.dataset.device = device.id;
    row.tabIndex = 0;

    const nameCell = element("th");
    nameCell.scope = "row";
    const name = element("span", "station-name");
    name.append(kindSymbolElement(device.kind, "#ffffff"), document.createTextNode(device.name));
    nameCell.append(name);
    if (device.name !== device.id) nameCell.append(element("span", "station-id", device.id));
    nameCell.append(
      element(
        "span",
        "station-place",
        `${ctx.t(kindMessageKey(device.kind))} · ${device.areaName ?? ctx.t("noValue")}`,
      ),
    );
    if (!device.registered)
      nameCell.append(element("span", "badge badge-unregistered", ctx.t("unregistered")));
    if (device.lat === null || device.lon === null) {
      nameCell.append(element("span", "badge badge-muted", ctx.t("notOnMap")));
    }

    const statusCell = element("td");
    statusCell.append(
      element("span", `status status-${device.status}`, ctx.t(statusMessageKey(device.status))),
    );

    const indexCell = element("td", "index-cell");
    fillIndexCell(indexCell, device, indices, ctx);

    const valuesCell = element("td", "values");
    const list = element("ul", "metric-list");
    const metrics = store.metricsOf(device.id);
    for (const metric of metrics) {
      const item = element("li", "metric");
      item.dataset.device = device.id;
      item.dataset.metric = metric;
      fillMetric(item, device.id, metric, ctx);
      list.append(item);
    }
    valuesCell.append(list);
    if (metrics.length > VALUES_SHOWN) {
      const more = element("span", "metric-more", `+${metrics.length - VALUES_SHOWN}`);
      more.title = ctx.t("moreMetrics");
      valuesCell.append(more);
    }

    const updatedCell = element("td", "updated");
    fillUpdated(updatedCell, device.id, ctx);

    row.dataset.kind = device.kind ?? "";
    row.append(nameCell, statusCell, indexCell, valuesCell, updatedCell);
    if (device.id === selectedId) row.setAttribute("aria-current", "true");
    return row;
  };

  const filter = (): StationFilter => ({
    text: controls.search.value,
    kind: controls.kind.value === "" ? undefined : controls.kind.value,
    area: controls.area.value === "" ? undefined : controls.area.value,
    status: STATUSES.find((status) => status === controls.status.value),
  });
  const sortKey = (): SortKey => SORT_KEYS.find((key) => key === controls.sort.value) ?? "worst";

  /** Puts the rows in the chosen order and hides those the filter leaves out; moving rows keeps them intact. */
  const reorder = () => {
    if (context === null) return;
    const devices = store.devices();
    const byId = new Map(devices.map((device) => [device.id, device]));
    const ranked = rankStations(
      devices.map((device) => situationOf(device, indices)),
      sortKey(),
      filter(),
      context.language,
    );
    const shown = new Set(ranked.map((station) => station.id));
    const ordered = [
      ...ranked.map((station) => station.id),
      ...devices.filter((device) => !shown.has(device.id)).map((device) => device.id),
    ];
    let previous: HTMLTableRowElement | null = null;
    for (const id of ordered) {
      const row = rows.get(id);
      if (row === undefined || !byId.has(id)) continue;
      row.hidden = !shown.has(id);
      // Only move what is out of place: moving a row restarts its animations and loses hover.
      const expected: Element | null =
        previous === null ? body.firstElementChild : previous.nextElementSibling;
      if (expected !== row) {
        if (previous === null) body.prepend(row);
        else previous.after(row);
      }
      previous = row;
    }
    controls.count.textContent = `${shown.size}/${devices.length} ${context.t("stationsUnit")}`;
    emptyNote.hidden = devices.length > 0;
  };

  const fillControls = (ctx: ViewContext) => {
    const collator = new Intl.Collator(ctx.language, { numeric: true });
    const devices = store.devices();
    const kinds = [...new Set(devices.map((device) => device.kind ?? ""))]
      .map((kind): [string, string] => [kind, ctx.t(kindMessageKey(kind === "" ? null : kind))])
      .sort((a, b) => collator.compare(a[1], b[1]));
    const areas = [
      ...new Map(devices.map((device) => [device.area ?? "", device.areaName ?? ctx.t("noValue")])),
    ].sort((a, b) => collator.compare(a[1], b[1]));
    const all: [string, string] = ["", ctx.t("filterAll")];
    fillSelect(
      controls.sort,
      SORT_KEYS.map((key) => [key, ctx.t(SORT_MESSAGES[key])]),
    );
    fillSelect(controls.kind, [all, ...kinds]);
    fillSelect(controls.area, [all, ...areas]);
    fillSelect(controls.status, [
      all,
      ...STATUSES.map((status): [string, string] => [status, ctx.t(statusMessageKey(status))]),
    ]);
  };

  for (const control of [controls.sort, controls.kind, controls.area, controls.status]) {
    control.addEventListener("change", reorder);
  }
  controls.search.addEventListener("input", reorder);

  body.addEventListener("click", (event) => {
    const row = (event.target as Element).closest<HTMLTableRowElement>("tr[data-device]");
    if (row?.dataset.device !== undefined) onSelect(row.dataset.device);
  });
  body.addEventListener("keydown", (event) => {
    const row = (event.target as Element).closest<HTMLTableRowElement>("tr[data-device]");
    if (row === null || row.dataset.device === undefined) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onSelect(row.dataset.device);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = event.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling;
      if (next instanceof HTMLElement) next.focus();
    }
  });

  return {
    render(ctx) {
      context = ctx;
      const headRow = element("tr");
      for (const key of COLUMN_KEYS) {
        const cell = element("th", undefined, ctx.t(key));
        cell.scope = "col";
        headRow.append(cell);
      }
      head.replaceChildren(headRow);

      // Keep keyboard focus on the same station across a rebuild.
      const focusedId = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>(
        "tr[data-device]",
      )?.dataset.device;
      fillControls(ctx);
      rows.clear();
      body.replaceChildren(
        ...store.devices().map((device) => {
          const row = buildRow(device, ctx);
          rows.set(device.id, row);
          return row;
        }),
      );
      reorder();
      if (focusedId !== undefined) rows.get(focusedId)?.focus();
    },
    updateStation(deviceId, changedMetrics) {
      const row = rows.get(deviceId);
      const device = store.device(deviceId);
      if (context === null || row === undefined || device === undefined) return;
      const list = row.querySelector<HTMLElement>(".metric-list");
      const items = new Map(
        [...row.querySelectorAll<HTMLElement>(".metric[data-metric]")].map((item) => [
          item.dataset.metric,
          item,
        ]),
      );
      const metrics = store.metricsOf(deviceId);
      if (list === null || metrics.some((metric) => !items.has(metric))) {
        // A metric the row has never shown: rebuild just this row.
        const rebuilt = buildRow(device, context);
        const hadFocus = row.contains(document.activeElement);
        row.replaceWith(rebuilt);
        rows.set(deviceId, rebuilt);
        if (hadFocus) rebuilt.focus();
        return;
      }
      for (const [metric, item] of items) {
        if (metric === undefined) continue;
        fillMetric(item, deviceId, metric, context);
        if (changedMetrics.includes(metric)) flash(item);
      }
      const updatedCell = row.querySelector<HTMLElement>(".updated");
      if (updatedCell !== null) fillUpdated(updatedCell, deviceId, context);
    },
    updateIndices(deviceId) {
      const cell = rows.get(deviceId)?.querySelector<HTMLElement>(".index-cell");
      const device = store.device(deviceId);
      if (context === null || cell == null || device === undefined) return;
      fillIndexCell(cell, device, indices, context);
      reorder();
    },
    setSelected(deviceId) {
      selectedId = deviceId;
      for (const [id, row] of rows) {
        if (id === deviceId) row.setAttribute("aria-current", "true");
        else row.removeAttribute("aria-current");
      }
    },
  };
}
