import { type AlertRule, type RuleDefinitionInput, ruleDefinitionSchema } from "./rule.js";

/** Tests: a validated rule with quiet defaults (operators, major, no cooldown) and the given parts. */
export function testRule(
  definition: Partial<RuleDefinitionInput> & Pick<RuleDefinitionInput, "condition">,
  id = 1,
  version = 1,
): AlertRule {
  const parsed = ruleDefinitionSchema.parse({
    name: `rule ${id}`,
    metric: "pm25",
    severity: "major",
    audience: "operators",
    cooldownSeconds: 0,
    ...definition,
  });
  return { ...parsed, id, version, enabled: true };
}
