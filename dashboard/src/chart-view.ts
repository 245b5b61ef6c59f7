import uPlot from "uplot";
import { HOUR_MS } from "../../kernel/time.js";
import type { ApiClient } from "./api-client.js";
import {
  type ChartWindow,
  customWindow,
  epochToVietnamLocal,
  plausibleValueRange,
  presetWindow,
  RANGE_PRESETS,
  type RangePreset,
} from "./chart-range.js";
import type { LiveReading, ReadingsResponse } from "./contract.js";
import { DISPLAY_TIME_ZONE } from "./format.js";
import type { MessageKey } from "./i18n.js";
import type { StationStore } from "./station-store.js";
import { createTimeSeriesWindow, type SeriesPoint } from "./time-series-window.js";
import type { ViewContext } from "./view-context.js";

export interface ChartView {
  /** Shows the chosen range (the last hour at first) of the given station, or the hint when none is selected. */
  showStation(deviceId: string | null): void;
  /** Re-labels after the language or the catalogue changes, and refreshes the metric choices. */
  render(context: ViewContext): void;
  appendReading(reading: LiveReading): void;
}

export interface ChartViewOptions {
  title: HTMLElement;
  metricSelect: HTMLSelectElement;
  /** The time range: presets, or custom with the two datetime-local inputs (Viet Nam time). */
  range: {
    select: HTMLSelectElement;
    custom: HTMLElement;
    from: HTMLInputElement;
    to: HTMLInputElement;
  };
  /** Downloads what the chart shows as CSV. */
  csvButton: HTMLButtonElement;
  status: HTMLElement;
  plotArea: HTMLElement;
  api: ApiClient;
  store: StationStore;
  now: () => number;
  onError(error: unknown): void;
}

/** Above this many raw points the chart asks the service for 30-second means instead. */
const RAW_POINT_LIMIT = 2000;
const MEAN_STEP = "30s";
const RANGE_MESSAGES: Record<RangePreset, MessageKey> = {
  "1h": "range1h",
  "24h": "range24h",
  "7d": "range7d",
  "30d": "range30d",
  "1y": "range1y",
  custom: "rangeCustom",
};
/** Above this span the time axis also shows the date. */
const DATED_AXIS_SPAN_S = 20 * 3600;
const LEGEND_ALLOWANCE_PX = 44;

type ChartStatus = { key: MessageKey } | null;

const pointsOf = (response: ReadingsResponse): SeriesPoint[] =>
  response.points.flatMap((point) => {
    const value = "value" in point ? point.value : point.mean;
    return value === null ? [] : [{ at: Date.parse(point.ts), value }];
  });

/** The API answers the step in ms; it takes names ("5m"). */
function stepName(stepMs: number): string {
  if (stepMs % 86_400_000 === 0) return `${stepMs / 86_400_000}d`;
  if (stepMs % 3_600_000 === 0) return `${stepMs / 3_600_000}h`;
  if (stepMs % 60_000 === 0) return `${stepMs / 60_000}m`;
  return `${Math.round(stepMs / 1000)}s`;
}

