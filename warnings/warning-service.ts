import type { Clock } from "../kernel/clock.js";
import { createListenerSet, type ListenerErrorHandler } from "../platform/listeners.js";
import type { Agency } from "./model/agency.js";
import {
  type AlertForDraft,
  type CommunePoint,
  communesInPolygon,
  contentFromAlert,
} from "./model/prefill.js";
import { contentOf, type Warning, type WarningContent, type WarningContentBody } from "./model/warning.js";
import {
  decideCancel,
  decideDraft,
  decideEdit,
  decideExpiry,
  decidePublish,
  decideUpdate,
  type WarningDecision,
  type WarningEvent,
} from "./model/warning-lifecycle.js";
import type { AgencyRepository } from "./store/agency-repository.js";
import type { EventFilter, WarningFilter, WarningRepository } from "./store/warning-repository.js";

/**
 * Warnings as the rest of the service uses them: each step is decided by the pure lifecycle,
 * stored with its event in one transaction, and only then told to listeners, in event-id order,
 * so a client replaying from the last id it saw and then listening misses nothing.
 */

export type WarningResult =
  | { readonly ok: true; readonly warning: Warning; readonly event: WarningEvent }
  | {
      readonly ok: false;
      readonly reason: "not_found" | "forbidden" | "conflict" | "bad_request";
      readonly message: string;
    };

export interface WarningService {
  draft(agencyId: number, body: WarningContentBody, username: string): Promise<WarningResult>;
  /** A draft prefilled from an active sensor alert, for the agency's issuer to complete. */
  draftFromAlert(alertId: number, agencyId: number, username: string): Promise<WarningResult>;
  edit(id: number, body: WarningContentBody, username: string): Promise<WarningResult>;
  publish(id: number, username: string): Promise<WarningResult>;
  update(id: number, body: WarningContentBody, username: string): Promise<WarningResult>;
  cancel(id: number, username: string): Promise<WarningResult>;
  /** Expires every published warning past its expiry; answers the events stored. */
  expireDue(): Promise<WarningEvent[]>;
  list(filter?: WarningFilter): Promise<Warning[]>;
  get(id: number): Promise<Warning | undefined>;
  events(warningId: number): Promise<WarningEvent[]>;
  eventsAfter(lastId: number, filter: EventFilter, limit?: number): Promise<WarningEvent[]>;
  event(id: number): Promise<WarningEvent | undefined>;
  latestEventId(): Promise<number>;
  /** Called with each event once it is stored, in id order. Answers the unsubscribe. */
  onEvent(listener: (event: WarningEvent) => void): () => void;
}

export interface WarningServiceDeps {
  readonly repository: WarningRepository;
  readonly agencies: Pick<AgencyRepository, "get">;
  /** The communes with their centroids, for polygons (the device registry's stations). */
  readonly communes: () => Promise<readonly CommunePoint[]>;
  /** Active sensor alerts, for prefilled drafts. */
  readonly alerts: { get(id: number): Promise<(AlertForDraft & { readonly state: string }) | undefined> };
  readonly clock: Clock;
  readonly onListenerError: ListenerErrorHandler;
}

const DEFAULT_REPLAY_LIMIT = 1000;

const notFound = (what: string): WarningResult => ({
  ok: false,
  reason: "not_found",
  message: `không tìm thấy ${what} / no ${what}`,
});

