import uPlot from "uplot";
import { HOUR_MS } from "../../kernel/time.js";
import type { ApiClient } from "./api-client.js";
import type { AqiPoint, LiveAqi } from "./contract.js";
import { DISPLAY_TIME_ZONE } from "./format.js";
import { type MessageKey, pollutantName } from "./i18n.js";
import { aqiChip } from "./index-badges.js";
import { adviceText, aqiHourText } from "./index-cell.js";
import { aqiBandTop, VN_AQI_BANDS } from "./index-display.js";
import type { IndexStore } from "./index-store.js";
import type { StationStore } from "./station-store.js";
import type { ViewContext } from "./view-context.js";

export interface AqiChartView {
  /** Shows the last 48 hourly AQI values of an air station, or why there are none. */
  showStation(deviceId: string | null): void;
  render(context: ViewContext): void;
  applyLiveAqi(event: LiveAqi): void;
  /** The selected station's newest AQI or advice changed. */
  refreshDetail(): void;
}

export interface AqiChartViewOptions {
  title: HTMLElement;
  status: HTMLElement;
  /** The selected station's current AQI, dominant pollutant and advice. */
  detail: HTMLElement;
  plotArea: HTMLElement;
  api: ApiClient;
  store: StationStore;
  indices: IndexStore;
  now: () => number;
  onError(error: unknown): void;
}

const WINDOW_HOURS = 48;
const LEGEND_ALLOWANCE_PX = 44;
const BAND_ALPHA = 0.28;
const AQI_POLLUTANT_METRICS = ["pm25", "pm10"];

