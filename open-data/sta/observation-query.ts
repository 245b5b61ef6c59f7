/**
 * Observations collections, answered from the store's time index: the filter's time range, result
 * bounds and Datastream ids go to the store as query values (never as text); what the bounds do not
 * express is checked in memory over a bounded number of rows, and a query that would need more is
 * refused with advice rather than scanning a year of data.
 */
import type { TimeSeriesStore } from "../../readings/index.js";
import { compareByTerms, type EvaluationContext, matches } from "../model/filter-evaluation.js";
import { type ObservationBounds, observationBounds } from "../model/observation-bounds.js";
import type { Expression, OrderTerm } from "../model/odata-expression.js";
import { type DatastreamRecord, observedValue, type StaCatalogue } from "../model/sta-model.js";
import { type EntityRecord, type ObservationRecord, type Presentation, pathReader } from "./sta-entities.js";

export type ObservationStore = Pick<TimeSeriesStore, "observations" | "countObservations">;

export interface ObservationRequest {
  readonly filter?: Expression;
  readonly orderBy: readonly OrderTerm[];
  readonly skip: number;
  readonly top: number;
  readonly count: boolean;
}

export interface ObservationPage {
  readonly items: ObservationRecord[];
  readonly count?: number;
  /** More entities follow this page. */
  readonly more: boolean;
}

/** A query the service will not run as asked; the message says how to narrow it. */
export class QueryTooBroadError extends Error {
  override readonly name = "QueryTooBroadError";
}

/** Rows read from the store for one query when part of it is checked in memory. */
export const MAX_SCANNED_ROWS = 100_000;
/** Rows read to merge several Datastreams in time order ((skip + top) per Datastream). */
export const MAX_MERGED_ROWS = 200_000;
const SCAN_BATCH = 5_000;

type OrderMode = { kind: "id" | "time"; direction: "asc" | "desc" } | { kind: "memory" };

function orderMode(terms: readonly OrderTerm[]): OrderMode {
  if (terms.length === 0) return { kind: "id", direction: "asc" };
  const [term] = terms;
  if (terms.length === 1 && term && term.expression.kind === "path" && term.expression.path.length === 1) {
    const name = term.expression.path[0];
    if (name === "phenomenonTime" || name === "resultTime")
      return { kind: "time", direction: term.direction };
    if (name === "id" || name === "@iot.id") return { kind: "id", direction: term.direction };
  }
  return { kind: "memory" };
}

