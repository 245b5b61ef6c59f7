import type { Logger } from "pino";
import { type AlertRulesRepository, ruleDefinitionSchema } from "../alerts/index.js";
import type { FacilitiesFile } from "./model/facilities.js";
import { MANAGED_RULE_PREFIX, permitRules } from "./model/permit-rules.js";

const ACTOR = "industrial";

/**
 * Makes the stored alert rules match the permits in force now: creates the missing ones, updates
 * changed ones (a new version, enabled), and disables the ones whose permit has ended or whose station left the facilities file. Rules an
 * operator wrote are left alone (they do not carry the managed key).
 */
export async function syncPermitRules(
  rules: AlertRulesRepository,
  facilities: FacilitiesFile,
  now: number,
  logger: Logger,
): Promise<{ created: number; updated: number; disabled: number }> {
  const wanted = new Map(
    permitRules(facilities, now).map((r) => [r.key, ruleDefinitionSchema.parse(r.definition)]),
  );
  const counts = { created: 0, updated: 0, disabled: 0 };
  const keyOf = (name: string) =>
    name.startsWith(MANAGED_RULE_PREFIX) ? name.slice(0, name.indexOf("]") + 1) : undefined;
  const seen = new Set<string>();
  for (const rule of await rules.list()) {
    const key = keyOf(rule.name);
    if (key === undefined) continue;
    const definition = wanted.get(key);
    if (!definition || seen.has(key)) {
      if (rule.enabled) {
        await rules.setEnabled(rule.id, false);
        counts.disabled += 1;
      }
      continue;
    }
    seen.add(key);
    const { id: _id, version: _version, enabled, ...stored } = rule;
    if (JSON.stringify(stored) !== JSON.stringify(definition)) {
      await rules.update(rule.id, definition, ACTOR);
      counts.updated += 1;
      // A changed permit is a new rule in force; a rule an operator disabled otherwise stays so.
      if (!enabled) await rules.setEnabled(rule.id, true);
    }
  }
  for (const [key, definition] of wanted) {
    if (seen.has(key)) continue;
    await rules.create(definition, ACTOR);
    counts.created += 1;
  }
  if (counts.created + counts.updated + counts.disabled > 0)
    logger.info(counts, "permit alert rules synchronised");
  return counts;
}
