import type { CatalogueMetric, Device } from "./contract.js";
import { element } from "./dom.js";
import type { Formatters } from "./format.js";
import { kindMessageKey, type Language, statusMessageKey, type Translate } from "./i18n.js";
import { fillIndexCell } from "./index-cell.js";
import type { IndexStore } from "./index-store.js";
import type { StationStore } from "./station-store.js";

export interface ViewContext {
  language: Language;
  t: Translate;
  format: Formatters;
  catalogue: ReadonlyMap<string, CatalogueMetric>;
}

export interface StationList {
  /** Rebuilds every row: after the device list or the language changes. */
  render(context: ViewContext): void;
  /** Refreshes one station's values in place, flashing the metrics that changed. */
  updateStation(deviceId: string, changedMetrics: readonly string[]): void;
  /** Refreshes one station's AQI or flood level in place. */
  updateIndices(deviceId: string): void;
  setSelected(deviceId: string | null): void;
}

export interface StationListOptions {
  table: HTMLTableElement;
  emptyNote: HTMLElement;
  store: StationStore;
  indices: IndexStore;
  onSelect(deviceId: string): void;
}

const COLUMN_KEYS = [
  "columnStation",
  "columnKind",
  "columnArea",
  "columnStatus",
  "columnIndex",
  "columnValues",
  "columnUpdated",
] as const;

/** Restarts the highlight animation even when the same cell changes twice in a row. */
function flash(target: HTMLElement): void {
  target.classList.remove("flash");
  void target.offsetWidth;
  target.classList.add("flash");
}

export function createStationList({
  table,
  emptyNote,
  store,
  indices,
  onSelect,
}: StationListOptions): StationList {
  let context: ViewContext | null = null;
  let selectedId: string | null = null;
  const rows = new Map<string, HTMLTableRowElement>();
  const head = table.createTHead();
  const body = table.tBodies[0] ?? table.createTBody();

  const compareStations = (language: Language) => {
    const collator = new Intl.Collator(language, { numeric: true });
    return (a: Device, b: Device) =>
      Number(b.registered) - Number(a.registered) || collator.compare(a.name, b.name);
  };

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
    nameCell.append(element("span", "station-name", device.name));
    if (device.name !== device.id) nameCell.append(element("span", "station-id", device.id));
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
    for (const metric of store.metricsOf(device.id)) {
      const item = element("li", "metric");
      item.dataset.device = device.id;
      item.dataset.metric = metric;
      fillMetric(item, device.id, metric, ctx);
      list.append(item);
    }
    valuesCell.append(list);

    const updatedCell = element("td", "updated");
    fillUpdated(updatedCell, device.id, ctx);

    row.append(
      nameCell,
      element("td", "kind", ctx.t(kindMessageKey(device.kind))),
      element("td", "area", device.areaName ?? ctx.t("noValue")),
      statusCell,
      indexCell,
      valuesCell,
      updatedCell,
    );
    if (device.id === selectedId) row.setAttribute("aria-current", "true");
    return row;
  };

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
      const devices = [...store.devices()].sort(compareStations(ctx.language));
      rows.clear();
      body.replaceChildren(
        ...devices.map((device) => {
          const row = buildRow(device, ctx);
          rows.set(device.id, row);
          return row;
        }),
      );
      if (focusedId !== undefined) rows.get(focusedId)?.focus();
      emptyNote.hidden = devices.length > 0;
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