export async function queryObservations(
  store: ObservationStore,
  datastreams: readonly DatastreamRecord[],
  request: ObservationRequest,
  context: { readonly catalogue: StaCatalogue; readonly presentation: Presentation; readonly now: number },
): Promise<ObservationPage> {
  const bounds = observationBounds(request.filter);
  const chosen = datastreams
    .filter((d) => !bounds.datastreamIds || bounds.datastreamIds.has(d.id))
    .sort((a, b) => a.id - b.id);
  const mode = orderMode(request.orderBy);
  // A flood-level result is computed from the water level: bounds on it cannot go to the store.
  const derivedResultBounds = (bounds.min || bounds.max) && chosen.some((d) => d.flood);
  if (bounds.residual || mode.kind === "memory" || derivedResultBounds)
    return scanned(store, chosen, bounds, request, context);
  const range = (d: DatastreamRecord) => ({
    deviceId: d.station.deviceId,
    metric: d.series,
    from: bounds.from,
    to: bounds.to,
    ...(bounds.min ? { min: bounds.min } : {}),
    ...(bounds.max ? { max: bounds.max } : {}),
  });
  const total = request.count
    ? (await Promise.all(chosen.map((d) => store.countObservations(range(d))))).reduce((a, b) => a + b, 0)
    : undefined;
  const withCount = (page: { items: ObservationRecord[]; more: boolean }): ObservationPage =>
    total === undefined ? page : { ...page, count: total };

  if (mode.kind === "id" || chosen.length <= 1) {
    // Datastream after Datastream (ids are datastream-major), each from its time index.
    const ordered = mode.direction === "desc" ? [...chosen].reverse() : chosen;
    let skip = request.skip;
    const items: ObservationRecord[] = [];
    for (const d of ordered) {
      if (items.length > request.top) break;
      if (skip > 0 && ordered.length > 1) {
        const n = await store.countObservations(range(d));
        if (n <= skip) {
          skip -= n;
          continue;
        }
      }
      const points = await store.observations({
        ...range(d),
        order: mode.direction,
        offset: skip,
        limit: request.top + 1 - items.length,
      });
      skip = 0;
      for (const p of points) items.push({ datastream: d, ts: p.ts, value: observedValue(d, p.value) });
    }
    return withCount({ items: items.slice(0, request.top), more: items.length > request.top });
  }

  // Several Datastreams in time order: the first skip + top of each, merged.
  const perSeries = request.skip + request.top + 1;
  if (perSeries * chosen.length > MAX_MERGED_ROWS) {
    throw new QueryTooBroadError(
      `ordering ${chosen.length} Datastreams by time this deep is not offered: filter on Datastream/id, ` +
        "a phenomenonTime range, or read each Datastream's Observations",
    );
  }
  const lists = await Promise.all(
    chosen.map(async (d) =>
      (await store.observations({ ...range(d), order: mode.direction, offset: 0, limit: perSeries })).map(
        (p): ObservationRecord => ({ datastream: d, ts: p.ts, value: observedValue(d, p.value) }),
      ),
    ),
  );
  const sign = mode.direction === "desc" ? -1 : 1;
  const merged = lists.flat().sort((a, b) => sign * (a.ts - b.ts) || a.datastream.id - b.datastream.id);
  const page = merged.slice(request.skip, request.skip + request.top);
  return withCount({ items: page, more: merged.length > request.skip + request.top });
}

/** Part of the filter or the order is checked in memory: read the bounded rows, then filter and sort. */
async function scanned(
  store: ObservationStore,
  datastreams: readonly DatastreamRecord[],
  bounds: ObservationBounds,
  request: ObservationRequest,
  context: { readonly catalogue: StaCatalogue; readonly presentation: Presentation; readonly now: number },
): Promise<ObservationPage> {
  const evaluation = (item: ObservationRecord): EvaluationContext => {
    const record: EntityRecord = { set: "Observations", item };
    return { read: pathReader(record, context.catalogue, context.presentation), now: context.now };
  };
  const kept: ObservationRecord[] = [];
  let scannedRows = 0;
  for (const d of datastreams) {
    for (let offset = 0; ; offset += SCAN_BATCH) {
      const points = await store.observations({
        deviceId: d.station.deviceId,
        metric: d.series,
        from: bounds.from,
        to: bounds.to,
        ...(bounds.min && !d.flood ? { min: bounds.min } : {}),
        ...(bounds.max && !d.flood ? { max: bounds.max } : {}),
        order: "asc",
        offset,
        limit: SCAN_BATCH,
      });
      scannedRows += points.length;
      if (scannedRows > MAX_SCANNED_ROWS) {
        throw new QueryTooBroadError(
          `this $filter or $orderby would read more than ${MAX_SCANNED_ROWS} observations: ` +
            "add a phenomenonTime range, a result bound or Datastream/id eq …",
        );
      }
      for (const p of points) {
        const item = { datastream: d, ts: p.ts, value: observedValue(d, p.value) };
        if (matches(request.filter, evaluation(item))) kept.push(item);
      }
      if (points.length < SCAN_BATCH) break;
    }
  }
  if (request.orderBy.length > 0) {
    const contexts = new Map(kept.map((item) => [item, evaluation(item)]));
    kept.sort(
      (a, b) =>
        compareByTerms(
          request.orderBy,
          contexts.get(a) as EvaluationContext,
          contexts.get(b) as EvaluationContext,
        ) ||
        a.datastream.id - b.datastream.id ||
        a.ts - b.ts,
    );
  }
  const page = kept.slice(request.skip, request.skip + request.top);
  return {
    items: page,
    more: kept.length > request.skip + request.top,
    ...(request.count ? { count: kept.length } : {}),
  };
}
