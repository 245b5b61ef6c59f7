/**
 * Facilities that report by file, their stations, the mapping of their parameter symbols to the
 * catalogue, and their permitted limits (from each facility's environmental permit). The
 * department keeps them in one JSON file (INDUSTRIAL_FACILITIES_FILE); this schema is its contract.
 * Pure zod.
 */
import { z } from "zod";
import { METRIC_KEYS, type MetricKey } from "../../kernel/catalogue.js";
import { DAY_MS } from "../../kernel/time.js";
import { DEVICE_ID_PATTERN } from "../../kernel/topics.js";

export const FILE_STATION_KINDS = ["wastewater", "stack_emission"] as const;
export type FileStationKind = (typeof FILE_STATION_KINDS)[number];

/** The datalogger's interval the circular asks for: at least one file every 5 minutes. */
export const DEFAULT_FILE_INTERVAL_MINUTES = 5;

const metricKey = z.enum(METRIC_KEYS as [MetricKey, ...MetricKey[]], {
  error: "metric must be a key of the catalogue (GET /api/v1/catalogue)",
});
/** A file name's codes: letters, digits and '-'. */
const code = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .regex(/^[A-Za-z0-9-]{1,40}$/, `${what}: letters, digits or '-', at most 40`);
const isoDate = (what: string) =>
  z
    .string({ error: `${what} must be a date yyyy-MM-dd` })
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${what} must be a date yyyy-MM-dd`)
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00+07:00`)), `${what} is not a real date`);

export const parameterMappingSchema = z.strictObject({
  metric: metricKey,
  /**
   * Units the station writes for this parameter, with the factor to the catalogue's unit. The
   * catalogue's unit (however spelled) and an empty unit are always taken with factor 1.
   */
  units: z.record(z.string().max(20), z.number().positive("a unit factor must be positive")).optional(),
});
export type ParameterMapping = z.infer<typeof parameterMappingSchema>;

export const permitLimitSchema = z
  .strictObject({
    metric: metricKey,
    /** Exceeded when a measured value is strictly above `max` (or strictly below `min`, for pH). */
    max: z.number().finite().optional(),
    min: z.number().finite().optional(),
    /** The environmental permit it comes from, e.g. "1234/GP-UBND". */
    permit: z.string().min(1).max(100),
    /** Vietnam dates, inclusive; without `validTo` the permit has no end. */
    validFrom: isoDate("validFrom"),
    validTo: isoDate("validTo").optional(),
  })
  .refine((l) => l.max !== undefined || l.min !== undefined, "a limit needs max, min or both")
  .refine((l) => l.validTo === undefined || l.validTo >= l.validFrom, "validTo is before validFrom");
export type PermitLimit = z.infer<typeof permitLimitSchema>;

export const fileStationSchema = z.strictObject({
  /** The station's code in file names (`<Province>_<Facility>_<Station>_…`) and upload folders. */
  code: code("station code"),
  /** The registered device its readings are stored under. */
  deviceId: z.string().regex(DEVICE_ID_PATTERN, "deviceId: letters, digits, '-' or '_', at most 64"),
  name: z.string().min(1).max(200),
  kind: z.enum(FILE_STATION_KINDS, { error: "kind is wastewater or stack_emission" }),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  /** Symbol → catalogue metric, on top of the defaults for the station's kind (symbols ignore case). */
  parameters: z.record(z.string().min(1).max(40), parameterMappingSchema).default({}),
  limits: z.array(permitLimitSchema).default([]),
  intervalMinutes: z.number().int().min(1).max(60).default(DEFAULT_FILE_INTERVAL_MINUTES),
  /** A gap alert opens after this long without a file (default: 3 intervals). */
  gapMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
});
export type FileStation = z.infer<typeof fileStationSchema>;

