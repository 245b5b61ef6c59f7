/**
 * SensorThings entities of the catalogue: their JSON properties, navigation and the values
 * $filter and $orderby read. Observations come from the store (observation-query.ts).
 */
import { Instant, Interval, type PathReader, type Value } from "../model/filter-evaluation.js";
import {
  type DatastreamRecord,
  type EntitySet,
  kindName,
  NAVIGATIONS,
  observationId,
  type PropertyRecord,
  type PublishedStation,
  type SensorRecord,
  type StaCatalogue,
} from "../model/sta-model.js";

export interface ObservationRecord {
  readonly datastream: DatastreamRecord;
  readonly ts: number;
  readonly value: number;
}

export type EntityRecord =
  | {
      readonly set: "Things" | "Locations" | "HistoricalLocations" | "FeaturesOfInterest";
      readonly item: PublishedStation;
    }
  | { readonly set: "Datastreams"; readonly item: DatastreamRecord }
  | { readonly set: "Sensors"; readonly item: SensorRecord }
  | { readonly set: "ObservedProperties"; readonly item: PropertyRecord }
  | { readonly set: "Observations"; readonly item: ObservationRecord };

/** What a to-many navigation leads to: metadata entities in memory, or observations of some datastreams. */
export type CollectionSource =
  | {
      readonly kind: "entities";
      readonly set: Exclude<EntitySet, "Observations">;
      readonly items: readonly EntityRecord[];
    }
  | { readonly kind: "observations"; readonly datastreams: readonly DatastreamRecord[] };

export const GEOJSON_1_1 = "application/geo+json";
export const GEOJSON_1_0 = "application/vnd.geo+json";
export const OM_MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement";

export interface Presentation {
  /** The service's base URL (PUBLIC_BASE_URL or the request's), without a trailing slash. */
  readonly base: string;
  /** The version root, e.g. https://host/sta/v1.1 */
  readonly root: string;
  readonly version: "v1.0" | "v1.1";
  /** Where the data dictionary is (Sensors' metadata). */
  readonly dictionaryUrl: string;
}

export function idOf(record: EntityRecord): number {
  if (record.set === "Observations") return observationId(record.item.datastream.id, record.item.ts);
  return record.item.id;
}

/** Links the catalogue holds as paths of this service become absolute URLs. */
const absolute = (url: string, p: Presentation) => (url.startsWith("/") ? `${p.base}${url}` : url);

const point = (s: PublishedStation) => ({ type: "Point", coordinates: [s.lon, s.lat] });

const iso = (ms: number) => new Date(ms).toISOString();

function phenomenonTime(o: ObservationRecord): Instant {
  const period = o.datastream.periodMs;
  return period === undefined ? new Instant(o.ts) : new Interval(o.ts, o.ts + period);
}

const timeText = (t: Instant) => (t instanceof Interval ? `${iso(t.ms)}/${iso(t.endMs)}` : iso(t.ms));

/** The entity's own properties (no control information), as JSON values. */
export function propertiesOf(record: EntityRecord, p: Presentation): Record<string, unknown> {
  switch (record.set) {
    case "Things": {
      const s = record.item;
      return {
        name: s.name,
        description: `${kindName(s.kind ?? "other").vi} ${s.name}${s.areaName ? `, ${s.areaName}` : ""}`,
        properties: { stationCode: s.deviceId, kind: s.kind, area: s.area, areaName: s.areaName },
      };
    }
    case "Locations":
      return {
        name: record.item.name,
        description: `Vị trí trạm ${record.item.name} · Location of ${record.item.name}`,
        encodingType: p.version === "v1.0" ? GEOJSON_1_0 : GEOJSON_1_1,
        location: point(record.item),
      };
    case "HistoricalLocations":
      return { time: iso(record.item.publishedAt) };
    case "FeaturesOfInterest":
      return {
        name: record.item.name,
        description: `Khu vực quanh trạm ${record.item.name} · Surroundings of ${record.item.name}`,
        encodingType: p.version === "v1.0" ? GEOJSON_1_0 : GEOJSON_1_1,
        feature: point(record.item),
      };
    case "Datastreams": {
      const d = record.item;
      return {
        name: d.name,
        description: d.description,
        unitOfMeasurement: { ...d.unit, definition: absolute(d.unit.definition, p) },
        observationType: OM_MEASUREMENT,
        properties: {
          stationCode: d.station.deviceId,
          series: d.key,
          ...(d.periodMs === undefined ? {} : { periodSeconds: d.periodMs / 1000 }),
        },
      };
    }
    case "Sensors": {
      const names = kindName(record.item.key);
      return {
        name: names.en,
        description: `${names.vi} · ${names.en}`,
        encodingType: "text/html",
        metadata: `${p.dictionaryUrl}#sensor-${encodeURIComponent(record.item.key)}`,
      };
    }
    case "ObservedProperties":
      return {
        name: record.item.name,
        definition: absolute(record.item.definition, p),
        description: record.item.description,
      };
    case "Observations": {
      const time = phenomenonTime(record.item);
      return {
        phenomenonTime: timeText(time),
        resultTime: iso(time instanceof Interval ? time.endMs : time.ms),
        result: record.item.value,
      };
    }
  }
}

