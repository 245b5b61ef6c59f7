/**
 * Answers SensorThings requests: resolves the resource path over the catalogue and the store,
 * applies the query options, and builds the JSON with control information and links.
 */
import { compareByTerms, type EvaluationContext, matches } from "../model/filter-evaluation.js";
import type { QueryOptions } from "../model/query-options.js";
import { type ResourcePath, ResourcePathError } from "../model/resource-path.js";
import {
  ENTITY_SETS,
  type EntitySet,
  NAVIGATIONS,
  observedValue,
  parseObservationId,
  type StaCatalogue,
} from "../model/sta-model.js";
import { type ObservationStore, queryObservations } from "./observation-query.js";
import {
  type CollectionSource,
  type EntityRecord,
  entitiesOf,
  idOf,
  type Presentation,
  pathReader,
  propertiesOf,
  relatedMany,
  relatedOne,
  selfLink,
} from "./sta-entities.js";

export type StaAnswer =
  | { readonly kind: "json"; readonly body: unknown }
  | { readonly kind: "text"; readonly body: string };

export interface StaRequest {
  readonly path: ResourcePath;
  readonly options: QueryOptions;
  readonly presentation: Presentation;
  /** The request's query string without the leading '?', for @iot.nextLink. */
  readonly rawQuery: string;
  /** The request path up to the query, absolute (root + resource path). */
  readonly resourceUrl: string;
}

const notFound = (what: string) => new ResourcePathError(`${what} does not exist`, 404);

/** Conformance classes this service implements (SensorThings 1.1 serverSettings). */
export const CONFORMANCE = [
  "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
  "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
  "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
] as const;