export const facilitySchema = z.strictObject({
  /** The facility's code in file names. */
  code: code("facility code"),
  name: z.string().min(1).max(200),
  /** Mã số thuế: 10 digits, or 10 + '-' + 3 for a branch. */
  taxCode: z.string().regex(/^\d{10}(-\d{3})?$/, "taxCode: 10 digits, or 10-3 for a branch"),
  industrialZone: z.string().min(1).max(200).optional(),
  /**
   * The FTP account the facility uploads with, chrooted to `inbox/<ftpAccount>/`: when set, its
   * files are taken only from that folder, so one facility cannot send data in another's name.
   */
  ftpAccount: code("ftpAccount").optional(),
  /** Commune or ward code and name, as for every station. */
  area: z.string().min(1).max(64),
  areaName: z.string().min(1).max(200),
  stations: z.array(fileStationSchema).min(1, "a facility has at least one station"),
});
export type Facility = z.infer<typeof facilitySchema>;

export const facilitiesFileSchema = z
  .strictObject({
    /** The province code in file names, e.g. "TNI". */
    province: code("province"),
    facilities: z.array(facilitySchema),
  })
  .superRefine((file, ctx) => {
    const devices = new Set<string>();
    const facilities = new Set<string>();
    for (const facility of file.facilities) {
      const key = facility.code.toLowerCase();
      if (facilities.has(key))
        ctx.addIssue({ code: "custom", message: `facility ${facility.code} is listed twice` });
      facilities.add(key);
      const codes = new Set<string>();
      for (const station of facility.stations) {
        if (codes.has(station.code.toLowerCase()))
          ctx.addIssue({
            code: "custom",
            message: `station ${facility.code}/${station.code} is listed twice`,
          });
        codes.add(station.code.toLowerCase());
        if (devices.has(station.deviceId))
          ctx.addIssue({ code: "custom", message: `deviceId ${station.deviceId} is used by two stations` });
        devices.add(station.deviceId);
      }
    }
  });
export type FacilitiesFile = z.infer<typeof facilitiesFileSchema>;

export interface ResolvedStation {
  readonly facility: Facility;
  readonly station: FileStation;
}

/**
 * The station a file belongs to: by facility and station code (current names), or by facility
 * alone with the upload folder's first part as the station (older names); a facility with one
 * station needs no folder. Codes ignore case.
 */
export function findStation(
  file: FacilitiesFile,
  facilityCode: string,
  stationCode: string | null,
  folder: string | null,
): ResolvedStation | undefined {
  const facility = file.facilities.find((f) => f.code.toLowerCase() === facilityCode.toLowerCase());
  if (!facility) return undefined;
  const wanted = stationCode ?? folder;
  const station =
    wanted === null
      ? undefined
      : facility.stations.find((s) => s.code.toLowerCase() === wanted.toLowerCase());
  if (station) return { facility, station };
  if (stationCode === null && facility.stations.length === 1) {
    return { facility, station: facility.stations[0] as FileStation };
  }
  return undefined;
}

/** Vietnam midnight of a yyyy-MM-dd date, epoch ms. */
export const vietnamDayStart = (date: string): number => Date.parse(`${date}T00:00:00+07:00`);

/** The limits of a station in force at `at` (one per metric: the latest validFrom wins). */
export function limitsInForce(station: FileStation, at: number): PermitLimit[] {
  const byMetric = new Map<string, PermitLimit>();
  for (const limit of station.limits) {
    const from = vietnamDayStart(limit.validFrom);
    const to =
      limit.validTo === undefined ? Number.POSITIVE_INFINITY : vietnamDayStart(limit.validTo) + DAY_MS;
    if (at < from || at >= to) continue;
    const before = byMetric.get(limit.metric);
    if (!before || before.validFrom <= limit.validFrom) byMetric.set(limit.metric, limit);
  }
  return [...byMetric.values()];
}

export const gapMinutesOf = (station: FileStation): number =>
  station.gapMinutes ?? 3 * station.intervalMinutes;
