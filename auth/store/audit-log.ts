import type { Kysely } from "kysely";
import type { Clock } from "../../kernel/clock.js";
import type { AuditEntry, AuditRecorder } from "../../platform/http/access.js";
import type { OperatorTables } from "./operator-schema.js";

export interface AuditRecord extends AuditEntry {
  readonly id: number;
  readonly at: number;
}

export interface AuditQuery {
  readonly actor?: string;
  readonly action?: string;
  readonly from?: number;
  readonly to?: number;
  readonly limit?: number;
}

export interface AuditLog extends AuditRecorder {
  query(filter: AuditQuery): Promise<AuditRecord[]>;
}

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

/** Every mutating operator action: who, what, when, from where, before and after. */
export function createAuditLog(db: Kysely<OperatorTables>, clock: Clock): AuditLog {
  return {
    async record(entry) {
      await db
        .insertInto("audit_log")
        .values({
          at: clock.now(),
          actor: entry.actor,
          action: entry.action,
          target: entry.target,
          source: entry.source,
          before: json(entry.before),
          after: json(entry.after),
        })
        .execute();
    },

    async query(filter) {
      let query = db
        .selectFrom("audit_log")
        .selectAll()
        .orderBy("id", "desc")
        .limit(filter.limit ?? 500);
      if (filter.actor !== undefined) query = query.where("actor", "=", filter.actor);
      if (filter.action !== undefined) query = query.where("action", "=", filter.action);
      if (filter.from !== undefined) query = query.where("at", ">=", filter.from);
      if (filter.to !== undefined) query = query.where("at", "<", filter.to);
      const rows = await query.execute();
      return rows.map((row) => ({
        id: row.id,
        at: Number(row.at),
        actor: row.actor,
        action: row.action,
        target: row.target,
        source: row.source,
        before: row.before === null ? null : JSON.parse(row.before),
        after: row.after === null ? null : JSON.parse(row.after),
      }));
    },
  };
}
