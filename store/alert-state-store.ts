import type { Kysely } from "kysely";
import type { EvaluationState } from "../domain/alerts/evaluator.js";
import type { MetadataDatabase } from "./metadata-schema.js";

export interface StoredEvaluationState {
  readonly ruleId: number;
  readonly source: string;
  readonly state: EvaluationState;
}

/** The alert engine's evaluation state, so durations and no-data timers survive a restart. */
export interface AlertStateStore {
  load(): Promise<StoredEvaluationState[]>;
  save(entries: readonly StoredEvaluationState[], at: number): Promise<void>;
  /** Drops the state of rules that no longer exist. */
  keepOnly(ruleIds: readonly number[]): Promise<void>;
}

const SAVE_CHUNK = 200;

export function createAlertStateStore(db: Kysely<MetadataDatabase>): AlertStateStore {
  return {
    async load() {
      const rows = await db.selectFrom("alert_rule_state").selectAll().execute();
      return rows.map((row) => ({
        ruleId: row.rule_id,
        source: row.source,
        state: JSON.parse(row.state) as EvaluationState,
      }));
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
      let query = db.deleteFrom("alert_rule_state");
      if (ruleIds.length > 0) query = query.where("rule_id", "not in", [...ruleIds]);
      await query.execute();
    },
  };
}
