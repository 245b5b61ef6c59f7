import type { Logger } from "pino";
import type { LiveAqi } from "../../kernel/api-contract.js";
import { isMetricKey, type MetricKey } from "../../kernel/catalogue.js";
import type { Clock } from "../../kernel/clock.js";
import type { Reading } from "../../kernel/reading.js";
import type { SeriesKey, SeriesPoint } from "../../kernel/series.js";
import { DAY_MS, HOUR_MS } from "../../kernel/time.js";
import type { WqiSettings } from "../../kernel/water-quality.js";
import type { TimeSeriesStore } from "../../readings/index.js";
import { HOURS_PER_DAY } from "./daily-inputs.js";
import { hourlyMeansFromQuarters, hourRuns } from "./hourly-means.js";
import {
  aqiView,
  type ComputedAqi,
  type DayOfHourlyMeans,
  dailyAqi,
  type HourlyAqiInput,
  hourlyAqi,
  hourlyWqi,
  WQI_METRICS,
} from "./index-calculations.js";
import { createIndexSchedule, NOWCAST_HOURS, type StationWork } from "./index-schedule.js";
import {
  AIR_POLLUTANTS,
  type AqiPeriod,
  type AqiStandard,
  aqiSeriesKey,
  meanSeriesKey,
  subIndexSeriesKey,
  WQI_SERIES_KEY,
} from "./index-series.js";
import { hourStartOf, QUARTER_HOUR_MS } from "./index-time.js";
import type { IndexEngineMetrics, PassSummary } from "./metrics.js";

/**
 * Catch-up on start. For each station, the hours ending with its newest stored reading are
 * recomputed: the last CATCH_UP_MIN_HOURS (what a stopped process may not have finished: the open
 * hour and the ones still in their grace period) plus the 11 before them, whose means their
 * NowCasts read (they may never have been computed, e.g. on a database no engine has seen); and
 * further back to the station's newest stored hourly index when that is older (readings stored
 * while no engine ran), at most CATCH_UP_MAX_HOURS.
 */
export const CATCH_UP_MIN_HOURS = 3;
export const CATCH_UP_MAX_HOURS = 48;

const AIR = new Set<MetricKey>(AIR_POLLUTANTS);
const WATER = new Set<MetricKey>(WQI_METRICS);

export interface IndexEngineOptions {
  readonly standard: AqiStandard;
  /** Wait after an hour (or day) closes before computing it, for readings that arrive late. */
  readonly graceMs: number;
  readonly tickMs: number;
}

export interface IndexEngineDeps {
  readonly store: TimeSeriesStore;
  /** Area of a station, for routing live events. */
  readonly areaOf: (station: string) => Promise<string | null>;
  /** VN_WQI settings of a water-quality station (formula 5, required groups); null: the defaults. */
  readonly wqiSettingsOf?: (station: string) => Promise<WqiSettings | null>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called when an AQI (hour or day) is stored for the first time or with a new value. */
  readonly onAqi?: (event: LiveAqi) => void;
  readonly metrics?: IndexEngineMetrics;
}

export interface IndexEngine {
  /** Marks the catch-up hours, starts the timer. */
  start(): Promise<void>;
  /** Readings just made durable (the service's fan-out calls it): marks their hours; ignored before start. */
  acceptStored(readings: readonly Reading[]): void;
  /** One pass over the work that is due now (the timer runs it; tests call it). Passes never overlap. */
  runOnce(): Promise<PassSummary>;
  /** Stops the timer and the subscription and waits for a pass in progress. */
  stop(): Promise<void>;
}

interface StoredAqi extends ComputedAqi {
  readonly ts: number;
}

type MeansByMetric = Map<MetricKey, Map<number, number>>;

/**
 * Computes hourly means, hourly and daily AQI and hourly WQI from the stored readings as hours
 * close, and again when late readings touch an hour. Each stored reading marks its (station,
 * hour) dirty (a Set add); a pass asks the schedule what is due and does the store I/O here.
 */