export const selfLink = (record: EntityRecord, p: Presentation) => `${p.root}/${record.set}(${idOf(record)})`;

/** The related entity of a to-one navigation, or undefined when there is none. */
export function relatedOne(
  record: EntityRecord,
  nav: string,
  catalogue: StaCatalogue,
): EntityRecord | undefined {
  switch (record.set) {
    case "HistoricalLocations":
      return nav === "Thing" ? { set: "Things", item: record.item } : undefined;
    case "Datastreams": {
      const d = record.item;
      if (nav === "Thing") return { set: "Things", item: d.station };
      if (nav === "Sensor") {
        const sensor = catalogue.sensors.find((s) => s.key === d.sensorKey);
        return sensor && { set: "Sensors", item: sensor };
      }
      if (nav === "ObservedProperty") {
        const property = catalogue.properties.find((s) => s.key === d.propertyKey);
        return property && { set: "ObservedProperties", item: property };
      }
      return undefined;
    }
    case "Observations":
      if (nav === "Datastream") return { set: "Datastreams", item: record.item.datastream };
      if (nav === "FeatureOfInterest")
        return { set: "FeaturesOfInterest", item: record.item.datastream.station };
      return undefined;
    default:
      return undefined;
  }
}

/** What a to-many navigation of an entity leads to. */
export function relatedMany(
  record: EntityRecord,
  nav: string,
  catalogue: StaCatalogue,
): CollectionSource | undefined {
  const stationRecords = (
    set: "Things" | "Locations" | "HistoricalLocations",
    s: PublishedStation,
  ): CollectionSource => ({
    kind: "entities",
    set,
    items: [{ set, item: s }],
  });
  const datastreams = (keep: (d: DatastreamRecord) => boolean): CollectionSource => ({
    kind: "entities",
    set: "Datastreams",
    items: catalogue.datastreams.filter(keep).map((item) => ({ set: "Datastreams", item })),
  });
  switch (record.set) {
    case "Things":
      if (nav === "Locations" || nav === "HistoricalLocations") return stationRecords(nav, record.item);
      if (nav === "Datastreams") return datastreams((d) => d.station.id === record.item.id);
      return undefined;
    case "Locations":
      if (nav === "Things" || nav === "HistoricalLocations") return stationRecords(nav, record.item);
      return undefined;
    case "HistoricalLocations":
      return nav === "Locations" ? stationRecords("Locations", record.item) : undefined;
    case "Datastreams":
      return nav === "Observations" ? { kind: "observations", datastreams: [record.item] } : undefined;
    case "Sensors":
      return nav === "Datastreams" ? datastreams((d) => d.sensorKey === record.item.key) : undefined;
    case "ObservedProperties":
      return nav === "Datastreams" ? datastreams((d) => d.propertyKey === record.item.key) : undefined;
    case "FeaturesOfInterest":
      return nav === "Observations"
        ? {
            kind: "observations",
            datastreams: catalogue.datastreams.filter((d) => d.station.id === record.item.id),
          }
        : undefined;
    default:
      return undefined;
  }
}

/** Every entity of a metadata set. */
export function entitiesOf(set: Exclude<EntitySet, "Observations">, catalogue: StaCatalogue): EntityRecord[] {
  switch (set) {
    case "Things":
    case "Locations":
    case "HistoricalLocations":
    case "FeaturesOfInterest":
      return catalogue.stations.map((item) => ({ set, item }));
    case "Datastreams":
      return catalogue.datastreams.map((item) => ({ set, item }));
    case "Sensors":
      return catalogue.sensors.map((item) => ({ set, item }));
    case "ObservedProperties":
      return catalogue.properties.map((item) => ({ set, item }));
  }
}

const TIME_PROPERTIES = new Set(["phenomenonTime", "resultTime", "time"]);

/** Reads $filter/$orderby paths of an entity: its properties, `id`, and to-one navigations. */
export function pathReader(record: EntityRecord, catalogue: StaCatalogue, p: Presentation): PathReader {
  let own: Record<string, unknown> | undefined;
  const read: PathReader = (path) => {
    const [head, ...rest] = path;
    if (head === undefined) return undefined;
    if (head === "id" || head === "@iot.id") return rest.length === 0 ? idOf(record) : undefined;
    if (Object.hasOwn(NAVIGATIONS[record.set], head)) {
      const related = relatedOne(record, head, catalogue);
      return related ? pathReader(related, catalogue, p)(rest) : undefined;
    }
    if (record.set === "Observations" && head === "phenomenonTime" && rest.length === 0)
      return phenomenonTime(record.item);
    own ??= propertiesOf(record, p);
    if (!Object.hasOwn(own, head)) return undefined;
    let value: unknown = own[head];
    if (TIME_PROPERTIES.has(head) && typeof value === "string" && rest.length === 0) {
      const ms = Date.parse(value.split("/")[0] as string);
      return Number.isFinite(ms) ? new Instant(ms) : null;
    }
    for (const key of rest) {
      if (value === null || typeof value !== "object" || Array.isArray(value) || !Object.hasOwn(value, key))
        return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    if (value === undefined || value === null) return value as Value;
    if (typeof value === "object") return value as Record<string, unknown>;
    return value as Value;
  };
  return read;
}