export function createStaService(deps: {
  readonly catalogue: () => Promise<StaCatalogue>;
  readonly store: ObservationStore;
  readonly now: () => number;
}) {
  async function findObservation(catalogue: StaCatalogue, id: number): Promise<EntityRecord | undefined> {
    const parsed = parseObservationId(id);
    const datastream = parsed && catalogue.datastreamById.get(parsed.datastreamId);
    if (!parsed || !datastream) return undefined;
    const [point] = await deps.store.observations({
      deviceId: datastream.station.deviceId,
      metric: datastream.series,
      from: parsed.ts,
      to: parsed.ts + 1,
      order: "asc",
      offset: 0,
      limit: 1,
    });
    return point
      ? {
          set: "Observations",
          item: { datastream, ts: point.ts, value: observedValue(datastream, point.value) },
        }
      : undefined;
  }

  async function findInSet(
    catalogue: StaCatalogue,
    set: EntitySet,
    id: number,
  ): Promise<EntityRecord | undefined> {
    if (set === "Observations") return findObservation(catalogue, id);
    return entitiesOf(set, catalogue).find((r) => idOf(r) === id);
  }

  async function memberOf(catalogue: StaCatalogue, source: CollectionSource, id: number) {
    if (source.kind === "entities") return source.items.find((r) => idOf(r) === id);
    const found = await findObservation(catalogue, id);
    return found?.set === "Observations" && source.datastreams.some((d) => d.id === found.item.datastream.id)
      ? found
      : undefined;
  }

  /** Walks the path: an entity, or a collection. */
  async function resolve(
    catalogue: StaCatalogue,
    path: Extract<ResourcePath, { kind: "resource" }>,
  ): Promise<
    | { kind: "entity"; record: EntityRecord }
    | { kind: "collection"; set: EntitySet; source: CollectionSource }
  > {
    const [first, ...rest] = path.segments;
    if (!first) throw notFound("this resource");
    const set = first.name as EntitySet;
    let here:
      | { kind: "entity"; record: EntityRecord }
      | { kind: "collection"; set: EntitySet; source: CollectionSource };
    if (first.id === undefined) {
      here = {
        kind: "collection",
        set,
        source:
          set === "Observations"
            ? { kind: "observations", datastreams: catalogue.datastreams }
            : { kind: "entities", set, items: entitiesOf(set, catalogue) },
      };
    } else {
      const record = await findInSet(catalogue, set, first.id);
      if (!record) throw notFound(`${set}(${first.id})`);
      here = { kind: "entity", record };
    }
    for (const segment of rest) {
      if (here.kind !== "entity")
        throw new ResourcePathError(`${segment.name} must follow one entity, not a collection`, 400);
      const nav = NAVIGATIONS[here.record.set][segment.name];
      if (!nav) throw notFound(`${here.record.set}/${segment.name}`);
      if (!nav.many) {
        if (segment.id !== undefined)
          throw new ResourcePathError(`${segment.name} is one entity: it takes no id`, 400);
        const record = relatedOne(here.record, segment.name, catalogue);
        if (!record) throw notFound(`${segment.name} of ${here.record.set}(${idOf(here.record)})`);
        here = { kind: "entity", record };
        continue;
      }
      const source = relatedMany(here.record, segment.name, catalogue);
      if (!source) throw notFound(`${here.record.set}/${segment.name}`);
      if (segment.id === undefined) {
        here = { kind: "collection", set: nav.target, source };
      } else {
        const record = await memberOf(catalogue, source, segment.id);
        if (!record) throw notFound(`${segment.name}(${segment.id})`);
        here = { kind: "entity", record };
      }
    }
    return here;
  }

  const contextFor =
    (catalogue: StaCatalogue, p: Presentation, now: number) =>
    (record: EntityRecord): EvaluationContext => ({
      read: pathReader(record, catalogue, p),
      now,
    });

  /** One page of a collection: entities, count, whether more follow. */
  async function page(
    catalogue: StaCatalogue,
    source: CollectionSource,
    options: QueryOptions,
    p: Presentation,
    now: number,
  ): Promise<{ items: EntityRecord[]; count?: number; more: boolean }> {
    if (source.kind === "observations") {
      const result = await queryObservations(
        deps.store,
        source.datastreams,
        {
          ...(options.filter ? { filter: options.filter } : {}),
          orderBy: options.orderBy,
          skip: options.skip,
          top: options.top,
          count: options.count,
        },
        { catalogue, presentation: p, now },
      );
      return {
        items: result.items.map((item) => ({ set: "Observations", item })),
        more: result.more,
        ...(result.count === undefined ? {} : { count: result.count }),
      };
    }
    const context = contextFor(catalogue, p, now);
    const kept = source.items.filter((r) => matches(options.filter, context(r)));
    if (options.orderBy.length > 0) {
      const contexts = new Map(kept.map((r) => [r, context(r)]));
      kept.sort(
        (a, b) =>
          compareByTerms(
            options.orderBy,
            contexts.get(a) as EvaluationContext,
            contexts.get(b) as EvaluationContext,
          ) || idOf(a) - idOf(b),
      );
    }
    return {
      items: kept.slice(options.skip, options.skip + options.top),
      more: kept.length > options.skip + options.top,
      ...(options.count ? { count: kept.length } : {}),
    };
  }

  /** The request's own query with $top and $skip moved on a page (other options kept as sent). */
  function nextLink(resourceUrl: string, rawQuery: string, options: QueryOptions): string {
    const kept = rawQuery.split("&").filter((part) => part !== "" && !/^(?:\$|%24)(?:top|skip)=/i.test(part));
    kept.push(`$top=${options.top}`, `$skip=${options.skip + options.top}`);
    return `${resourceUrl}?${kept.join("&")}`;
  }

  /** An expanded collection's own options as a query string, for its nextLink. */
  function expandQuery(options: QueryOptions): string {
    return Object.entries(options.given)
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .join("&");
  }

  /** The JSON of one entity with its links, $select and $expand applied. */
  async function entityJson(
    catalogue: StaCatalogue,
    record: EntityRecord,
    options: Pick<QueryOptions, "select" | "expand">,
    p: Presentation,
    now: number,
  ): Promise<Record<string, unknown>> {
    const self = selfLink(record, p);
    const json: Record<string, unknown> = { "@iot.id": idOf(record), "@iot.selfLink": self };
    for (const [name] of Object.entries(NAVIGATIONS[record.set])) {
      json[`${name}@iot.navigationLink`] = `${self}/${name}`;
    }
    Object.assign(json, propertiesOf(record, p));
    for (const item of options.expand) {
      const nav = NAVIGATIONS[record.set][item.name];
      if (!nav) throw new ResourcePathError(`$expand: ${record.set} has no ${item.name}`, 400);
      if (!nav.many) {
        const related = relatedOne(record, item.name, catalogue);
        json[item.name] = related ? await entityJson(catalogue, related, item.options, p, now) : null;
        continue;
      }
      const source = relatedMany(record, item.name, catalogue);
      if (!source) continue;
      const result = await page(catalogue, source, item.options, p, now);
      json[item.name] = await Promise.all(
        result.items.map((r) => entityJson(catalogue, r, item.options, p, now)),
      );
      if (result.count !== undefined) json[`${item.name}@iot.count`] = result.count;
      if (result.more) {
        json[`${item.name}@iot.nextLink`] = nextLink(
          `${self}/${item.name}`,
          expandQuery(item.options),
          item.options,
        );
      }
    }
    if (!options.select) return json;
    // $select keeps the named properties (and navigation links, and whatever was expanded).
    const selected: Record<string, unknown> = {};
    const expanded = new Set(options.expand.map((e) => e.name));
    for (const [key, value] of Object.entries(json)) {
      const base =
        key === "@iot.id"
          ? "id"
          : key === "@iot.selfLink"
            ? "selfLink"
            : key.replace(/@iot\.navigationLink$/, "");
      if (options.select.includes(base) || expanded.has(key.replace(/@iot\.(count|nextLink)$/, "")))
        selected[key] = value;
    }
    return selected;
  }

  function rawValue(value: unknown): string {
    if (value === null || value === undefined) return "null";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  return {
    root(p: Presentation) {
      return {
        value: ENTITY_SETS.map((name) => ({ name, url: `${p.root}/${name}` })),
        ...(p.version === "v1.1" ? { serverSettings: { conformance: [...CONFORMANCE] } } : {}),
      };
    },

    async answer(request: StaRequest): Promise<StaAnswer> {
      const { path, options, presentation: p } = request;
      if (path.kind === "root") return { kind: "json", body: this.root(p) };
      const catalogue = await deps.catalogue();
      const now = deps.now();
      const here = await resolve(catalogue, path);
      if (here.kind === "entity") {
        if (path.ref) return { kind: "json", body: { "@iot.selfLink": selfLink(here.record, p) } };
        if (path.property) {
          const properties: Record<string, unknown> = {
            "@iot.id": idOf(here.record),
            ...propertiesOf(here.record, p),
          };
          const name = path.property.name === "id" ? "@iot.id" : path.property.name;
          if (!Object.hasOwn(properties, name)) throw notFound(`${here.record.set}/${path.property.name}`);
          const value = properties[name];
          if (path.property.raw) return { kind: "text", body: rawValue(value) };
          return { kind: "json", body: { [path.property.name]: value } };
        }
        return { kind: "json", body: await entityJson(catalogue, here.record, options, p, now) };
      }
      if (path.property)
        throw new ResourcePathError(`${path.property.name}: a collection has no properties`, 400);
      const result = await page(catalogue, here.source, options, p, now);
      const body: Record<string, unknown> = {};
      if (result.count !== undefined) body["@iot.count"] = result.count;
      if (result.more) body["@iot.nextLink"] = nextLink(request.resourceUrl, request.rawQuery, options);
      body.value = path.ref
        ? result.items.map((r) => ({ "@iot.selfLink": selfLink(r, p) }))
        : await Promise.all(result.items.map((r) => entityJson(catalogue, r, options, p, now)));
      return { kind: "json", body };
    },
  };
}

export type StaService = ReturnType<typeof createStaService>;