export function createAqiChartView(options: AqiChartViewOptions): AqiChartView {
  const { plotArea, api, store, indices, now } = options;
  let context: ViewContext | null = null;
  let deviceId: string | null = null;
  let plot: uPlot | null = null;
  let loading: AbortController | null = null;
  let statusKey: MessageKey | null = "aqiChartHint";
  /** Hourly points of the shown station by the epoch ms of their hour. */
  const points = new Map<number, AqiPoint>();

  const isAirStation = (id: string) => {
    const device = store.device(id);
    return (
      device?.kind === "air" ||
      indices.aqi(id) !== undefined ||
      (device?.metrics ?? []).some((metric) => AQI_POLLUTANT_METRICS.includes(metric))
    );
  };

  const setStatus = (key: MessageKey | null) => {
    statusKey = key;
    options.status.textContent = key === null || context === null ? "" : context.t(key);
  };

  const plotSize = () => ({
    width: Math.max(240, plotArea.clientWidth),
    height: Math.max(140, plotArea.clientHeight - LEGEND_ALLOWANCE_PX),
  });

  /** Every hour of the window, with null where no AQI exists, so gaps show as gaps. */
  const aligned = (): { data: uPlot.AlignedData; shown: (AqiPoint | null)[] } => {
    const lastHour = Math.floor(now() / HOUR_MS) * HOUR_MS;
    const xs: number[] = [];
    const ys: (number | null)[] = [];
    const shown: (AqiPoint | null)[] = [];
    for (let hour = lastHour - (WINDOW_HOURS - 1) * HOUR_MS; hour <= lastHour; hour += HOUR_MS) {
      const point = points.get(hour) ?? null;
      xs.push(hour / 1000);
      ys.push(point?.aqi ?? null);
      shown.push(point);
    }
    return { data: [xs, ys], shown };
  };

  const destroyPlot = () => {
    plot?.destroy();
    plot = null;
  };

  const drawPlot = () => {
    destroyPlot();
    if (context === null || deviceId === null || points.size === 0) return;
    const ctx = context;
    const { data, shown } = aligned();
    const highest = Math.max(0, ...[...points.values()].map((p) => p.aqi));
    const top = Math.max(100, aqiBandTop(highest));
    const fontPx = Number.parseFloat(getComputedStyle(plotArea).fontSize) || 14;
    const font = `${Math.round(fontPx * 0.85)}px ${getComputedStyle(plotArea).fontFamily}`;
    const axisCommon = { font, labelFont: `600 ${font}`, stroke: "#3b4754" };

    // The category bands behind the series, each in its own colour.
    const drawBands = (u: uPlot) => {
      const c = u.ctx;
      c.save();
      let bottom = 0;
      for (const { to, category } of VN_AQI_BANDS) {
        if (bottom >= top) break;
        const upper = Math.min(to, top);
        const yTop = u.valToPos(upper, "y", true);
        const yBottom = u.valToPos(bottom, "y", true);
        const [r, g, b] = category.rgb;
        c.fillStyle = `rgba(${r}, ${g}, ${b}, ${BAND_ALPHA})`;
        c.fillRect(u.bbox.left, yTop, u.bbox.width, yBottom - yTop);
        bottom = to;
      }
      c.restore();
    };
    // Each hour's dot in the colour of its own category, as the service assigned it.
    const drawPoints = (u: uPlot) => {
      const c = u.ctx;
      const radius = 4.5 * uPlot.pxRatio;
      c.save();
      c.lineWidth = uPlot.pxRatio;
      c.strokeStyle = "#1f2933";
      shown.forEach((point, index) => {
        const x = data[0][index];
        if (point === null || x === undefined) return;
        const [r, g, b] = point.category.rgb;
        c.fillStyle = `rgb(${r}, ${g}, ${b})`;
        c.beginPath();
        c.arc(u.valToPos(x, "x", true), u.valToPos(point.aqi, "y", true), radius, 0, 2 * Math.PI);
        c.fill();
        c.stroke();
      });
      c.restore();
    };

    plot = new uPlot(
      {
        ...plotSize(),
        tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), DISPLAY_TIME_ZONE),
        scales: { y: { range: () => [0, top] } },
        hooks: { drawClear: [drawBands], draw: [drawPoints] },
        series: [
          {
            label: ctx.t("chartTimeAxis"),
            value: (_, seconds) =>
              seconds == null ? ctx.t("noValue") : aqiHourText(new Date(seconds * 1000).toISOString(), ctx),
          },
          {
            label: ctx.t("aqiChartSeries"),
            stroke: "#3b4754",
            width: 1.5,
            points: { show: false },
            value: (_, value, _series, index) => {
              const point = index == null ? null : shown[index];
              if (value == null || point == null) return ctx.t("noValue");
              return `${value} · ${point.category[ctx.language]} · ${pollutantName(point.dominant, ctx.t)}`;
            },
          },
        ],
        axes: [
          {
            ...axisCommon,
            label: ctx.t("chartTimeAxis"),
            labelSize: Math.round(fontPx * 1.6),
            size: Math.round(fontPx * 2.6),
            values: (_, splits) => splits.map((seconds) => ctx.format.hourMinute(new Date(seconds * 1000))),
          },
          { ...axisCommon, size: Math.round(fontPx * 3.2) },
        ],
      },
      data,
      plotArea,
    );
  };

  const renderTitle = () => {
    const device = deviceId === null ? undefined : store.device(deviceId);
    options.title.textContent = device === undefined ? "" : device.name;
  };

  const renderDetail = () => {
    const entry = deviceId === null ? undefined : indices.aqi(deviceId);
    if (context === null || entry === undefined) {
      options.detail.replaceChildren();
      options.detail.hidden = true;
      return;
    }
    const ctx = context;
    const line = document.createElement("p");
    line.className = "aqi-detail-summary";
    const dominant =
      ctx.catalogue.get(entry.dominant)?.label[ctx.language] ?? pollutantName(entry.dominant, ctx.t);
    line.append(
      aqiChip(entry.aqi, entry.category, ctx.language),
      ` ${entry.category[ctx.language]} · ${ctx.t("aqiDominant")}: ${dominant} · ${aqiHourText(entry.ts, ctx)}`,
    );
    const advice = document.createElement("p");
    advice.className = "aqi-detail-advice";
    advice.textContent = adviceText(entry, ctx).split("\n").slice(1).join("\n");
    options.detail.replaceChildren(line, advice);
    options.detail.hidden = false;
  };

  async function load(): Promise<void> {
    loading?.abort();
    points.clear();
    destroyPlot();
    if (deviceId === null) {
      setStatus("aqiChartHint");
      return;
    }
    if (!isAirStation(deviceId)) {
      setStatus("aqiChartNotAir");
      return;
    }
    const controller = new AbortController();
    loading = controller;
    setStatus("chartLoading");
    const to = new Date(now());
    const from = new Date((Math.floor(now() / HOUR_MS) - (WINDOW_HOURS - 1)) * HOUR_MS);
    try {
      const hours = await api.aqiHours({ station: deviceId, from, to }, controller.signal);
      if (controller.signal.aborted) return;
      loading = null;
      for (const point of hours) points.set(Date.parse(point.ts), point);
      setStatus(points.size === 0 ? "aqiChartEmpty" : null);
      drawPlot();
    } catch (error) {
      if (controller.signal.aborted) return;
      loading = null;
      setStatus("aqiChartError");
      options.onError(error);
    }
  }

  new ResizeObserver(() => plot?.setSize(plotSize())).observe(plotArea);

  return {
    showStation(nextDeviceId) {
      deviceId = nextDeviceId;
      renderTitle();
      renderDetail();
      void load();
    },
    render(nextContext) {
      context = nextContext;
      renderTitle();
      renderDetail();
      setStatus(statusKey);
      drawPlot();
    },
    applyLiveAqi(event) {
      if (event.station !== deviceId || event.period !== "hour") return;
      const { station: _station, area: _area, period: _period, ...point } = event;
      const previous = points.get(Date.parse(event.ts));
      points.set(Date.parse(event.ts), { ...point, subIndices: previous?.subIndices ?? {} });
      if (statusKey === "aqiChartEmpty") setStatus(null);
      drawPlot();
    },
    refreshDetail: renderDetail,
  };
}
