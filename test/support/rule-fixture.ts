import {
  type AlertRule,
  type RuleDefinition,
  type RuleDefinitionInput,
  ruleDefinitionSchema,
} from "../../alerts/model/rule.js";

/** Tests: the minimal rule, character for character. */
export const MINIMAL_RULE_TEXT =
  '{"name": "PM2.5 high", "metric": "pm25", "scope": {"device": "tn-air-001"}, "condition": {"type": "threshold", "above": 100, "clearBelow": 80, "forSeconds": 0}, "severity": "major", "audience": "public"}';

/** Tests: the minimal rule as a client sends it (no defaults filled in). */
export const MINIMAL_RULE: Readonly<RuleDefinitionInput> = JSON.parse(MINIMAL_RULE_TEXT);

/** Tests: the minimal rule once validated (defaults filled in: a cooldown of 300 s), with the given changes. */
export function minimalRule(changes: Partial<RuleDefinitionInput> = {}): RuleDefinition {
  return ruleDefinitionSchema.parse({ ...MINIMAL_RULE, ...changes });
}

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