export function createWarningService(deps: WarningServiceDeps): WarningService {
  const { repository, agencies, clock } = deps;
  const events = createListenerSet<[WarningEvent]>("warning events", deps.onListenerError);

  let tail: Promise<unknown> = Promise.resolve();
  function serially<T>(work: () => Promise<T>): Promise<T> {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  }

  async function contentFrom(body: WarningContentBody): Promise<WarningContent> {
    if (!body.polygon) return contentOf(body);
    return contentOf(body, communesInPolygon(body.polygon, await deps.communes()));
  }

  /** Stores a decision about a new warning. */
  function store(decision: WarningDecision): Promise<WarningResult> {
    if (!decision.ok) return Promise.resolve(decision);
    return serially(async () => {
      const stored = await repository.write(async (writes) => {
        const warning = await writes.insertWarning(decision.warning);
        return { warning, event: await writes.insertEvent(warning, decision.event) };
      });
      events.emit(stored.event);
      return { ok: true, ...stored };
    });
  }

  /** Reads the warning and its agency in the transaction, decides, stores. */
  function act(id: number, decide: (warning: Warning, agency: Agency, now: number) => WarningDecision) {
    return serially(async (): Promise<WarningResult> => {
      // The agency is read before the transaction (SQLite has one connection, which the
      // transaction holds); a warning never changes agency.
      const current = await repository.get(id);
      if (!current) return notFound(`cảnh báo ${id}`);
      const agency = await agencies.get(current.agencyId);
      if (!agency) return notFound(`cơ quan ${current.agencyId}`);
      const outcome = await repository.write(async (writes): Promise<WarningResult> => {
        const warning = await writes.warning(id);
        if (!warning) return notFound(`cảnh báo ${id}`);
        const decision = decide(warning, agency, clock.now());
        if (!decision.ok) return decision;
        const next = { ...decision.warning, id };
        await writes.saveWarning(next);
        return { ok: true, warning: next, event: await writes.insertEvent(next, decision.event) };
      });
      if (outcome.ok) events.emit(outcome.event);
      return outcome;
    });
  }

  return {
    async draft(agencyId, body, username) {
      const agency = await agencies.get(agencyId);
      if (!agency) return notFound(`cơ quan ${agencyId}`);
      return store(decideDraft(agency, await contentFrom(body), username, clock.now()));
    },
    async draftFromAlert(alertId, agencyId, username) {
      const agency = await agencies.get(agencyId);
      if (!agency) return notFound(`cơ quan ${agencyId}`);
      const alert = await deps.alerts.get(alertId);
      if (!alert) return notFound(`cảnh báo cảm biến ${alertId}`);
      if (alert.state !== "active") {
        return {
          ok: false,
          reason: "conflict",
          message: `cảnh báo cảm biến ${alertId} không còn hiệu lực / sensor alert ${alertId} is no longer active`,
        };
      }
      const now = clock.now();
      const content = contentFromAlert(alert, agency, now);
      // No commune of the agency's in the alert: the agency's first, for the issuer to correct.
      const communes = content.communes.length > 0 ? content.communes : agency.communes.slice(0, 1);
      return store(decideDraft(agency, { ...content, communes }, username, now));
    },
    async edit(id, body, username) {
      const content = await contentFrom(body);
      return act(id, (warning, agency, now) => decideEdit(warning, agency, content, username, now));
    },
    publish: (id, username) =>
      act(id, (warning, agency, now) => decidePublish(warning, agency, username, now)),
    async update(id, body, username) {
      const content = await contentFrom(body);
      return act(id, (warning, agency, now) => decideUpdate(warning, agency, content, username, now));
    },
    cancel: (id, username) => act(id, (warning, agency, now) => decideCancel(warning, agency, username, now)),
    expireDue() {
      return serially(async () => {
        const now = clock.now();
        const stored = await repository.write(async (writes) => {
          const done: WarningEvent[] = [];
          for (const warning of await writes.expiredBy(now)) {
            const decision = decideExpiry(warning, now);
            if (!decision?.ok) continue;
            const next = { ...decision.warning, id: warning.id };
            await writes.saveWarning(next);
            done.push(await writes.insertEvent(next, decision.event));
          }
          return done;
        });
        for (const event of stored) events.emit(event);
        return stored;
      });
    },
    list: (filter) => repository.list(filter),
    get: (id) => repository.get(id),
    events: (warningId) => repository.events(warningId),
    eventsAfter(lastId, filter, limit = DEFAULT_REPLAY_LIMIT) {
      if (filter.communes?.length === 0) return Promise.resolve([]);
      return repository.eventsAfter(lastId, filter, limit);
    },
    event: (id) => repository.event(id),
    latestEventId: () => repository.latestEventId(),
    onEvent: (listener) => events.add(listener),
  };
}
