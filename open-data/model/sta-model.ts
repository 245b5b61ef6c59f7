/**
 * The SensorThings data model of the published stations: which entities exist, their ids, their
 * properties and how they relate. Pure: built from the published stations and the catalogue.
 *
 *   Thing, Location, HistoricalLocation, FeatureOfInterest — one each per station (same id)
 *   Sensor            — one per station kind (the kind of instrument)
 *   ObservedProperty  — one per metric or index
 *   Datastream        — one per station and metric it measures, and per station and index
 *   Observation       — one per stored point; id = datastream id × 2^42 + ms since 2000-01-01
 */
import { floodAlarmLevel } from "../../indices/calculators/index.js";
import { isMetricKey, metricDefinition } from "../../kernel/catalogue.js";
import type { SeriesKey } from "../../kernel/series.js";

export const ENTITY_SETS = [
  "Things",
  "Locations",
  "HistoricalLocations",
  "Datastreams",
  "Sensors",
  "ObservedProperties",
  "Observations",
  "FeaturesOfInterest",
] as const;
export type EntitySet = (typeof ENTITY_SETS)[number];

export interface Navigation {
  readonly target: EntitySet;
  readonly many: boolean;
}

/** Navigation properties of each entity set (SensorThings 1.1, Part 1 data model). */
export const NAVIGATIONS: Readonly<Record<EntitySet, Readonly<Record<string, Navigation>>>> = {
  Things: {
    Locations: { target: "Locations", many: true },
    HistoricalLocations: { target: "HistoricalLocations", many: true },
    Datastreams: { target: "Datastreams", many: true },
  },
  Locations: {
    Things: { target: "Things", many: true },
    HistoricalLocations: { target: "HistoricalLocations", many: true },
  },
  HistoricalLocations: {
    Thing: { target: "Things", many: false },
    Locations: { target: "Locations", many: true },
  },
  Datastreams: {
    Thing: { target: "Things", many: false },
    Sensor: { target: "Sensors", many: false },
    ObservedProperty: { target: "ObservedProperties", many: false },
    Observations: { target: "Observations", many: true },
  },
  Sensors: { Datastreams: { target: "Datastreams", many: true } },
  ObservedProperties: { Datastreams: { target: "Datastreams", many: true } },
  Observations: {
    Datastream: { target: "Datastreams", many: false },
    FeatureOfInterest: { target: "FeaturesOfInterest", many: false },
  },
  FeaturesOfInterest: { Observations: { target: "Observations", many: true } },
};

/** A station as published: only what may be shown (no secrets, no operators, no calibration). */
export interface PublishedStation {
  /** Thing, Location, HistoricalLocation and FeatureOfInterest id. */
  readonly id: number;
  readonly deviceId: string;
  readonly name: string;
  readonly kind: string | null;
  readonly area: string | null;
  readonly areaName: string | null;
  readonly lat: number | null;
  readonly lon: number | null;
  /** Metrics the station measures (catalogue keys). */
  readonly metrics: readonly string[];
  /** A water-level station's alarm levels I, II, III (m): it then has a flood-level Datastream. */
  readonly floodLevels: FloodLevels | null;
  /** When the station was first published (its HistoricalLocation's time), epoch ms. */
  readonly publishedAt: number;
}

export interface FloodLevels {
  readonly I: number;
  readonly II: number;
  readonly III: number;
}

/** The published key of the flood alarm level (0–3), computed from each water-level reading. */
export const FLOOD_LEVEL_KEY = "flood_level";
export const FLOOD_LEVEL_NAME = { vi: "Cấp báo động lũ (0–3)", en: "Flood alarm level (0–3)" } as const;

/** A derived series published as a Datastream (hourly AQI, daily AQI, WQI…). */
export interface IndexSeries {
  readonly series: SeriesKey;
  /** Station kinds that have it. */
  readonly kinds: readonly string[];
  readonly name: { readonly vi: string; readonly en: string };
  readonly unit: { readonly name: string; readonly symbol: string; readonly definition: string };
  /** Length of the period each value covers, ms (phenomenonTime is that interval). */
  readonly periodMs: number;
}

