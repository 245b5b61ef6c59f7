/**
 * Physical signal models for simulated stations: pure functions of (parameters, previous state, time, randomness).
 * Time is epoch ms; daily patterns use Vietnamese local time (UTC+7, no daylight saving).
 * Episode and rain time scales are compressed to minutes so that a demo shows them within an hour.
 */
import { type DeviceKind, type MetricKey, metricDefinition } from "../kernel/catalogue.js";
import { DAY_MS, HOUR_MS, MINUTE_MS, VIETNAM_UTC_OFFSET_MS } from "../kernel/time.js";
import { integerBetween, type RandomSource, standardNormal, uniformBetween } from "./random.js";

export type MetricValues = Partial<Record<MetricKey, number>>;

/** Longer silences than this restart the dynamics instead of integrating across the gap. */
const MAX_INTEGRATION_GAP_MS = 6 * HOUR_MS;
const INTEGRATION_STEP_MS = MINUTE_MS;

// ---------------------------------------------------------------------------------------------
// Calendar helpers (Asia/Ho_Chi_Minh)

/** Fractional hour of the day in Vietnam, in [0, 24). */
export function localHourOfDay(epochMs: number): number {
  const local = epochMs + VIETNAM_UTC_OFFSET_MS;
  return (((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
}

/** Month 1–12 in Vietnam. */
export function localMonth(epochMs: number): number {
  return new Date(epochMs + VIETNAM_UTC_OFFSET_MS).getUTCMonth() + 1;
}

function localDayOfYear(epochMs: number): number {
  const local = new Date(epochMs + VIETNAM_UTC_OFFSET_MS);
  const startOfYear = Date.UTC(local.getUTCFullYear(), 0, 1);
  return Math.floor((local.getTime() - startOfYear) / DAY_MS) + 1;
}

// ---------------------------------------------------------------------------------------------
// Daily shapes

/** Gaussian bump on the 24-hour circle, 1 at `centre`. */
function hourBump(hour: number, centre: number, width: number): number {
  const raw = Math.abs(hour - centre);
  const distance = Math.min(raw, 24 - raw);
  return Math.exp(-0.5 * (distance / width) ** 2);
}

/** Road-traffic activity: about 0.3 at night, peaks near 1.3 around 07:30 and 18:00. */
export function trafficIntensity(hour: number): number {
  return 0.3 + 0.35 * hourBump(hour, 13, 4) + 0.7 * hourBump(hour, 7.5, 1) + 0.8 * hourBump(hour, 18, 1.3);
}

/** Photochemical ozone production: low at night, 1 around 13:30. */
export function ozoneFormation(hour: number): number {
  return 0.12 + 0.88 * hourBump(hour, 13.5, 2.6);
}

/** +1 at 14:00 (warmest), −1 at 02:00 (coolest). */
export function temperatureCycle(hour: number): number {
  return Math.cos((2 * Math.PI * (hour - 14)) / 24);
}

/** Sunlight, 0 at night, 1 at noon. */
export function daylight(hour: number): number {
  return Math.max(0, Math.sin((Math.PI * (hour - 6)) / 12));
}

/** Southern Vietnam: rainy season May–November, convective storms mostly mid-afternoon. */
export function rainLikelihood(epochMs: number): number {
  const month = localMonth(epochMs);
  const season = month >= 5 && month <= 11 ? 1 : 0.15;
  return season * (0.25 + hourBump(localHourOfDay(epochMs), 16, 2.5));
}

/** Dry-season weight (December–April) for saline intrusion up the Vàm Cỏ rivers. */
function drySeason(epochMs: number): number {
  const month = localMonth(epochMs);
  return month === 12 || month <= 4 ? 1 : month === 5 ? 0.4 : 0;
}

// ---------------------------------------------------------------------------------------------
// Parameters

interface ClimateParameters {
  /** Daily mean air temperature, °C. */
  readonly meanTemperature: number;
  /** Half the day–night temperature swing, °C. */
  readonly temperatureAmplitude: number;
  /** Rain showers per hour at the afternoon peak of the rainy season. */
  readonly rainEventsPerHour: number;
}

export interface AirSignalParameters extends ClimateParameters {
  readonly kind: "air";
  /** PM2.5 with no traffic and no industry, µg/m³. */
  readonly pm25Background: number;
  /** 0 = no road nearby, 1 = busy arterial road. */
  readonly trafficLoad: number;
  /** 0 = no industry, 1 = inside an industrial park. */
  readonly industrialLoad: number;
  /** Industrial plume episodes per hour (0 for residential wards). */
  readonly plumeEpisodesPerHour: number;
}

export interface WeatherSignalParameters extends ClimateParameters {
  readonly kind: "weather";
  /** Mean sea-level pressure at the station, hPa. */
  readonly basePressure: number;
}

export interface NoiseSignalParameters {
  readonly kind: "noise";
  /** Level in the quietest night hours, dBA. */
  readonly quietLevel: number;
  /** Extra dBA at the rush-hour peak. */
  readonly trafficRise: number;
  /** Steady extra dBA from machinery during working hours (06–22). */
  readonly industrialRise: number;
}

export interface WaterLevelSignalParameters extends ClimateParameters {
  readonly kind: "water_level";
  /** Mean level, metres above the gauge datum. */
  readonly baseLevel: number;
  /** Half the tidal range, m (0 for a reservoir). */
  readonly tidalAmplitude: number;
  /** Half the seasonal range, m, and the day of year of the seasonal high. */
  readonly seasonalAmplitude: number;
  readonly seasonalPeakDay: number;
  /** Level rise per mm of rain over the catchment, m/mm. */
  readonly rainResponse: number;
  /** Catchment and channel time constants, minutes (two linear reservoirs in series give the lag). */
  readonly catchmentMinutes: number;
  readonly channelMinutes: number;
  /** Flood episodes (a cloudburst followed by rising water) per hour. */
  readonly floodEpisodesPerHour: number;
}

export interface WaterQualitySignalParameters extends ClimateParameters {
  readonly kind: "water_quality";
  /** 0 = clean reservoir, 1 = heavily loaded urban/industrial river. */
  readonly pollutionIndex: number;
  /** Typical pH (acid-sulphate soils push the Vàm Cỏ rivers below 7). */
  readonly basePh: number;
  /** 0–1: how far dry-season seawater reaches the station. */
  readonly salinityInfluence: number;
  /** Wastewater discharge episodes per hour. */
  readonly dischargeEpisodesPerHour: number;
}

export type StationSignalParameters =
  | AirSignalParameters
  | WeatherSignalParameters
  | NoiseSignalParameters
  | WaterLevelSignalParameters
  | WaterQualitySignalParameters;

const TROPICAL_CLIMATE: ClimateParameters = {
  meanTemperature: 28,
  temperatureAmplitude: 4.5,
  rainEventsPerHour: 0.3,
};

export type SignalParametersOf<K extends DeviceKind> = Extract<StationSignalParameters, { kind: K }>;

/** Middle-of-the-road parameters for a station of the given kind. */
export function defaultSignalParameters<K extends DeviceKind>(kind: K): SignalParametersOf<K>;
export function defaultSignalParameters(kind: DeviceKind): StationSignalParameters {
  switch (kind) {
    case "air":
      return {
        kind,
        ...TROPICAL_CLIMATE,
        pm25Background: 12,
        trafficLoad: 0.6,
        industrialLoad: 0,
        plumeEpisodesPerHour: 0,
      };
    case "weather":
      return { kind, ...TROPICAL_CLIMATE, basePressure: 1009 };
    case "noise":
      return { kind, quietLevel: 46, trafficRise: 18, industrialRise: 0 };
    case "water_level":
      return {
        kind,
        ...TROPICAL_CLIMATE,
        baseLevel: 0.4,
        tidalAmplitude: 0.8,
        seasonalAmplitude: 0.3,
        seasonalPeakDay: 290,
        rainResponse: 0.02,
        catchmentMinutes: 20,
        channelMinutes: 45,
        floodEpisodesPerHour: 0.3,
      };
    case "water_quality":
      return {
        kind,
        ...TROPICAL_CLIMATE,
        pollutionIndex: 0.4,
        basePh: 7,
        salinityInfluence: 0,
        dischargeEpisodesPerHour: 0,
      };
    case "wastewater":
    case "stack_emission":
      throw new Error(`${kind} stations report by file (industrial/), not with MQTT signals`);
  }
}

// ---------------------------------------------------------------------------------------------
// State

/** A time-limited event whose strength rises and falls smoothly between start and end. */
export interface Episode {
  readonly startTs: number;
  readonly endTs: number;
  /** Scale of the event, meaning depends on the station kind (0–1 for plumes, mm/h for rain). */
  readonly peak: number;
}

export interface StationState {
  readonly lastTs: number | null;
  /** Slowly wandering standard-normal noise per named channel (Ornstein–Uhlenbeck). */
  readonly wander: Readonly<Record<string, number>>;
  readonly rainEvent: Episode | null;
  /** Rain fallen in roughly the last hour, mm (exponentially weighted). */
  readonly rainLastHour: number;
  /** Plume, flood or discharge episode, by station kind. */
  readonly episode: Episode | null;
  /** Water held in the catchment and in the channel, expressed as metres of level. */
  readonly catchmentStore: number;
  readonly channelStore: number;
}

export function initialStationState(): StationState {
  return {
    lastTs: null,
    wander: {},
    rainEvent: null,
    rainLastHour: 0,
    episode: null,
    catchmentStore: 0,
    channelStore: 0,
  };
}

/** 0 outside the episode, rising to 1 halfway through, back to 0 at the end. */
export function episodeStrength(episode: Episode | null, ts: number): number {
  if (!episode || ts <= episode.startTs || ts >= episode.endTs) return 0;
  const progress = (ts - episode.startTs) / (episode.endTs - episode.startTs);
  return Math.sin(Math.PI * progress) ** 2;
}

// Noise channels and how quickly each forgets its past.
const WANDER_TIME_CONSTANTS_MS: Readonly<Record<string, number>> = {
  pm25: 10 * MINUTE_MS,
  pm10: 6 * MINUTE_MS,
  no2: 8 * MINUTE_MS,
  co: 12 * MINUTE_MS,
  o3: 15 * MINUTE_MS,
  so2: 8 * MINUTE_MS,
  temperature: 20 * MINUTE_MS,
  humidity: 15 * MINUTE_MS,
  pressure: 3 * HOUR_MS,
  noise: 2 * MINUTE_MS,
  level: 10 * MINUTE_MS,
  quality: 30 * MINUTE_MS,
  turbidity: 10 * MINUTE_MS,
};

function stepWander(
  previous: Readonly<Record<string, number>>,
  dtMs: number,
  random: RandomSource,
): Record<string, number> {
  const next: Record<string, number> = {};
  for (const [channel, tau] of Object.entries(WANDER_TIME_CONSTANTS_MS)) {
    const before = previous[channel];
    const shock = standardNormal(random);
    if (before === undefined) {
      next[channel] = shock;
      continue;
    }
    const keep = Math.exp(-dtMs / tau);
    next[channel] = keep * before + Math.sqrt(1 - keep * keep) * shock;
  }
  return next;
}

/** Chance that a Poisson process with the given hourly rate fires within dtMs. */
function chanceWithin(ratePerHour: number, dtMs: number): number {
  return ratePerHour <= 0 || dtMs <= 0 ? 0 : 1 - Math.exp((-ratePerHour * dtMs) / HOUR_MS);
}

function maybeStartEpisode(
  current: Episode | null,
  ts: number,
  ratePerHour: number,
  dtMs: number,
  random: RandomSource,
  shape: { minMinutes: number; maxMinutes: number; minPeak: number; maxPeak: number },
): Episode | null {
  if (current && ts < current.endTs) return current;
  if (random() >= chanceWithin(ratePerHour, dtMs)) return null;
  const minutes = integerBetween(random, shape.minMinutes, shape.maxMinutes);
  return {
    startTs: ts,
    endTs: ts + minutes * MINUTE_MS,
    peak: uniformBetween(random, shape.minPeak, shape.maxPeak),
  };
}

interface StepContext {
  readonly ts: number;
  readonly hour: number;
  readonly wander: Readonly<Record<string, number>>;
  readonly rainIntensity: number;
  readonly state: StationState;
  readonly random: RandomSource;
}

// ---------------------------------------------------------------------------------------------
// Step

export interface StationStep {
  readonly state: StationState;
  /** Every metric the station kind can measure, clamped to the catalogue range and rounded. */
  readonly values: MetricValues;
}

/**
 * Advances the station to `ts` and returns what its sensors read.
 * Pure apart from drawing from `random`; the same inputs and random sequence give the same output.
 */
export function stepStation(
  params: StationSignalParameters,
  previous: StationState,
  ts: number,
  random: RandomSource,
): StationStep {
  const gap = previous.lastTs === null ? 0 : ts - previous.lastTs;
  const restart = gap < 0 || gap > MAX_INTEGRATION_GAP_MS;
  const dtMs = restart ? 0 : gap;
  const base = restart ? { ...initialStationState(), wander: previous.wander } : previous;

  const wander = stepWander(base.wander, dtMs, random);
  const episode = maybeStartEpisode(
    base.episode,
    ts,
    episodeRate(params),
    dtMs,
    random,
    episodeShape(params),
  );
  const forcedRain = params.kind === "water_level" && episode ? episode : null;
  const rainEvent =
    "rainEventsPerHour" in params
      ? (forcedRain ??
        maybeStartEpisode(base.rainEvent, ts, params.rainEventsPerHour * rainLikelihood(ts), dtMs, random, {
          minMinutes: 8,
          maxMinutes: 40,
          minPeak: 3,
          maxPeak: 35,
        }))
      : null;

  const hydrology = integrateWater(params, base, rainEvent, ts, dtMs);
  const state: StationState = {
    lastTs: ts,
    wander,
    rainEvent,
    rainLastHour: hydrology.rainLastHour,
    episode,
    catchmentStore: hydrology.catchmentStore,
    channelStore: hydrology.channelStore,
  };
  const context: StepContext = {
    ts,
    hour: localHourOfDay(ts),
    wander,
    rainIntensity: episodeStrength(rainEvent, ts) * (rainEvent?.peak ?? 0),
    state,
    random,
  };
  return { state, values: finish(rawValues(params, context)) };
}

function episodeRate(params: StationSignalParameters): number {
  switch (params.kind) {
    case "air":
      return params.plumeEpisodesPerHour;
    case "water_level":
      return params.floodEpisodesPerHour;
    case "water_quality":
      return params.dischargeEpisodesPerHour;
    default:
      return 0;
  }
}

function episodeShape(params: StationSignalParameters) {
  // Flood episodes are cloudbursts (peak in mm/h); the others are unitless 0–1 strengths.
  return params.kind === "water_level"
    ? { minMinutes: 15, maxMinutes: 35, minPeak: 45, maxPeak: 90 }
    : { minMinutes: 10, maxMinutes: 45, minPeak: 0.5, maxPeak: 1 };
}

/** Rain feeds the catchment, the catchment drains into the channel; sub-stepped for stability. */
function integrateWater(
  params: StationSignalParameters,
  state: StationState,
  rainEvent: Episode | null,
  ts: number,
  dtMs: number,
): Pick<StationState, "rainLastHour" | "catchmentStore" | "channelStore"> {
  let { rainLastHour, catchmentStore, channelStore } = state;
  const response = params.kind === "water_level" ? params.rainResponse : 0.02;
  const catchmentMs = (params.kind === "water_level" ? params.catchmentMinutes : 30) * MINUTE_MS;
  const channelMs = (params.kind === "water_level" ? params.channelMinutes : 60) * MINUTE_MS;
  const steps = Math.ceil(dtMs / INTEGRATION_STEP_MS);
  for (let i = 0; i < steps; i += 1) {
    const h = Math.min(INTEGRATION_STEP_MS, dtMs - i * INTEGRATION_STEP_MS);
    const at = ts - dtMs + (i + 1) * h;
    const rainMmPerHour = episodeStrength(rainEvent, at) * (rainEvent?.peak ?? 0);
    const rainMm = (rainMmPerHour * h) / HOUR_MS;
    rainLastHour = rainLastHour * Math.exp(-h / HOUR_MS) + rainMm;
    const drained = catchmentStore * (h / catchmentMs);
    catchmentStore = catchmentStore + response * rainMm - drained;
    channelStore = channelStore + drained - channelStore * (h / channelMs);
  }
  return { rainLastHour, catchmentStore, channelStore };
}

function rawValues(params: StationSignalParameters, context: StepContext): MetricValues {
  switch (params.kind) {
    case "air":
      return { ...airQuality(params, context), ...climate(params, context) };
    case "weather":
      return {
        ...climate(params, context),
        pressure: pressure(params, context),
        rainfall: context.state.rainLastHour,
      };
    case "noise":
      return { noise: noise(params, context) };
    case "water_level":
      return { water_level: waterLevel(params, context), rainfall: context.state.rainLastHour };
    case "water_quality":
      return waterQuality(params, context);
  }
}

function climate(params: ClimateParameters, { hour, wander, rainIntensity }: StepContext): MetricValues {
  const rainCooling = Math.min(4, rainIntensity * 0.15);
  const temperature =
    params.meanTemperature +
    params.temperatureAmplitude * temperatureCycle(hour) -
    rainCooling +
    0.6 * (wander.temperature ?? 0);
  // Absolute moisture changes little over a day, so relative humidity falls as the air warms.
  const humidity =
    76 -
    3 * (temperature - params.meanTemperature) +
    Math.min(20, rainIntensity * 1.5) +
    3 * (wander.humidity ?? 0);
  return { temperature, humidity: Math.min(100, Math.max(30, humidity)) };
}

function pressure(params: WeatherSignalParameters, { hour, wander, rainIntensity }: StepContext): number {
  // Semi-diurnal atmospheric tide: highs near 10:00 and 22:00.
  const atmosphericTide = 1.3 * Math.cos((2 * Math.PI * (hour - 10)) / 12);
  return (
    params.basePressure + atmosphericTide + 1.5 * (wander.pressure ?? 0) - Math.min(2, rainIntensity * 0.05)
  );
}

function airQuality(
  params: AirSignalParameters,
  { ts, hour, wander, rainIntensity, state }: StepContext,
): MetricValues {
  const traffic = trafficIntensity(hour);
  const plume = episodeStrength(state.episode, ts) * (state.episode?.peak ?? 0);
  const washout = 1 / (1 + rainIntensity / 10);
  const varied = (channel: string, spread: number) => Math.exp(spread * (wander[channel] ?? 0));

  const pm25 =
    (params.pm25Background + 25 * params.trafficLoad * traffic + 15 * params.industrialLoad) *
      varied("pm25", 0.25) *
      washout +
    180 * plume;
  const pm10 = pm25 * (1.6 + 0.12 * (wander.pm10 ?? 0)) + 10 * params.industrialLoad + 90 * plume;
  const no2 =
    (8 + 45 * params.trafficLoad * traffic + 12 * params.industrialLoad) * varied("no2", 0.3) + 110 * plume;
  const co =
    (400 + 1500 * params.trafficLoad * traffic + 300 * params.industrialLoad) * varied("co", 0.2) +
    4000 * plume;
  const so2 =
    (4 + 6 * params.trafficLoad * traffic + 40 * params.industrialLoad) * varied("so2", 0.35) + 450 * plume;
  // Fresh NO from traffic titrates ozone, so busy roads see a little less O3.
  const o3 = (15 + 110 * ozoneFormation(hour)) * (1 - 0.25 * Math.min(1, no2 / 100)) * varied("o3", 0.2);
  return { pm25, pm10, no2, co, so2, o3 };
}

function noise(params: NoiseSignalParameters, { hour, wander, random }: StepContext): number {
  const traffic = Math.min(1, Math.max(0, (trafficIntensity(hour) - 0.3) / 1.1));
  const working = hour >= 6 && hour < 22 ? 1 : 0.3;
  // Passing trucks and horns: brief loud moments.
  const transient = random() < 0.02 ? uniformBetween(random, 5, 15) : 0;
  return (
    params.quietLevel +
    params.trafficRise * traffic +
    params.industrialRise * working +
    2.5 * (wander.noise ?? 0) +
    transient
  );
}

function waterLevel(params: WaterLevelSignalParameters, { ts, wander, state }: StepContext): number {
  // Mixed tide of the East Sea reaching up the Vàm Cỏ: principal lunar semi-diurnal plus a diurnal part.
  const hours = ts / HOUR_MS;
  const tide =
    params.tidalAmplitude *
    (0.8 * Math.cos((2 * Math.PI * hours) / 12.42) + 0.3 * Math.cos((2 * Math.PI * hours) / 23.93 + 1.1));
  const season =
    params.seasonalAmplitude * Math.cos((2 * Math.PI * (localDayOfYear(ts) - params.seasonalPeakDay)) / 365);
  return params.baseLevel + tide + season + state.channelStore + 0.02 * (wander.level ?? 0);
}

function waterQuality(params: WaterQualitySignalParameters, context: StepContext): MetricValues {
  const { ts, hour, wander, state } = context;
  const load = params.pollutionIndex;
  const runoff = state.catchmentStore / (state.catchmentStore + 0.3);
  const discharge = episodeStrength(state.episode, ts) * (state.episode?.peak ?? 0);
  const drift = wander.quality ?? 0;
  const sun = daylight(hour);
  const hours = ts / HOUR_MS;
  const floodTide = 0.5 + 0.5 * Math.cos((2 * Math.PI * hours) / 12.42);

  const temperature = params.meanTemperature + 1 + 1.5 * temperatureCycle(hour - 1) + 0.3 * drift;
  const ph = params.basePh + 0.25 * sun - 0.3 * runoff - 0.3 * discharge + 0.08 * drift;
  const dissolvedOxygen = 6.8 - 3.5 * load + 1.2 * sun - 1.2 * runoff - 2.5 * discharge + 0.3 * drift;
  const turbidity =
    (10 + 60 * load + 150 * runoff) * Math.exp(0.2 * (wander.turbidity ?? 0)) + 40 * discharge;
  const conductivity =
    120 +
    350 * load +
    params.salinityInfluence * drySeason(ts) * 4000 * floodTide +
    300 * discharge +
    15 * drift;
  const cod = (8 + 30 * load + 10 * runoff) * Math.exp(0.1 * drift) + 60 * discharge;
  const bod5 = cod * (0.45 + 0.05 * drift);
  const nh4 = (0.08 + 1.5 * load) * Math.exp(0.15 * drift) + 3 * discharge;
  const no3 = (0.4 + 2 * load + 1.5 * runoff) * Math.exp(0.1 * drift);
  const po4 = (0.04 + 0.4 * load + 0.2 * runoff) * Math.exp(0.1 * drift) + 0.8 * discharge;
  const coliform = (300 + 9000 * load) * (1 + 3 * runoff) * Math.exp(0.3 * drift) + 40_000 * discharge;
  return {
    temperature,
    ph,
    do: Math.max(0.2, dissolvedOxygen),
    turbidity,
    conductivity,
    cod,
    bod5,
    nh4,
    no3,
    po4,
    coliform,
  };
}

/** Clamps every value into its catalogue range and rounds to the catalogue's decimals. */
function finish(values: MetricValues): MetricValues {
  const finished: MetricValues = {};
  for (const [key, value] of Object.entries(values) as [MetricKey, number][]) {
    finished[key] = roundForMetric(key, clampToMetricRange(key, value));
  }
  return finished;
}

export function clampToMetricRange(key: MetricKey, value: number): number {
  const { min, max } = metricDefinition(key);
  return Math.min(max, Math.max(min, value));
}

export function roundForMetric(key: MetricKey, value: number): number {
  const factor = 10 ** metricDefinition(key).decimals;
  return Math.round(value * factor) / factor;
}
