import type { Kysely } from "kysely";
import type { AlertRule, RuleDefinition } from "../domain/alerts/rule.js";
import { ruleDefinitionSchema } from "../domain/alerts/rule.js";
import type { Clock } from "../domain/clock.js";
import type { MetadataDatabase } from "./metadata-schema.js";

export interface RuleVersion {
  readonly version: number;
  readonly definition: RuleDefinition;
  readonly createdAt: number;
  readonly actor: string | null;
}

export interface AlertRulesRepository {
  create(definition: RuleDefinition, actor: string | null): Promise<AlertRule>;
  /** A new version; earlier versions stay for the record (and for alerts raised under them). */
  update(id: number, definition: RuleDefinition, actor: string | null): Promise<AlertRule | undefined>;
  setEnabled(id: number, enabled: boolean): Promise<AlertRule | undefined>;
  /** Soft delete: alerts keep pointing at the rule's versions. */
  remove(id: number): Promise<AlertRule | undefined>;
  get(id: number): Promise<AlertRule | undefined>;
  versions(id: number): Promise<RuleVersion[]>;
  /** Every rule not deleted, enabled or not. */
  list(): Promise<AlertRule[]>;
  /** Called after every change, so the engine reloads. */
  onChange(listener: () => void): () => void;
}

export function createAlertRulesRepository(db: Kysely<MetadataDatabase>, clock: Clock): AlertRulesRepository {
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };

  const selectRules = () =>
    db
      .selectFrom("alert_rules as r")
      .innerJoin("alert_rule_versions as v", (join) =>
        join.onRef("v.rule_id", "=", "r.id").onRef("v.version", "=", "r.version"),
      )
      .select(["r.id", "r.version", "r.enabled", "v.definition"])
      .where("r.deleted", "=", 0);

  // Stored definitions passed validation when written; parsing again fills defaults added since.
  const toRule = (row: { id: number; version: number; enabled: number; definition: string }): AlertRule => ({
    ...ruleDefinitionSchema.parse(JSON.parse(row.definition)),
    id: row.id,
    version: row.version,
    enabled: row.enabled === 1,
  });

  const get = async (id: number) => {
    const row = await selectRules().where("r.id", "=", id).executeTakeFirst();
    return row ? toRule(row) : undefined;
  };

  return {
    async create(definition, actor) {
      const now = clock.now();
      const id = await db.transaction().execute(async (tx) => {
        const inserted = await tx
          .insertInto("alert_rules")
          .values({ version: 1, enabled: 1, deleted: 0, created_at: now, updated_at: now })
          .returning("id")
          .executeTakeFirstOrThrow();
        await tx
          .insertInto("alert_rule_versions")
          .values({
            rule_id: inserted.id,
            version: 1,
            definition: JSON.stringify(definition),
            created_at: now,
            actor,
          })
          .execute();
        return inserted.id;
      });
      changed();
      return (await get(id)) as AlertRule;
    },

    async update(id, definition, actor) {
      const now = clock.now();
      const updated = await db.transaction().execute(async (tx) => {
        const current = await tx
          .selectFrom("alert_rules")
          .select("version")
          .where("id", "=", id)
          .where("deleted", "=", 0)
          .executeTakeFirst();
        if (!current) return false;
        const version = current.version + 1;
        await tx
          .insertInto("alert_rule_versions")
          .values({ rule_id: id, version, definition: JSON.stringify(definition), created_at: now, actor })
          .execute();
        await tx.updateTable("alert_rules").set({ version, updated_at: now }).where("id", "=", id).execute();
        return true;
      });
      if (!updated) return undefined;
      changed();
      return get(id);
    },

    async setEnabled(id, enabled) {
      const result = await db
        .updateTable("alert_rules")
        .set({ enabled: enabled ? 1 : 0, updated_at: clock.now() })
        .where("id", "=", id)
        .where("deleted", "=", 0)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return undefined;
      changed();
      return get(id);
    },

    async remove(id) {
      const rule = await get(id);
      if (!rule) return undefined;
      await db
        .updateTable("alert_rules")
        .set({ deleted: 1, updated_at: clock.now() })
        .where("id", "=", id)
        .execute();
      changed();
      return rule;
    },

    get,

    async versions(id) {
      const rows = await db
        .selectFrom("alert_rule_versions")
        .selectAll()
        .where("rule_id", "=", id)
        .orderBy("version")
        .execute();
      return rows.map((row) => ({
        version: row.version,
        definition: ruleDefinitionSchema.parse(JSON.parse(row.definition)),
        createdAt: Number(row.created_at),
        actor: row.actor,
      }));
    },

    async list() {
      const rows = await selectRules().orderBy("r.id").execute();
      return rows.map(toRule);
    },

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
