/**
 * The open-data feature: the public SensorThings API, CSV downloads, daily archives and their
 * catalogue, over the published stations only (open-data/model/publication.ts).
 */
import { join } from "node:path";
import type { FastifyPluginAsync } from "fastify";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { DeviceRegistry } from "../devices/index.js";
import { type AqiStandard, aqiSeriesKey, WQI_SERIES_KEY } from "../indices/index.js";
import type { Clock } from "../kernel/clock.js";
import { DAY_MS, HOUR_MS, MINUTE_MS } from "../kernel/time.js";
import type { AuditRecorder } from "../platform/http/access.js";
import type { TimeSeriesStore } from "../readings/index.js";
import { catalogueRoutes, DICTIONARY_PATH, type OpenDataLicence } from "./api/catalogue-routes.js";
import { publicationRoutes } from "./api/publication-routes.js";
import { readingsCsvRoutes } from "./api/readings-csv-routes.js";
import { staRoutes } from "./api/sta-routes.js";
import { createDailyArchive, type DailyArchive } from "./archive/daily-archive.js";
import type { IndexSeries } from "./model/sta-model.js";
import { createCatalogueSource } from "./sta/sta-catalogue-source.js";
import { createStaService } from "./sta/sta-service.js";
import { createOpenDataRepository } from "./store/open-data-repository.js";
import type { OpenDataTables } from "./store/open-data-schema.js";

export interface OpenDataSettings {
  readonly dataDir: string;
  /** Config OPEN_DATA_ARCHIVE_DAYS. */
  readonly archiveDays: number;
  readonly licence: OpenDataLicence;
  readonly publisher: string;
  readonly publicBaseUrl?: string;
  readonly aqiStandard: AqiStandard;
  /** Requests per minute per client address on every open-data route (config OPEN_DATA_RATE_LIMIT). */
  readonly ratePerMinute: number;
}

export interface OpenData {
  /** Routes outside /api/v1: /sta/v1.1, /sta/v1.0, /open-data/… */
  readonly routes: FastifyPluginAsync;
  /** Routes under /api/v1: the public CSV, the per-station publication setting. */
  readonly api: FastifyPluginAsync;
  readonly archive: DailyArchive;
}

/** The index series published as Datastreams, per station kind. */
export function publishedIndices(standard: AqiStandard): IndexSeries[] {
  const aqi = standard === "vn" ? "VN_AQI" : "US AQI";
  const aqiUnit = { name: "AQI", symbol: "AQI", definition: "" };
  return [
    {
      series: aqiSeriesKey(standard, "hour"),
      kinds: ["air"],
      name: { vi: `${aqi} giờ`, en: `Hourly ${aqi}` },
      unit: aqiUnit,
      periodMs: HOUR_MS,
    },
    {
      series: aqiSeriesKey(standard, "day"),
      kinds: ["air"],
      name: { vi: `${aqi} ngày`, en: `Daily ${aqi}` },
      unit: aqiUnit,
      periodMs: DAY_MS,
    },
    {
      series: WQI_SERIES_KEY,
      kinds: ["water_quality"],
      name: { vi: "VN_WQI giờ", en: "Hourly VN_WQI" },
      unit: { name: "WQI", symbol: "WQI", definition: "" },
      periodMs: HOUR_MS,
    },
  ];
}

export function createOpenData(
  settings: OpenDataSettings,
  deps: {
    readonly metadata: Kysely<OpenDataTables>;
    readonly registry: DeviceRegistry;
    readonly store: TimeSeriesStore;
    readonly audit: AuditRecorder;
    readonly clock: Clock;
    readonly logger: Logger;
  },
): OpenData {
  const repository = createOpenDataRepository(deps.metadata, deps.clock);
  const indices = publishedIndices(settings.aqiStandard).map((i) => ({
    ...i,
    unit: { ...i.unit, definition: `${DICTIONARY_PATH}#${encodeURIComponent(i.series)}` },
  }));
  const source = createCatalogueSource({
    registry: deps.registry,
    repository,
    indices,
    dictionaryUrl: DICTIONARY_PATH,
    now: () => deps.clock.now(),
  });
  const catalogue = () => source.current();
  const sta = createStaService({ catalogue, store: deps.store, now: () => deps.clock.now() });
  const archive = createDailyArchive(
    { dir: join(settings.dataDir, "open-data", "archives"), retentionDays: settings.archiveDays },
    { catalogue, store: deps.store, now: () => deps.clock.now(), logger: deps.logger },
  );
  const publicBase = settings.publicBaseUrl ? { publicBaseUrl: settings.publicBaseUrl } : {};
  const rateLimit = { max: settings.ratePerMinute, timeWindow: MINUTE_MS };
  return {
    archive,
    routes: async (app) => {
      await app.register(staRoutes, { sta, dictionaryPath: DICTIONARY_PATH, rateLimit, ...publicBase });
      await app.register(catalogueRoutes, {
        archive,
        catalogue,
        indices,
        licence: settings.licence,
        publisher: settings.publisher,
        retentionDays: settings.archiveDays,
        rateLimit,
        ...publicBase,
      });
    },
    api: async (app) => {
      await app.register(readingsCsvRoutes, { catalogue, store: deps.store, clock: deps.clock, rateLimit });
      await app.register(publicationRoutes, {
        repository,
        devices: deps.registry,
        audit: deps.audit,
        changed: () => source.invalidate(),
      });
    },
  };
}
