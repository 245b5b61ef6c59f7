import { type Kysely, PostgresAdapter, type Selectable, type Transaction } from "kysely";
import type { HazardType } from "../model/hazard.js";
import type { ConcurrentRaise, RiskLevel } from "../model/risk-level.js";
import type { Warning, WarningReference, WarningState } from "../model/warning.js";
import {
  PUBLIC_EVENT_KINDS,
  type WarningEvent,
  type WarningEventFacts,
  type WarningEventKind,
} from "../model/warning-lifecycle.js";
import type { WarningEventsTable, WarningsTable, WarningTables } from "./warning-schema.js";

/**
 * Warnings and their events in SQL, nothing more: what a warning becomes is decided by
 * warnings/model/warning-lifecycle.ts, and warnings/warning-service.ts runs those decisions in a
 * transaction and tells listeners. Event ids grow monotonically (AUTOINCREMENT).
 */

export interface WarningFilter {
  readonly state?: WarningState;
  readonly agencyId?: number;
  readonly commune?: string;
  /** Published warnings in force at this time (onset passed or not, expiry after it). */
  readonly inForceAt?: number;
  /** Newest first, at most this many (default 500). */
  readonly limit?: number;
}

export interface EventFilter {
  /** Only published, updated, cancelled and expired events. */
  readonly publicOnly?: boolean;
  /** Only events whose warning (as the event left it) targets one of these communes. */
  readonly communes?: readonly string[];
}

export interface WarningWrites {
  warning(id: number): Promise<Warning | undefined>;
  insertWarning(warning: Omit<Warning, "id">): Promise<Warning>;
  saveWarning(warning: Warning): Promise<void>;
  insertEvent(warning: Warning, facts: WarningEventFacts): Promise<WarningEvent>;
  /** Published warnings whose expiry is at or before `now`. */
  expiredBy(now: number): Promise<Warning[]>;
}

export interface WarningRepository {
  write<T>(work: (writes: WarningWrites) => Promise<T>): Promise<T>;
  list(filter?: WarningFilter): Promise<Warning[]>;
  get(id: number): Promise<Warning | undefined>;
  /** Every event of a warning, oldest first. */
  events(warningId: number): Promise<WarningEvent[]>;
  /** Events after `lastId` that the filter allows, oldest first, at most `limit`. */
  eventsAfter(lastId: number, filter: EventFilter, limit: number): Promise<WarningEvent[]>;
  event(id: number): Promise<WarningEvent | undefined>;
  latestEventId(): Promise<number>;
}

type Db = Kysely<WarningTables>;
type WarningRow = Selectable<WarningsTable>;
type EventRow = Selectable<WarningEventsTable>;

const DEFAULT_LIST_LIMIT = 500;
const REPLAY_PAGE = 500;

function toWarning(row: WarningRow, communes: readonly string[]): Warning {
  const nullableNumber = (value: number | null) => (value === null ? null : Number(value));
  return {
    id: Number(row.id),
    agencyId: Number(row.agency_id),
    state: row.state as WarningState,
    hazard: row.hazard as HazardType,
    baseLevel: Number(row.base_level) as RiskLevel,
    concurrentRaise: Number(row.concurrent_raise) as ConcurrentRaise,
    level: Number(row.level) as RiskLevel,
    communes,
    headline: { vi: row.headline_vi, en: row.headline_en },
    description: { vi: row.description_vi, en: row.description_en },
    instruction: { vi: row.instruction_vi, en: row.instruction_en },
    onset: Number(row.onset),
    expires: Number(row.expires),
    references: JSON.parse(row.refs) as WarningReference[],
    version: Number(row.version),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedBy: row.updated_by,
    updatedAt: Number(row.updated_at),
    publishedBy: row.published_by,
    publishedAt: nullableNumber(row.published_at),
    endedBy: row.ended_by,
    endedAt: nullableNumber(row.ended_at),
  };
}

function toRow(w: Omit<Warning, "id">): Omit<WarningRow, "id"> {
  return {
    agency_id: w.agencyId,
    state: w.state,
    hazard: w.hazard,
    base_level: w.baseLevel,
    concurrent_raise: w.concurrentRaise,
    level: w.level,
    headline_vi: w.headline.vi,
    headline_en: w.headline.en,
    description_vi: w.description.vi,
    description_en: w.description.en,
    instruction_vi: w.instruction.vi,
    instruction_en: w.instruction.en,
    onset: w.onset,
    expires: w.expires,
    refs: JSON.stringify(w.references),
    version: w.version,
    created_by: w.createdBy,
    created_at: w.createdAt,
    updated_by: w.updatedBy,
    updated_at: w.updatedAt,
    published_by: w.publishedBy,
    published_at: w.publishedAt,
    ended_by: w.endedBy,
    ended_at: w.endedAt,
  };
}

function toEvent(row: EventRow): WarningEvent {
  return {
    id: Number(row.id),
    warningId: Number(row.warning_id),
    kind: row.kind as WarningEventKind,
    at: Number(row.at),
    actor: row.actor,
    warning: JSON.parse(row.snapshot) as Warning,
  };
}