export function createChartView(options: ChartViewOptions): ChartView {
  const { metricSelect, plotArea, api, store, now } = options;
  const series = createTimeSeriesWindow(HOUR_MS);
  let context: ViewContext | null = null;
  let deviceId: string | null = null;
  let metric: string | null = null;
  /** The bucket size of what is shown, or null for raw points. */
  let averaged: string | null = null;
  let truncated = false;
  let preset: RangePreset = "1h";
  let shownWindow: ChartWindow = presetWindow("1h", now());
  let plot: uPlot | null = null;
  let zoomed = false;
  let loading: AbortController | null = null;
  /** Live readings that arrive while the last hour is being fetched. */
  let pendingLive: SeriesPoint[] = [];
  let status: ChartStatus = { key: "chartHint" };

  const setStatus = (next: ChartStatus) => {
    status = next;
    const text = [
      next === null ? "" : context?.t(next.key),
      averaged === null ? "" : `${context?.t("chartMeanNote")} ${averaged}`,
      truncated ? context?.t("chartTruncated") : "",
    ]
      .filter((part) => part !== undefined && part !== "")
      .join(" · ");
    options.status.textContent = text;
  };

  const plotSize = () => ({
    width: Math.max(240, plotArea.clientWidth),
    height: Math.max(160, plotArea.clientHeight - LEGEND_ALLOWANCE_PX),
  });

  const destroyPlot = () => {
    plot?.destroy();
    plot = null;
    zoomed = false;
  };

  const drawPlot = () => {
    destroyPlot();
    if (context === null || deviceId === null || metric === null || series.size() === 0) return;
    const ctx = context;
    const definition = ctx.catalogue.get(metric);
    const decimals = definition?.decimals ?? 2;
    const unit = definition?.unit ?? "";
    const label = `${definition?.label[ctx.language] ?? metric}${unit === "" ? "" : ` (${unit})`}`;
    // uPlot draws axes on a canvas, so its text does not follow the page's scalable font size by itself.
    const fontPx = Number.parseFloat(getComputedStyle(plotArea).fontSize) || 14;
    const font = `${Math.round(fontPx * 0.85)}px ${getComputedStyle(plotArea).fontFamily}`;
    const axisCommon = { font, labelFont: `600 ${font}`, stroke: "#3b4754" };
    plot = new uPlot(
      {
        ...plotSize(),
        tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), DISPLAY_TIME_ZONE),
        // Always the whole window (the last hour: up to now), so the picture does not jump as points arrive.
        scales: {
          y: {
            range: (_u, dataMin, dataMax) =>
              plausibleValueRange(metric ?? "", series.toAligned()[1]) ??
              uPlot.rangeNum(dataMin, dataMax, 0.1, true),
          },
          x: {
            time: true,
            range: () =>
              shownWindow.live
                ? [(now() - HOUR_MS) / 1000, now() / 1000]
                : [shownWindow.from / 1000, shownWindow.to / 1000],
          },
        },
        hooks: {
          // A drag-selection zooms in; keep that view while live points arrive, until a double-click.
          setSelect: [() => (zoomed = true)],
        },
        series: [
          {
            label: ctx.t("chartTimeAxis"),
            value: (_, seconds) =>
              seconds == null ? ctx.t("noValue") : ctx.format.dateTime(new Date(seconds * 1000)),
          },
          {
            label,
            stroke: "#0b5cad",
            fill: "rgba(11, 92, 173, 0.12)",
            width: 2,
            points: { show: series.size() < 120 },
            value: (_, value) => (value == null ? ctx.t("noValue") : ctx.format.value(value, decimals)),
          },
        ],
        axes: [
          {
            ...axisCommon,
            label: ctx.t("chartTimeAxis"),
            labelSize: Math.round(fontPx * 1.6),
            // Room for "21/11" or "14:00 / 21/11" under each tick.
            space: Math.round(fontPx * 5),
            size: Math.round(fontPx * 3.6),
            // Longer ranges carry the date under the time: a tick never leaves the day in doubt.
            values: (_, splits, _axis, _space, increment) =>
              splits.map((seconds) => {
                const at = new Date(seconds * 1000);
                if ((shownWindow.to - shownWindow.from) / 1000 <= DATED_AXIS_SPAN_S) {
                  return (increment < 60 ? ctx.format.time : ctx.format.hourMinute)(at);
                }
                return increment >= 86_400
                  ? ctx.format.dayMonth(at)
                  : `${ctx.format.hourMinute(at)}\n${ctx.format.dayMonth(at)}`;
              }),
          },
          {
            ...axisCommon,
            values: (_, splits, _axis, _space, increment) =>
              splits.map((value) => ctx.format.tick(value, increment)),
            size: Math.round(fontPx * 4.5),
          },
        ],
      },
      series.toAligned(),
      plotArea,
    );
  };

  const refreshData = () => {
    if (shownWindow.live) series.trim(now());
    if (plot === null) drawPlot();
    else plot.setData(series.toAligned(), !zoomed);
    if (series.size() > 0 && status?.key === "chartEmpty") setStatus(null);
  };

  const fillMetricChoices = () => {
    if (context === null || deviceId === null) {
      metricSelect.replaceChildren();
      metricSelect.disabled = true;
      return;
    }
    const ctx = context;
    const metrics = store.metricsOf(deviceId);
    metricSelect.replaceChildren(
      ...metrics.map((key) => {
        const option = document.createElement("option");
        option.value = key;
        option.textContent = ctx.catalogue.get(key)?.label[ctx.language] ?? key;
        return option;
      }),
    );
    metricSelect.disabled = metrics.length === 0;
    if (metric !== null) metricSelect.value = metric;
  };

  const renderTitle = () => {
    const device = deviceId === null ? undefined : store.device(deviceId);
    options.title.textContent = device === undefined ? "" : device.name;
  };

  /** What the chart shows, for the CSV download: the same device, metric, window and buckets. */
  let lastQuery: Parameters<ApiClient["readingsCsv"]>[0] | null = null;

  async function load(): Promise<void> {
    loading?.abort();
    series.replace([]);
    averaged = null;
    truncated = false;
    pendingLive = [];
    destroyPlot();
    options.csvButton.disabled = true;
    if (deviceId === null || metric === null) {
      setStatus(deviceId === null ? { key: "chartHint" } : { key: "chartEmpty" });
      return;
    }
    const chosen =
      preset === "custom"
        ? customWindow(options.range.from.value, options.range.to.value)
        : presetWindow(preset, now());
    if (chosen === "rangeInvalid") {
      setStatus({ key: "rangeInvalid" });
      return;
    }
    shownWindow = chosen;
    const controller = new AbortController();
    loading = controller;
    setStatus({ key: "chartLoading" });
    const query = {
      device: deviceId,
      metric,
      from: new Date(chosen.from),
      to: new Date(chosen.to),
      ...(chosen.step === undefined ? {} : { step: chosen.step }),
    };
    try {
      let response = await api.readings(query, controller.signal);
      if (response.step === null && response.points.length > RAW_POINT_LIMIT) {
        response = await api.readings({ ...query, step: MEAN_STEP }, controller.signal);
      }
      if (controller.signal.aborted) return;
      lastQuery = { ...query, ...(response.step === null ? {} : { step: stepName(response.step) }) };
      averaged = response.step === null ? null : stepName(response.step);
      truncated = response.truncated;
      options.csvButton.disabled = false;
      series.replace(pointsOf(response));
      for (const point of pendingLive) series.add(point);
      pendingLive = [];
      loading = null;
      setStatus(series.size() === 0 ? { key: "chartEmpty" } : null);
      refreshData();
    } catch (error) {
      if (controller.signal.aborted) return;
      loading = null;
      setStatus({ key: "chartError" });
      options.onError(error);
    }
  }

  const fillRangeChoices = () => {
    if (context === null) return;
    const ctx = context;
    options.range.select.replaceChildren(
      ...RANGE_PRESETS.map((key) => {
        const option = document.createElement("option");
        option.value = key;
        option.textContent = ctx.t(RANGE_MESSAGES[key]);
        return option;
      }),
    );
    options.range.select.value = preset;
  };

  options.range.select.addEventListener("change", () => {
    preset = RANGE_PRESETS.find((key) => key === options.range.select.value) ?? "1h";
    options.range.custom.hidden = preset !== "custom";
    if (preset === "custom" && options.range.from.value === "") {
      // Start the custom range from the one shown.
      options.range.from.value = epochToVietnamLocal(shownWindow.from);
      options.range.to.value = epochToVietnamLocal(shownWindow.to);
    }
    void load();
  });
  for (const input of [options.range.from, options.range.to]) {
    input.addEventListener("change", () => {
      if (preset === "custom") void load();
    });
  }
  options.csvButton.addEventListener("click", async () => {
    if (lastQuery === null) return;
    try {
      const { blob, filename } = await api.readingsCsv(lastQuery);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = filename;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (error) {
      setStatus({ key: "exportFailed" });
      options.onError(error);
    }
  });

  metricSelect.addEventListener("change", () => {
    metric = metricSelect.value === "" ? null : metricSelect.value;
    void load();
  });

  new ResizeObserver(() => plot?.setSize(plotSize())).observe(plotArea);
  plotArea.addEventListener("dblclick", () => {
    zoomed = false;
  });

  return {
    showStation(nextDeviceId) {
      deviceId = nextDeviceId;
      const metrics = deviceId === null ? [] : store.metricsOf(deviceId);
      if (metric === null || !metrics.includes(metric)) metric = metrics[0] ?? null;
      fillMetricChoices();
      renderTitle();
      void load();
    },
    render(nextContext) {
      context = nextContext;
      if (deviceId !== null && metric === null) {
        metric = store.metricsOf(deviceId)[0] ?? null;
        if (metric !== null) void load();
      }
      fillMetricChoices();
      fillRangeChoices();
      renderTitle();
      setStatus(status);
      drawPlot();
    },
    appendReading(reading) {
      if (reading.deviceId !== deviceId || metric === null || !shownWindow.live) return;
      const value = reading.values[metric];
      if (value === undefined) return;
      const point = { at: Date.parse(reading.ts), value };
      if (loading !== null) {
        pendingLive.push(point);
        return;
      }
      series.add(point);
      refreshData();
    },
  };
}