export interface DatastreamRecord {
  readonly id: number;
  readonly station: PublishedStation;
  /** The stored series its Observations are read from. */
  readonly series: SeriesKey;
  /** What it is published as (properties/series, the CSV's metric): the series, or flood_level. */
  readonly key: string;
  /** Set for the flood-level Datastream: results are alarm levels of the water level readings. */
  readonly flood?: FloodLevels;
  readonly sensorKey: string;
  readonly propertyKey: string;
  readonly name: string;
  readonly description: string;
  readonly unit: { readonly name: string; readonly symbol: string; readonly definition: string };
  /** Set for derived series: each value covers [ts, ts + periodMs). */
  readonly periodMs?: number;
}

export interface SensorRecord {
  readonly id: number;
  readonly key: string;
}

export interface PropertyRecord {
  readonly id: number;
  readonly key: string;
  readonly name: string;
  readonly definition: string;
  readonly description: string;
}

/** Every published metadata entity at one moment, with lookups by id. */
export interface StaCatalogue {
  readonly stations: readonly PublishedStation[];
  readonly datastreams: readonly DatastreamRecord[];
  readonly sensors: readonly SensorRecord[];
  readonly properties: readonly PropertyRecord[];
  readonly stationById: ReadonlyMap<number, PublishedStation>;
  readonly datastreamById: ReadonlyMap<number, DatastreamRecord>;
  readonly sensorById: ReadonlyMap<number, SensorRecord>;
  readonly propertyById: ReadonlyMap<number, PropertyRecord>;
}

/** Stable numeric ids, allocated once per natural key and kept (open-data/store). */
export type IdOf = (entity: "thing" | "datastream" | "sensor" | "property", key: string) => number;

export const datastreamKey = (deviceId: string, series: string) => `${deviceId}|${series}`;

/** The natural keys a catalogue needs ids for, so they can be allocated before building it. */
export function neededKeys(
  stations: readonly Omit<PublishedStation, "id" | "publishedAt">[],
  indices: readonly IndexSeries[],
) {
  const datastreams: string[] = [];
  const sensors = new Set<string>();
  const properties = new Set<string>();
  for (const station of stations) {
    sensors.add(sensorKeyOf(station.kind));
    for (const series of seriesOf(station, indices)) {
      datastreams.push(datastreamKey(station.deviceId, series.key));
      properties.add(series.key);
    }
  }
  return { datastreams, sensors: [...sensors], properties: [...properties] };
}

const sensorKeyOf = (kind: string | null) => kind ?? "other";

interface PublishedSeries {
  readonly series: SeriesKey;
  readonly key: string;
  readonly index?: IndexSeries;
  readonly flood?: FloodLevels;
}

function seriesOf(
  station: Pick<PublishedStation, "metrics" | "kind" | "floodLevels">,
  indices: readonly IndexSeries[],
): PublishedSeries[] {
  const out: PublishedSeries[] = [];
  for (const metric of station.metrics) if (isMetricKey(metric)) out.push({ series: metric, key: metric });
  for (const index of indices) {
    if (station.kind !== null && index.kinds.includes(station.kind))
      out.push({ series: index.series, key: index.series, index });
  }
  if (station.floodLevels && station.metrics.includes("water_level"))
    out.push({ series: "water_level", key: FLOOD_LEVEL_KEY, flood: station.floodLevels });
  return out;
}

/** An Observation's result: the stored value, or for the flood-level Datastream its alarm level. */
export const observedValue = (datastream: Pick<DatastreamRecord, "flood">, stored: number): number =>
  datastream.flood ? floodAlarmLevel(stored, datastream.flood) : stored;

/**
 * Definition URIs: the European Environment Agency's pollutant vocabulary for the air pollutants
 * it defines; for the others, the entry in this service's data dictionary.
 */
const EEA_POLLUTANT = "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/";
const EEA_CODES: Readonly<Record<string, number>> = { so2: 1, pm10: 5, pm25: 6001, o3: 7, no2: 8, co: 10 };

export function propertyDefinition(key: string, dictionaryUrl: string): string {
  const code = EEA_CODES[key];
  return code === undefined ? `${dictionaryUrl}#${encodeURIComponent(key)}` : `${EEA_POLLUTANT}${code}`;
}

