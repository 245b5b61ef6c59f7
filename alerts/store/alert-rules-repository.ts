import type { Kysely } from "kysely";
import type { Clock } from "../../kernel/clock.js";
import { createListenerSet } from "../../platform/listeners.js";
import { type AlertRule, type RuleDefinition, ruleDefinitionSchema } from "../model/rule.js";
import type { AlertTables } from "./alert-schema.js";

export interface RuleVersion {
  readonly version: number;
  readonly definition: RuleDefinition;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly actor: string | null;
}

export type AlertRuleWithVersions = AlertRule & { readonly versions: readonly RuleVersion[] };

/**
 * Alert rules with their history: every change of definition is a new version, earlier ones stay
 * (alerts name the version they opened under). Deleting hides a rule but keeps its versions.
 */
export interface AlertRulesRepository {
  /** Stores a validated definition as version 1, enabled. */
  create(definition: RuleDefinition, actor: string | null): Promise<AlertRule>;
  /** The definition becomes a new version; undefined for an unknown or deleted rule. */
  update(id: number, definition: RuleDefinition, actor: string | null): Promise<AlertRule | undefined>;
  /** Undefined for an unknown or deleted rule; enabling an enabled rule changes nothing. */
  setEnabled(id: number, enabled: boolean): Promise<AlertRule | undefined>;
  /** Soft delete; answers the rule as it was, or undefined when there was none. */
  remove(id: number): Promise<AlertRule | undefined>;
  get(id: number): Promise<AlertRule | undefined>;
  /** The rule and every version, oldest first. */
  getWithVersions(id: number): Promise<AlertRuleWithVersions | undefined>;
  /** Every rule not deleted, enabled or not, by id. */
  list(): Promise<AlertRule[]>;
  /** Called after every change (create, update, enable, disable, delete), so the engine reloads. */
  onChange(listener: () => void): () => void;
}

export interface AlertRulesRepositoryOptions {
  /** Told about stored definitions the current schema refuses (they are left out of the lists). */
  readonly onInvalidDefinition?: (ruleId: number, version: number, problem: string) => void;
  /** Told when a change listener throws. */
  readonly onListenerError?: (error: unknown) => void;
}

interface CurrentRow {
  id: number;
  version: number;
  enabled: number;
  definition: string;
}

export function createAlertRulesRepository<DB extends AlertTables>(
  database: Kysely<DB>,
  clock: Clock,
  options: AlertRulesRepositoryOptions = {},
): AlertRulesRepository {
  const db = database as unknown as Kysely<AlertTables>;
  const listeners = createListenerSet<[]>("rule changes", (_channel, error) =>
    options.onListenerError?.(error),
  );
  const changed = () => listeners.emit();

  /**
   * Stored definitions passed validation when written; parsing again fills defaults added since.
   * One that no longer passes (the schema became stricter) is reported and skipped rather than
   * stopping every other rule.
   */
  function parseDefinition(ruleId: number, version: number, json: string): RuleDefinition | undefined {
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      options.onInvalidDefinition?.(ruleId, version, "stored definition is not JSON");
      return undefined;
    }
    const parsed = ruleDefinitionSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    options.onInvalidDefinition?.(ruleId, version, parsed.error.issues.map((i) => i.message).join("; "));
    return undefined;
  }

  const toRule = (row: CurrentRow): AlertRule | undefined => {
    const definition = parseDefinition(row.id, row.version, row.definition);
    if (!definition) return undefined;
    return { ...definition, id: Number(row.id), version: Number(row.version), enabled: row.enabled === 1 };
  };

  const selectCurrent = (executor: Kysely<AlertTables>) =>
    executor
      .selectFrom("alert_rules as r")
      .innerJoin("alert_rule_versions as v", (join) =>
        join.onRef("v.rule_id", "=", "r.id").onRef("v.version", "=", "r.version"),
      )
      .select(["r.id", "r.version", "r.enabled", "v.definition"])
      .where("r.deleted", "=", 0);

  const get = async (id: number): Promise<AlertRule | undefined> => {
    const row = await selectCurrent(db).where("r.id", "=", id).executeTakeFirst();
    return row ? toRule(row) : undefined;
  };

  /** A rule that must exist: just written in the same call. */
  const written = async (id: number): Promise<AlertRule> => {
    const rule = await get(id);
    if (!rule) throw new Error(`rule ${id} was written but cannot be read back`);
    return rule;
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
        return Number(inserted.id);
      });
      changed();
      return written(id);
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
        const version = Number(current.version) + 1;
        await tx
          .insertInto("alert_rule_versions")
          .values({ rule_id: id, version, definition: JSON.stringify(definition), created_at: now, actor })
          .execute();
        await tx.updateTable("alert_rules").set({ version, updated_at: now }).where("id", "=", id).execute();
        return true;
      });
      if (!updated) return undefined;
      changed();
      return written(id);
    },

    async setEnabled(id, enabled) {
      const flag = enabled ? 1 : 0;
      const result = await db
        .updateTable("alert_rules")
        .set({ enabled: flag, updated_at: clock.now() })
        .where("id", "=", id)
        .where("deleted", "=", 0)
        .where("enabled", "!=", flag)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) changed();
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

    async getWithVersions(id) {
      const rule = await get(id);
      if (!rule) return undefined;
      const rows = await db
        .selectFrom("alert_rule_versions")
        .selectAll()
        .where("rule_id", "=", id)
        .orderBy("version")
        .execute();
      const versions = rows.flatMap((row): RuleVersion[] => {
        const definition = parseDefinition(id, row.version, row.definition);
        return definition
          ? [
              {
                version: Number(row.version),
                definition,
                createdAt: Number(row.created_at),
                actor: row.actor,
              },
            ]
          : [];
      });
      return { ...rule, versions };
    },

    async list() {
      const rows = await selectCurrent(db).orderBy("r.id").execute();
      return rows.flatMap((row) => toRule(row) ?? []);
    },

    onChange: (listener) => listeners.add(listener),
  };
}
