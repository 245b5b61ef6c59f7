/**
 * The industrial feature as the service runs it: the facilities file, the stations it registers,
 * the permit rules it keeps in the alert engine, and the inbox intake.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { AlertRulesRepository } from "../alerts/index.js";
import type { DeviceProfile, DeviceRegistry } from "../devices/index.js";
import type { MetricKey } from "../kernel/catalogue.js";
import type { Clock } from "../kernel/clock.js";
import { DEMO_FACILITIES } from "./demo-facility.js";
import { createInboxIntake, type InboxIntake, type ReadingEntry } from "./intake/inbox-intake.js";
import { createXferlogCompletions } from "./intake/xferlog-completions.js";
import { type FacilitiesFile, facilitiesFileSchema } from "./model/facilities.js";
import { DEFAULT_SYMBOLS } from "./model/station-parameters.js";
import { syncPermitRules } from "./permit-rule-sync.js";
import type { IndustrialTables } from "./store/industrial-schema.js";
import { createStationFileRepository, type StationFileRepository } from "./store/station-file-repository.js";

const RULE_SYNC_INTERVAL_MS = 3600_000;

export class FacilitiesFileError extends Error {
  override readonly name = "FacilitiesFileError";
}

/** Reads and checks the facilities file; the error names the file and each problem. */
export async function loadFacilitiesFile(file: string): Promise<FacilitiesFile> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new FacilitiesFileError(`${file}: not a readable JSON file (${(error as Error).message})`);
  }
  const parsed = facilitiesFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`);
    throw new FacilitiesFileError(`${file}: ${problems.join("; ")}`);
  }
  return parsed.data;
}

export interface FileStationsStore {
  readonly facilities: FacilitiesFile;
  readonly repository: StationFileRepository;
}

/** The facilities (the file given, else the demo facility with DEMO, else none) and their records. */
export async function openFileStationsStore(
  settings: { readonly facilitiesFile: string | undefined; readonly demo: boolean },
  database: Kysely<IndustrialTables>,
): Promise<FileStationsStore | undefined> {
  const facilities = settings.facilitiesFile
    ? await loadFacilitiesFile(settings.facilitiesFile)
    : settings.demo
      ? facilitiesFileSchema.parse(DEMO_FACILITIES)
      : undefined;
  return facilities ? { facilities, repository: createStationFileRepository(database) } : undefined;
}

/** Registry profiles of the file stations: every metric their symbols can map to is allowed. */
export function fileStationProfiles(facilities: FacilitiesFile): DeviceProfile[] {
  return facilities.facilities.flatMap((facility) =>
    facility.stations.map((station) => {
      const metrics = new Set<MetricKey>(Object.values(DEFAULT_SYMBOLS[station.kind]));
      for (const mapping of Object.values(station.parameters)) metrics.add(mapping.metric);
      return {
        id: station.deviceId,
        name: station.name,
        kind: station.kind,
        area: facility.area,
        areaName: facility.areaName,
        lat: station.lat,
        lon: station.lon,
        metrics: [...metrics],
      };
    }),
  );
}

export interface FileStationsOptions {
  /** The FTP server's transfer log (xferlog format), whose lines say an upload is complete. */
  readonly xferlog?: string | undefined;
  readonly inboxDir: string;
  readonly archiveDir: string;
  readonly settleMs: number;
  readonly scanIntervalMs: number;
}

export interface FileStationsDeps {
  readonly store: FileStationsStore;
  readonly registry: DeviceRegistry;
  readonly rules: AlertRulesRepository;
  /** Stores readings through the ingest; resolves once durable. */
  readonly submit: (deviceId: string, entries: readonly ReadingEntry[]) => Promise<void>;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface FileStations {
  readonly intake: InboxIntake;
  stop(): Promise<void>;
}

/** Registers the stations, brings the permit rules up to date (and again every hour), opens the inbox. */
export async function startFileStations(
  options: FileStationsOptions,
  deps: FileStationsDeps,
): Promise<FileStations> {
  const { store, clock, logger } = deps;
  await deps.registry.register(fileStationProfiles(store.facilities));
  const sync = () => syncPermitRules(deps.rules, store.facilities, clock.now(), logger);
  await sync();
  const ruleTimer = setInterval(() => {
    sync().catch((error: unknown) => logger.error({ err: error }, "permit alert rules not synchronised"));
  }, RULE_SYNC_INTERVAL_MS);
  ruleTimer.unref();
  const intake = createInboxIntake(options, {
    facilities: store.facilities,
    repository: store.repository,
    submit: deps.submit,
    clock,
    logger,
    ...(options.xferlog ? { completions: createXferlogCompletions(options.xferlog) } : {}),
  });
  await intake.start();
  logger.info({ inbox: path.resolve(options.inboxDir) }, "station-file inbox open");
  return {
    intake,
    async stop() {
      clearInterval(ruleTimer);
      await intake.stop();
    },
  };
}

/** The intake's settings from the service configuration. */
export function fileStationsOptionsFrom(config: {
  readonly DATA_DIR: string;
  readonly INDUSTRIAL_INBOX_DIR?: string | undefined;
  readonly INDUSTRIAL_SETTLE_MS: number;
  readonly INDUSTRIAL_SCAN_INTERVAL_MS: number;
  readonly INDUSTRIAL_FTP_XFERLOG?: string | undefined;
}): FileStationsOptions {
  return {
    xferlog: config.INDUSTRIAL_FTP_XFERLOG,
    inboxDir: config.INDUSTRIAL_INBOX_DIR ?? path.join(config.DATA_DIR, "industrial", "inbox"),
    archiveDir: path.join(config.DATA_DIR, "industrial", "archive"),
    settleMs: config.INDUSTRIAL_SETTLE_MS,
    scanIntervalMs: config.INDUSTRIAL_SCAN_INTERVAL_MS,
  };
}
