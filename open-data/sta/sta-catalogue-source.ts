import type { DeviceRecord } from "../../devices/index.js";
import { isPublished } from "../model/publication.js";
import {
  buildCatalogue,
  type IndexSeries,
  neededKeys,
  type PublishedStation,
  type StaCatalogue,
} from "../model/sta-model.js";
import type { OpenDataRepository } from "../store/open-data-repository.js";

export interface StationDirectory {
  list(): Promise<DeviceRecord[]>;
  onChange(listener: (deviceId: string) => void): () => void;
}

export interface CatalogueSource {
  /** The published stations and their entities now (rebuilt at most every `ttlMs`, and after a change). */
  current(): Promise<StaCatalogue>;
  /** The published stations, for CSV and archives. */
  stations(): Promise<readonly PublishedStation[]>;
  /** Forgets the cached catalogue (a publication setting changed). */
  invalidate(): void;
}

const DEFAULT_TTL_MS = 5_000;

/**
 * The SensorThings catalogue of the stations that may be published: only what the registry says
 * publicly (name, kind, commune, position, metrics), never secrets, calibrations or operators.
 */
export function createCatalogueSource(deps: {
  readonly registry: StationDirectory;
  readonly repository: OpenDataRepository;
  readonly indices: readonly IndexSeries[];
  readonly dictionaryUrl: string;
  readonly now: () => number;
  readonly ttlMs?: number;
}): CatalogueSource {
  const ttlMs = deps.ttlMs ?? DEFAULT_TTL_MS;
  let cached: { readonly at: number; readonly catalogue: Promise<StaCatalogue> } | undefined;
  deps.registry.onChange(() => {
    cached = undefined;
  });

  async function build(): Promise<StaCatalogue> {
    const [devices, settings] = await Promise.all([deps.registry.list(), deps.repository.visibilities()]);
    const candidates = devices
      .filter((d) => isPublished(d, settings.get(d.id)))
      // A station is published with its position: without one it has no Location to offer.
      .filter((d) => d.lat !== null && d.lon !== null)
      .map((d) => ({
        deviceId: d.id,
        name: d.name,
        kind: d.kind,
        area: d.area,
        areaName: d.areaName,
        lat: d.lat,
        lon: d.lon,
        metrics: d.metrics,
        floodLevels: d.floodLevels,
      }));
    const keys = neededKeys(candidates, deps.indices);
    const [things, datastreams, sensors, properties] = await Promise.all([
      deps.repository.idsFor(
        "thing",
        candidates.map((c) => c.deviceId),
      ),
      deps.repository.idsFor("datastream", keys.datastreams),
      deps.repository.idsFor("sensor", keys.sensors),
      deps.repository.idsFor("property", keys.properties),
    ]);
    const stations: PublishedStation[] = candidates.map((c) => {
      const allocated = things.get(c.deviceId);
      if (!allocated) throw new Error(`no id for station ${c.deviceId}`);
      return { ...c, id: allocated.id, publishedAt: allocated.assignedAt };
    });
    const tables = { thing: things, datastream: datastreams, sensor: sensors, property: properties };
    return buildCatalogue(
      stations,
      deps.indices,
      (entity, key) => {
        const allocated = tables[entity].get(key);
        if (!allocated) throw new Error(`no id for ${entity} ${key}`);
        return allocated.id;
      },
      deps.dictionaryUrl,
    );
  }

  const source: CatalogueSource = {
    current() {
      const now = deps.now();
      if (!cached || now - cached.at >= ttlMs) {
        const catalogue = build();
        cached = { at: now, catalogue };
        // A failed build is not kept.
        catalogue.catch(() => {
          if (cached?.catalogue === catalogue) cached = undefined;
        });
      }
      return cached.catalogue;
    },
    async stations() {
      return (await source.current()).stations;
    },
    invalidate() {
      cached = undefined;
    },
  };
  return source;
}
