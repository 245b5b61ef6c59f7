import type { Agency } from "./agency.js";
import type { HazardType } from "./hazard.js";
import type { RiskLevel } from "./risk-level.js";
import type { WarningContent } from "./warning.js";

/**
 * Pure helpers that fill a draft for the people who write it: from an active sensor alert, and
 * the communes a drawn polygon covers.
 */

/** What a draft takes from a sensor alert (the alerts feature's AlertDetail has it). */
export interface AlertForDraft {
  readonly id: number;
  readonly metric: string;
  readonly severity: "minor" | "major" | "critical";
  readonly area: string | null;
  readonly deviceId: string;
  readonly message: { readonly vi: string; readonly en: string };
}

const AIR = new Set(["pm25", "pm10", "o3", "no2", "so2", "co", "aqi"]);
const WATER_QUALITY = new Set([
  "ph",
  "do",
  "turbidity",
  "conductivity",
  "cod",
  "bod5",
  "nh4",
  "no3",
  "po4",
  "coliform",
]);

/** The hazard a sensor alert points to; undefined when no hazard fits the metric. */
export function hazardOfMetric(metric: string): HazardType | undefined {
  if (AIR.has(metric)) return "air_pollution";
  if (WATER_QUALITY.has(metric)) return "water_pollution";
  if (metric === "water_level" || metric === "flood_level") return "flood";
  if (metric === "rainfall") return "heavy_rain";
  if (metric === "temperature") return "heat";
  return undefined;
}

/** A starting level only: the issuer sets the level the decision's criteria give. */
const LEVEL_OF_SEVERITY: Readonly<Record<AlertForDraft["severity"], RiskLevel>> = {
  minor: 1,
  major: 2,
  critical: 3,
};

export const DRAFT_VALIDITY_MS = 6 * 60 * 60 * 1000;

/**
 * A draft's content from an active sensor alert: its hazard (the agency's first hazard when the
 * alert's does not fall within its remit), a starting level from the severity, the alert's
 * commune when the agency covers it, its message as the headline, and a reference to it.
 */
export function contentFromAlert(alert: AlertForDraft, agency: Agency, now: number): WarningContent {
  const mapped = hazardOfMetric(alert.metric);
  const hazard = mapped && agency.hazards.includes(mapped) ? mapped : (agency.hazards[0] ?? "flood");
  const communes = alert.area !== null && agency.communes.includes(alert.area) ? [alert.area] : [];
  const headline = alert.message.vi.slice(0, 160) || `Cảnh báo từ trạm ${alert.deviceId}`;
  return {
    hazard,
    baseLevel: LEVEL_OF_SEVERITY[alert.severity],
    concurrentRaise: 0,
    communes,
    headline: { vi: headline, en: alert.message.en ? alert.message.en.slice(0, 160) : null },
    description: {
      vi: `Theo cảnh báo số ${alert.id} của trạm quan trắc ${alert.deviceId}: ${alert.message.vi}`,
      en: alert.message.en
        ? `From alert ${alert.id} of station ${alert.deviceId}: ${alert.message.en}`
        : null,
    },
    instruction: { vi: "", en: null },
    onset: now,
    expires: now + DRAFT_VALIDITY_MS,
    references: [{ kind: "alert", alertId: alert.id }],
  };
}

export interface CommunePoint {
  readonly code: string;
  /** Where the commune is represented: the centroid of its stations. */
  readonly lat: number;
  readonly lon: number;
}

/** Ray casting on [lon, lat] vertices: whether the point lies inside the polygon. */
export function pointInPolygon(
  lon: number,
  lat: number,
  polygon: readonly (readonly [number, number])[],
): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i] as readonly [number, number];
    const [xj, yj] = polygon[j] as readonly [number, number];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The communes whose centroid lies inside the drawn polygon, sorted. */
export function communesInPolygon(
  polygon: readonly (readonly [number, number])[],
  communes: readonly CommunePoint[],
): string[] {
  return communes
    .filter((c) => pointInPolygon(c.lon, c.lat, polygon))
    .map((c) => c.code)
    .sort();
}

/** Each commune's centroid: the mean position of its stations that have one. */
export function communeCentroids(
  stations: readonly {
    readonly area: string | null;
    readonly lat: number | null;
    readonly lon: number | null;
  }[],
): CommunePoint[] {
  const sums = new Map<string, { lat: number; lon: number; n: number }>();
  for (const s of stations) {
    if (s.area === null || s.lat === null || s.lon === null) continue;
    const sum = sums.get(s.area) ?? { lat: 0, lon: 0, n: 0 };
    sums.set(s.area, { lat: sum.lat + s.lat, lon: sum.lon + s.lon, n: sum.n + 1 });
  }
  return [...sums].map(([code, sum]) => ({ code, lat: sum.lat / sum.n, lon: sum.lon / sum.n }));
}

/** Each commune's name and centroid, from the stations (the CAP areas of a warning). */
export function communeDirectory(
  stations: readonly {
    readonly area: string | null;
    readonly areaName: string | null;
    readonly lat: number | null;
    readonly lon: number | null;
  }[],
): Map<string, { code: string; name: string; lat: number | null; lon: number | null }> {
  const centroids = new Map(communeCentroids(stations).map((c) => [c.code, c]));
  const directory = new Map<string, { code: string; name: string; lat: number | null; lon: number | null }>();
  for (const s of stations) {
    if (s.area === null || directory.has(s.area)) continue;
    const centroid = centroids.get(s.area);
    directory.set(s.area, {
      code: s.area,
      name: s.areaName ?? s.area,
      lat: centroid?.lat ?? null,
      lon: centroid?.lon ?? null,
    });
  }
  return directory;
}

/** Each commune's name by its code, from the stations (for e-mails and screens). */
export const communeNamesOf = (stations: Parameters<typeof communeDirectory>[0]): Map<string, string> =>
  new Map([...communeDirectory(stations)].map(([code, commune]) => [code, commune.name]));