export function createIndexEngine(options: IndexEngineOptions, deps: IndexEngineDeps): IndexEngine {
  const { store, clock, logger } = deps;
  const { standard } = options;
  const schedule = createIndexSchedule({ graceMs: options.graceMs });
  /** Index inputs each station has sent, so a pass reads only those series. */
  const stationMetrics = new Map<string, Set<MetricKey>>();
  const waterStations = new Set<string>();
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let queue: Promise<unknown> = Promise.resolve();

  /** Notes an index input of a station; temperature counts only at a water-quality station (DO saturation). */
  function noteInput(station: string, metric: MetricKey): boolean {
    const water = WATER.has(metric);
    if (!water && !AIR.has(metric) && !(metric === "temperature" && waterStations.has(station))) return false;
    if (water) waterStations.add(station);
    let metrics = stationMetrics.get(station);
    if (!metrics) {
      metrics = new Set();
      stationMetrics.set(station, metrics);
    }
    metrics.add(metric);
    return true;
  }

  function onStored(readings: readonly Reading[]): void {
    for (const r of readings) if (noteInput(r.deviceId, r.metric)) schedule.markReading(r.deviceId, r.ts);
  }

  async function markCatchUp(): Promise<void> {
    const latest = await store.latest();
    const hourlyIndexKeys = new Set<string>([aqiSeriesKey(standard, "hour"), WQI_SERIES_KEY]);
    const newestIndex = new Map<string, number>();
    const newestReading = new Map<string, number>();
    // Water stations first, so that their temperature counts.
    for (const v of latest) if (isMetricKey(v.metric) && WATER.has(v.metric)) waterStations.add(v.deviceId);
    for (const v of latest) {
      if (hourlyIndexKeys.has(v.metric)) {
        newestIndex.set(v.deviceId, Math.max(v.ts, newestIndex.get(v.deviceId) ?? v.ts));
      } else if (isMetricKey(v.metric) && noteInput(v.deviceId, v.metric)) {
        newestReading.set(v.deviceId, Math.max(v.ts, newestReading.get(v.deviceId) ?? v.ts));
      }
    }
    for (const [station, ts] of newestReading) {
      const last = hourStartOf(ts);
      let from = last - (CATCH_UP_MIN_HOURS - 1 + NOWCAST_HOURS - 1) * HOUR_MS;
      const indexed = newestIndex.get(station);
      if (indexed !== undefined && indexed + HOUR_MS < from) {
        from = Math.max(indexed + HOUR_MS, last - (CATCH_UP_MAX_HOURS - 1) * HOUR_MS);
      }
      const hours: number[] = [];
      for (let h = from; h <= last; h += HOUR_MS) hours.push(h);
      schedule.markHours(station, hours);
    }
  }

  /** Points of a derived series in [from, to), by timestamp. */
  async function readSeries(station: string, metric: SeriesKey, from: number, to: number) {
    const result = await store.range({
      deviceId: station,
      metric,
      from,
      to,
      limit: Math.ceil((to - from) / HOUR_MS) + 1,
    });
    const byTs = new Map<number, number>();
    for (const p of result.points) byTs.set(p.ts, "value" in p ? p.value : p.mean);
    return byTs;
  }

  async function readMeans(station: string, metrics: Iterable<MetricKey>, from: number, to: number) {
    const means: MeansByMetric = new Map();
    for (const metric of metrics)
      means.set(metric, await readSeries(station, meanSeriesKey(metric), from, to));
    return means;
  }

  /** Recomputes and stores the complete hourly means of the given hours; returns how many. */
  async function computeMeans(station: string, metrics: readonly MetricKey[], hours: readonly number[]) {
    const points: SeriesPoint[] = [];
    for (const run of hourRuns(hours)) {
      for (const metric of metrics) {
        const result = await store.range({
          deviceId: station,
          metric,
          from: run.from,
          to: run.to,
          step: QUARTER_HOUR_MS,
          limit: (run.to - run.from) / QUARTER_HOUR_MS + 1,
        });
        if (result.kind !== "aggregate") continue;
        for (const [ts, value] of hourlyMeansFromQuarters(result.points)) {
          points.push({ deviceId: station, metric: meanSeriesKey(metric), ts, value });
        }
      }
    }
    if (points.length > 0) await store.write(points);
    return points.length;
  }

  /** A calculator throws a RangeError for input it cannot take (a water temperature out of range…). */
  function calculated<T>(what: string, station: string, ts: number, compute: () => T): T | undefined {
    try {
      return compute();
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      logger.warn({ station, ts: new Date(ts).toISOString(), reason: err.message }, `no ${what}`);
      return undefined;
    }
  }

  /** Writes AQIs with their sub-indices; announces the ones that are new or changed. */
  async function storeAqis(station: string, period: AqiPeriod, results: readonly StoredAqi[]) {
    const first = results[0];
    const last = results.at(-1);
    if (!first || !last) return;
    const series = aqiSeriesKey(standard, period);
    const before = await readSeries(
      station,
      series,
      first.ts,
      last.ts + (period === "hour" ? HOUR_MS : DAY_MS),
    );
    const points: SeriesPoint[] = [];
    for (const r of results) {
      points.push({ deviceId: station, metric: series, ts: r.ts, value: r.aqi });
      for (const [key, value] of Object.entries(r.subIndices)) {
        points.push({ deviceId: station, metric: subIndexSeriesKey(standard, period, key), ts: r.ts, value });
      }
    }
    await store.write(points);
    const changed = results.filter((r) => before.get(r.ts) !== r.aqi);
    const { onAqi } = deps;
    if (changed.length === 0 || !onAqi) return;
    const area = await deps.areaOf(station);
    for (const r of changed) {
      const view = aqiView(standard, r.aqi, r.subIndices);
      onAqi({
        station,
        area,
        period,
        ts: new Date(r.ts).toISOString(),
        aqi: r.aqi,
        category: { ...view.category, rgb: [...view.category.rgb] },
        dominant: view.dominant,
      });
    }
  }

  async function hourlyAqis(station: string, air: readonly MetricKey[], hours: readonly number[]) {
    const first = hours[0];
    const last = hours.at(-1);
    if (first === undefined || last === undefined) return 0;
    const means = await readMeans(station, air, first - (NOWCAST_HOURS - 1) * HOUR_MS, last + HOUR_MS);
    const results: StoredAqi[] = [];
    for (const hour of hours) {
      const input: HourlyAqiInput = {};
      for (const [metric, byHour] of means) {
        if (metric === "pm25" || metric === "pm10") {
          input[metric] = Array.from(
            { length: NOWCAST_HOURS },
            (_, k) => byHour.get(hour - k * HOUR_MS) ?? null,
          );
        } else if (metric === "o3" || metric === "no2" || metric === "so2" || metric === "co") {
          input[metric] = byHour.get(hour) ?? null;
        }
      }
      const aqi = calculated("hourly AQI", station, hour, () => hourlyAqi(standard, input));
      if (aqi) results.push({ ts: hour, ...aqi });
    }
    await storeAqis(station, "hour", results);
    return results.length;
  }

  async function dailyAqis(station: string, air: readonly MetricKey[], days: readonly number[]) {
    const results: StoredAqi[] = [];
    for (const day of days) {
      const means = await readMeans(station, air, day, day + DAY_MS);
      const input: DayOfHourlyMeans = {};
      for (const [metric, byHour] of means) {
        if (!AIR.has(metric)) continue;
        input[metric as keyof DayOfHourlyMeans] = Array.from(
          { length: HOURS_PER_DAY },
          (_, i) => byHour.get(day + i * HOUR_MS) ?? null,
        );
      }
      const aqi = calculated("daily AQI", station, day, () => dailyAqi(standard, input));
      if (aqi) results.push({ ts: day, ...aqi });
    }
    await storeAqis(station, "day", results);
    return results.length;
  }

  async function hourlyWqis(station: string, metrics: readonly MetricKey[], hours: readonly number[]) {
    const first = hours[0];
    const last = hours.at(-1);
    if (first === undefined || last === undefined) return 0;
    const means = await readMeans(station, metrics, first, last + HOUR_MS);
    const settings = (await deps.wqiSettingsOf?.(station)) ?? null;
    const points: SeriesPoint[] = [];
    for (const hour of hours) {
      const ofHour = new Map<MetricKey, number>();
      for (const [metric, byHour] of means) {
        const value = byHour.get(hour);
        if (value !== undefined) ofHour.set(metric, value);
      }
      const wqi = calculated("hourly WQI", station, hour, () => hourlyWqi(ofHour, settings));
      if (wqi !== undefined) points.push({ deviceId: station, metric: WQI_SERIES_KEY, ts: hour, value: wqi });
    }
    if (points.length > 0) await store.write(points);
    return points.length;
  }

  async function computeStation(station: string, work: StationWork, summary: PassSummary) {
    const metrics = [...(stationMetrics.get(station) ?? [])];
    const air = metrics.filter((m) => AIR.has(m));
    const water = metrics.filter((m) => WATER.has(m) || m === "temperature");
    // Means first: the indices read them back from the store.
    summary.hourlyMeans += await computeMeans(station, metrics, work.meanHours);
    if (air.length > 0) {
      summary.hourlyAqi += await hourlyAqis(station, air, work.indexHours);
      summary.dailyAqi += await dailyAqis(station, air, work.days);
    }
    if (waterStations.has(station)) summary.hourlyWqi += await hourlyWqis(station, water, work.indexHours);
  }

  async function pass(): Promise<PassSummary> {
    const startedAt = performance.now();
    const summary: PassSummary = {
      stations: 0,
      hourlyMeans: 0,
      hourlyAqi: 0,
      dailyAqi: 0,
      hourlyWqi: 0,
      failedStations: 0,
    };
    for (const [station, work] of schedule.take(clock.now())) {
      summary.stations += 1;
      try {
        await computeStation(station, work, summary);
      } catch (err) {
        summary.failedStations += 1;
        schedule.requeue(station, work);
        logger.error({ err, station }, "could not compute; the next pass tries again");
      }
    }
    if (summary.stations > 0) logger.debug(summary, "pass done");
    deps.metrics?.recordPass(summary, (performance.now() - startedAt) / 1000);
    return summary;
  }

  const runOnce = (): Promise<PassSummary> => {
    const next = queue.then(pass);
    queue = next.catch(() => undefined);
    return next;
  };

  const scheduleNextPass = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((err: unknown) => logger.error({ err }, "pass failed"))
        .finally(scheduleNextPass);
    }, options.tickMs);
    timer.unref();
  };

  return {
    async start() {
      started = true;
      await markCatchUp();
      scheduleNextPass();
    },
    acceptStored(readings) {
      if (started && !stopped) onStored(readings);
    },
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await queue;
    },
  };
}
