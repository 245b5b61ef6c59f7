import type { Kysely } from "kysely";
import type { EvaluationState } from "../model/evaluator.js";

/** The table of alerts/store/alert-state-migrations.ts. */
export interface AlertRuleStateTable {
  rule_id: number;
  /** The device id. */
  source: string;
  /** JSON of the evaluator's state. */
  state: string;
  /** Epoch ms of the last write. */
  updated_at: number;
}

export interface AlertStateTables {
  alert_rule_state: AlertRuleStateTable;
}

export interface StoredEvaluationState {
  readonly ruleId: number;
  readonly source: string;
  readonly state: EvaluationState;
}

/** The alert engine's evaluation state, so durations and no-data timers survive a restart. */
export interface AlertStateStore {
  load(): Promise<StoredEvaluationState[]>;
  /** Inserts or replaces each entry, in one transaction. */
  save(entries: readonly StoredEvaluationState[], at: number): Promise<void>;
  /** Drops the state of every rule not listed (deleted or disabled rules). */
  keepOnly(ruleIds: readonly number[]): Promise<void>;
}

// SQLite allows 32766 bound parameters; 4 per row leaves a wide margin.
const SAVE_CHUNK = 500;

function parseState(text: string): EvaluationState | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (
      typeof value === "object" &&
      value !== null &&
      typeof (value as EvaluationState).active === "boolean"
    ) {
      return value as EvaluationState;
    }
  } catch {
    // A damaged row only loses that rule's progress for that station.
  }
  return undefined;
}

/** On any database that has the alert_rule_state table (the metadata database). */
export function createAlertStateStore<DB extends AlertStateTables>(database: Kysely<DB>): AlertStateStore {
  const db = database as unknown as Kysely<AlertStateTables>;
  return {
    async load() {
      const rows = await db.selectFrom("alert_rule_state").selectAll().execute();
      return rows.flatMap((row) => {
        const state = parseState(row.state);
        return state ? [{ ruleId: Number(row.rule_id), source: row.source, state }] : [];
      });
    },

    async save(entries, at) {
      if (entries.length === 0) return;
      await db.transaction().execute(async (tx) => {
        for (let i = 0; i < entries.length; i += SAVE_CHUNK) {
          const values = entries.slice(i, i + SAVE_CHUNK).map((entry) => ({
            rule_id: entry.ruleId,
            source: entry.source,
            state: JSON.stringify(entry.state),
            updated_at: at,
          }));
          await tx
            .insertInto("alert_rule_state")
            .values(values)
            .onConflict((oc) =>
              oc.columns(["rule_id", "source"]).doUpdateSet((eb) => ({
                state: eb.ref("excluded.state"),
                updated_at: eb.ref("excluded.updated_at"),
              })),
            )
            .execute();
        }
      });
    },

    async keepOnly(ruleIds) {
      const keep = new Set(ruleIds);
      const stored = await db.selectFrom("alert_rule_state").select("rule_id").distinct().execute();
      const gone = stored.map((row) => Number(row.rule_id)).filter((id) => !keep.has(id));
      for (let i = 0; i < gone.length; i += SAVE_CHUNK) {
        await db
          .deleteFrom("alert_rule_state")
          .where("rule_id", "in", gone.slice(i, i + SAVE_CHUNK))
          .execute();
      }
    },
  };
}
