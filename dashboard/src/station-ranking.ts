import type { DeviceStatus } from "./contract.js";

/**
 * "Where is it bad now": one severity scale for every kind of station, the orders the station list
 * offers, its filters, and which stations belong on the attention strip. Pure: the views pass in
 * what they know of each station.
 */

export interface StationSituation {
  readonly id: string;
  readonly name: string;
  readonly kind: string | null;
  readonly area: string | null;
  readonly areaName: string | null;
  readonly status: DeviceStatus;
  /** Newest hourly AQI and its category key (VN_AQI or US AQI keys). */
  readonly aqi: { readonly value: number; readonly category: string } | null;
  /** Newest hourly WQI and its category key. */
  readonly wqi: { readonly value: number; readonly category: string } | null;
  /** Flood alarm level 0–3 of a water-level station with thresholds. */
  readonly floodLevel: number | null;
}

/** Severity 0 (fine) … 5 (worst): the AQI's six categories, the WQI's, flood levels I–III as 3–5. */
const AQI_SEVERITY: Readonly<Record<string, number>> = {
  good: 0,
  moderate: 1,
  poor: 2,
  unhealthy_for_sensitive_groups: 2,
  bad: 3,
  unhealthy: 3,
  very_bad: 4,
  very_unhealthy: 4,
  hazardous: 5,
};
const WQI_SEVERITY: Readonly<Record<string, number>> = {
  very_good: 0,
  good: 0,
  moderate: 1,
  poor: 2,
  bad: 3,
  heavily_polluted: 4,
};
const FLOOD_SEVERITY = [0, 3, 4, 5] as const;

/** The attention strip: flood alarm level I or more, AQI in its two worst categories, WQI in its two worst. */
const ATTENTION_AQI = new Set(["very_bad", "hazardous", "very_unhealthy"]);
const ATTENTION_WQI = new Set(["bad", "heavily_polluted"]);

export function severityOf(station: StationSituation): number {
  return Math.max(
    station.aqi === null ? 0 : (AQI_SEVERITY[station.aqi.category] ?? 0),
    station.wqi === null ? 0 : (WQI_SEVERITY[station.wqi.category] ?? 0),
    station.floodLevel === null ? 0 : (FLOOD_SEVERITY[station.floodLevel] ?? 0),
  );
}

export function needsAttention(station: StationSituation): boolean {
  return (
    (station.floodLevel ?? 0) >= 1 ||
    (station.aqi !== null && ATTENTION_AQI.has(station.aqi.category)) ||
    (station.wqi !== null && ATTENTION_WQI.has(station.wqi.category))
  );
}

export const SORT_KEYS = ["worst", "aqi", "wqi", "flood", "name", "kind", "area", "status"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface StationFilter {
  readonly kind?: string | undefined;
  readonly area?: string | undefined;
  readonly status?: DeviceStatus | undefined;
  /** Part of the name, id or commune, any case. */
  readonly text?: string | undefined;
}

const STATUS_ORDER: Readonly<Record<DeviceStatus, number>> = { offline: 0, unknown: 1, online: 2 };

/** Stations without the value sorted on go last whatever the direction. */
const descendingOrLast = (a: number | null, b: number | null): number =>
  a === null ? (b === null ? 0 : 1) : b === null ? -1 : b - a;

export function matchesFilter(station: StationSituation, filter: StationFilter): boolean {
  if (filter.kind !== undefined && (station.kind ?? "") !== filter.kind) return false;
  if (filter.area !== undefined && (station.area ?? "") !== filter.area) return false;
  if (filter.status !== undefined && station.status !== filter.status) return false;
  const text = filter.text?.trim().toLocaleLowerCase("vi");
  if (text) {
    const haystack = [station.name, station.id, station.areaName ?? ""].join(" ").toLocaleLowerCase("vi");
    if (!haystack.includes(text)) return false;
  }
  return true;
}

/**
 * The stations that pass the filter, in the chosen order. "worst": highest severity first, then
 * the higher AQI, the lower WQI, the higher flood level; "wqi" puts the lowest (worst) WQI first;
 * names break every tie.
 */
export function rankStations<T extends StationSituation>(
  stations: readonly T[],
  sort: SortKey,
  filter: StationFilter,
  language: string,
): T[] {
  const collator = new Intl.Collator(language, { numeric: true });
  const byName = (a: T, b: T) => collator.compare(a.name, b.name) || collator.compare(a.id, b.id);
  const wqiWorstFirst = (s: T) => (s.wqi === null ? null : -s.wqi.value);
  const comparators: Record<SortKey, (a: T, b: T) => number> = {
    worst: (a, b) =>
      severityOf(b) - severityOf(a) ||
      descendingOrLast(a.aqi?.value ?? null, b.aqi?.value ?? null) ||
      descendingOrLast(wqiWorstFirst(a), wqiWorstFirst(b)) ||
      descendingOrLast(a.floodLevel, b.floodLevel),
    aqi: (a, b) => descendingOrLast(a.aqi?.value ?? null, b.aqi?.value ?? null),
    wqi: (a, b) => descendingOrLast(wqiWorstFirst(a), wqiWorstFirst(b)),
    flood: (a, b) => descendingOrLast(a.floodLevel, b.floodLevel),
    name: () => 0,
    kind: (a, b) => collator.compare(a.kind ?? "~", b.kind ?? "~"),
    area: (a, b) => collator.compare(a.areaName ?? "~", b.areaName ?? "~"),
    status: (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status],
  };
  const compare = comparators[sort];
  return stations.filter((s) => matchesFilter(s, filter)).sort((a, b) => compare(a, b) || byName(a, b));
}

/** The attention strip: stations that need attention, worst first. */
export function attentionStations<T extends StationSituation>(stations: readonly T[], language: string): T[] {
  return rankStations(
    stations.filter((s) => needsAttention(s)),
    "worst",
    {},
    language,
  );
}