async function withCommunes(db: Db | Transaction<WarningTables>, rows: WarningRow[]): Promise<Warning[]> {
  if (rows.length === 0) return [];
  const links = await db
    .selectFrom("warning_communes")
    .select(["warning_id", "commune"])
    .where(
      "warning_id",
      "in",
      rows.map((r) => r.id),
    )
    .orderBy("commune")
    .execute();
  const byWarning = new Map<number, string[]>();
  for (const link of links) {
    const id = Number(link.warning_id);
    byWarning.set(id, [...(byWarning.get(id) ?? []), link.commune]);
  }
  return rows.map((row) => toWarning(row, byWarning.get(Number(row.id)) ?? []));
}

export function createWarningRepository(db: Db): WarningRepository {
  function writesOf(tx: Transaction<WarningTables>): WarningWrites {
    // As for alerts: on PostgreSQL two nodes may decide on the same warning at once (a publication
    // and a cancellation, or two expiry timers); the rows a step decides on are locked until it
    // commits. SQLite runs write transactions one at a time.
    const locksRows = tx.getExecutor().adapter instanceof PostgresAdapter;
    const setCommunes = async (id: number, communes: readonly string[]) => {
      await tx.deleteFrom("warning_communes").where("warning_id", "=", id).execute();
      if (communes.length > 0) {
        await tx
          .insertInto("warning_communes")
          .values(communes.map((commune) => ({ warning_id: id, commune })))
          .execute();
      }
    };
    return {
      async warning(id) {
        const row = await tx
          .selectFrom("warnings")
          .selectAll()
          .where("id", "=", id)
          .$if(locksRows, (q) => q.forUpdate())
          .executeTakeFirst();
        return row ? (await withCommunes(tx, [row]))[0] : undefined;
      },
      async insertWarning(warning) {
        const row = await tx
          .insertInto("warnings")
          .values(toRow(warning))
          .returning("id")
          .executeTakeFirstOrThrow();
        const id = Number(row.id);
        await setCommunes(id, warning.communes);
        return { ...warning, id };
      },
      async saveWarning(warning) {
        await tx.updateTable("warnings").set(toRow(warning)).where("id", "=", warning.id).execute();
        await setCommunes(warning.id, warning.communes);
      },
      async insertEvent(warning, facts) {
        const row = await tx
          .insertInto("warning_events")
          .values({
            warning_id: warning.id,
            kind: facts.kind,
            at: facts.at,
            actor: facts.actor,
            snapshot: JSON.stringify(warning),
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        return { ...facts, id: Number(row.id), warningId: warning.id, warning };
      },
      async expiredBy(now) {
        const rows = await tx
          .selectFrom("warnings")
          .selectAll()
          .where("state", "=", "published")
          .where("expires", "<=", now)
          .orderBy("id")
          .$if(locksRows, (q) => q.forUpdate())
          .execute();
        return withCommunes(tx, rows);
      },
    };
  }

  return {
    write: (work) => db.transaction().execute((tx) => work(writesOf(tx))),
    async list(filter = {}) {
      let query = db.selectFrom("warnings as w").selectAll("w");
      if (filter.state !== undefined) query = query.where("w.state", "=", filter.state);
      if (filter.agencyId !== undefined) query = query.where("w.agency_id", "=", filter.agencyId);
      if (filter.inForceAt !== undefined) {
        query = query.where("w.state", "=", "published").where("w.expires", ">", filter.inForceAt);
      }
      if (filter.commune !== undefined) {
        const commune = filter.commune;
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom("warning_communes as c")
              .select("c.warning_id")
              .whereRef("c.warning_id", "=", "w.id")
              .where("c.commune", "=", commune),
          ),
        );
      }
      const rows = await query
        .orderBy("w.id", "desc")
        .limit(filter.limit ?? DEFAULT_LIST_LIMIT)
        .execute();
      return withCommunes(db, rows);
    },
    async get(id) {
      const row = await db.selectFrom("warnings").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? (await withCommunes(db, [row]))[0] : undefined;
    },
    async events(warningId) {
      const rows = await db
        .selectFrom("warning_events")
        .selectAll()
        .where("warning_id", "=", warningId)
        .orderBy("id")
        .execute();
      return rows.map(toEvent);
    },
    async eventsAfter(lastId, filter, limit) {
      const found: WarningEvent[] = [];
      const communes = filter.communes ? new Set(filter.communes) : undefined;
      let after = lastId;
      // Pages of events, filtered on the warning as each event left it (an update may move communes).
      while (found.length < limit) {
        let query = db.selectFrom("warning_events").selectAll().where("id", ">", after);
        if (filter.publicOnly) query = query.where("kind", "in", [...PUBLIC_EVENT_KINDS]);
        const rows = await query.orderBy("id").limit(REPLAY_PAGE).execute();
        for (const event of rows.map(toEvent)) {
          if (communes && !event.warning.communes.some((c) => communes.has(c))) continue;
          found.push(event);
          if (found.length === limit) break;
        }
        if (rows.length < REPLAY_PAGE) break;
        after = Number(rows[rows.length - 1]?.id ?? after);
      }
      return found;
    },
    async event(id) {
      const row = await db.selectFrom("warning_events").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? toEvent(row) : undefined;
    },
    async latestEventId() {
      const row = await db
        .selectFrom("warning_events")
        .select((eb) => eb.fn.max("id").as("id"))
        .executeTakeFirst();
      return Number(row?.id ?? 0);
    },
  };
}
