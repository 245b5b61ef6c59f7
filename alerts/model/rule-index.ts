import type { AlertRule, RuleSubject } from "./rule.js";

export interface StationScope {
  readonly id: string;
  readonly kind: string | null;
  readonly area: string | null;
}

interface SubjectRules {
  readonly byDevice: Map<string, AlertRule[]>;
  readonly byKind: Map<string, AlertRule[]>;
  readonly byArea: Map<string, AlertRule[]>;
  readonly everywhere: AlertRule[];
}

export interface RuleIndex {
  /** Enabled rules on this subject whose scope includes the station: a few map lookups, whatever the rule count. */
  rulesFor(subject: RuleSubject, station: StationScope): readonly AlertRule[];
  /** Enabled rules of a condition type, for timer-driven checks. */
  withCondition(type: AlertRule["condition"]["type"]): readonly AlertRule[];
  /** Whether any enabled rule watches this subject: readings of other metrics cost one lookup. */
  watches(subject: string): boolean;
  /** The enabled rule with this id. */
  get(id: number): AlertRule | undefined;
  readonly size: number;
}

const NONE: readonly AlertRule[] = [];

const push = (map: Map<string, AlertRule[]>, key: string, rule: AlertRule) => {
  const list = map.get(key);
  if (list) list.push(rule);
  else map.set(key, [rule]);
};

export function buildRuleIndex(rules: readonly AlertRule[]): RuleIndex {
  const bySubject = new Map<string, SubjectRules>();
  const byCondition = new Map<string, AlertRule[]>();
  const byId = new Map<number, AlertRule>();
  for (const rule of rules) {
    if (!rule.enabled) continue;
    byId.set(rule.id, rule);
    let entry = bySubject.get(rule.metric);
    if (!entry) {
      entry = { byDevice: new Map(), byKind: new Map(), byArea: new Map(), everywhere: [] };
      bySubject.set(rule.metric, entry);
    }
    const { scope } = rule;
    if (scope.device !== undefined) push(entry.byDevice, scope.device, rule);
    else if (scope.kind !== undefined) push(entry.byKind, scope.kind, rule);
    else if (scope.area !== undefined) push(entry.byArea, scope.area, rule);
    else entry.everywhere.push(rule);
    push(byCondition, rule.condition.type, rule);
  }
  return {
    size: byId.size,
    rulesFor(subject, station) {
      const entry = bySubject.get(subject);
      if (!entry) return NONE;
      const lists = [
        entry.byDevice.get(station.id),
        station.kind === null ? undefined : entry.byKind.get(station.kind),
        station.area === null ? undefined : entry.byArea.get(station.area),
        entry.everywhere,
      ].filter((list): list is AlertRule[] => list !== undefined && list.length > 0);
      // One list (the usual case) is handed out as it is; callers only read it.
      if (lists.length <= 1) return lists[0] ?? NONE;
      return lists.flat();
    },
    withCondition: (type) => byCondition.get(type) ?? [],
    watches: (subject) => bySubject.has(subject),
    get: (id) => byId.get(id),
  };
}

/** Whether a station falls in a rule's scope (for no-data checks, which start from the rule). */
export function inScope(rule: AlertRule, station: StationScope): boolean {
  const { scope } = rule;
  if (scope.device !== undefined) return station.id === scope.device;
  if (scope.kind !== undefined) return station.kind === scope.kind;
  if (scope.area !== undefined) return station.area === scope.area;
  return true;
}