const KIND_NAMES: Readonly<Record<string, { vi: string; en: string }>> = {
  air: { vi: "Trạm quan trắc không khí", en: "Air quality monitor" },
  weather: { vi: "Trạm khí tượng", en: "Weather station" },
  noise: { vi: "Trạm đo tiếng ồn", en: "Noise monitor" },
  water_level: { vi: "Trạm đo mực nước", en: "Water level gauge" },
  water_quality: { vi: "Trạm quan trắc chất lượng nước", en: "Water quality monitor" },
  other: { vi: "Thiết bị quan trắc khác", en: "Other monitoring device" },
};

const OTHER_KIND = { vi: "Thiết bị quan trắc khác", en: "Other monitoring device" };

export const kindName = (key: string): { vi: string; en: string } => KIND_NAMES[key] ?? OTHER_KIND;

export function buildCatalogue(
  stations: readonly PublishedStation[],
  indices: readonly IndexSeries[],
  idOf: IdOf,
  dictionaryUrl: string,
): StaCatalogue {
  const datastreams: DatastreamRecord[] = [];
  const sensors = new Map<string, SensorRecord>();
  const properties = new Map<string, PropertyRecord>();
  for (const station of stations) {
    const sensorKey = sensorKeyOf(station.kind);
    if (!sensors.has(sensorKey)) sensors.set(sensorKey, { id: idOf("sensor", sensorKey), key: sensorKey });
    for (const { series, key, index, flood } of seriesOf(station, indices)) {
      const metric = isMetricKey(key) ? metricDefinition(key) : undefined;
      const label = flood ? FLOOD_LEVEL_NAME : (metric?.label ?? index?.name ?? { vi: key, en: key });
      if (!properties.has(key)) {
        properties.set(key, {
          id: idOf("property", key),
          key,
          name: label.en,
          definition: propertyDefinition(key, dictionaryUrl),
          description: `${label.vi} · ${label.en}`,
        });
      }
      const floodUnit = {
        name: "alarm level",
        symbol: "",
        definition: `${dictionaryUrl}#${FLOOD_LEVEL_KEY}`,
      };
      const unit = flood
        ? floodUnit
        : metric
          ? {
              name: metric.unit,
              symbol: metric.unit,
              definition: `${dictionaryUrl}#unit-${encodeURIComponent(metric.key)}`,
            }
          : (index?.unit ?? { name: "", symbol: "", definition: "" });
      datastreams.push({
        id: idOf("datastream", datastreamKey(station.deviceId, key)),
        station,
        series,
        key,
        ...(flood ? { flood } : {}),
        sensorKey,
        propertyKey: key,
        name: `${station.name} · ${label.en}`,
        description: `${label.vi} tại ${station.name} · ${label.en} at ${station.name}`,
        unit,
        ...(index ? { periodMs: index.periodMs } : {}),
      });
    }
  }
  const byId = <T extends { id: number }>(items: Iterable<T>) => new Map([...items].map((i) => [i.id, i]));
  const sortedStations = [...stations].sort((a, b) => a.id - b.id);
  const sortedDatastreams = datastreams.sort((a, b) => a.id - b.id);
  const sortedSensors = [...sensors.values()].sort((a, b) => a.id - b.id);
  const sortedProperties = [...properties.values()].sort((a, b) => a.id - b.id);
  return {
    stations: sortedStations,
    datastreams: sortedDatastreams,
    sensors: sortedSensors,
    properties: sortedProperties,
    stationById: byId(sortedStations),
    datastreamById: byId(sortedDatastreams),
    sensorById: byId(sortedSensors),
    propertyById: byId(sortedProperties),
  };
}

/** Observation ids: the datastream in the high bits, milliseconds since 2000 in the low 42 (until 2139). */
export const OBSERVATION_EPOCH_MS = Date.UTC(2000, 0, 1);
const TIME_SPAN = 2 ** 42;

export const observationId = (datastreamId: number, ts: number): number =>
  datastreamId * TIME_SPAN + (ts - OBSERVATION_EPOCH_MS);

export function parseObservationId(id: number): { datastreamId: number; ts: number } | undefined {
  if (!Number.isSafeInteger(id) || id < 0) return undefined;
  const datastreamId = Math.floor(id / TIME_SPAN);
  return { datastreamId, ts: (id % TIME_SPAN) + OBSERVATION_EPOCH_MS };
}
