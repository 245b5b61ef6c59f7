import { describe, expect, it } from "vitest";
import { testRule as rule } from "../../test/support/rule-fixture.js";
import type { AlertRule } from "./rule.js";
import { buildRuleIndex, inScope } from "./rule-index.js";

const SOURCE = "tn-air-001";
const above = { type: "threshold", above: 100 } as const;

describe("rule index", () => {
  const mine = rule({ scope: { device: SOURCE }, condition: above }, 1);
  const area = rule({ scope: { area: "25747" }, condition: above }, 2);
  const kind = rule({ scope: { kind: "air" }, condition: above }, 3);
  const all = rule({ condition: above }, 4);
  const everything = rule({ scope: { all: true }, condition: above }, 5);
  const disabled: AlertRule = { ...rule({ condition: above }, 6), enabled: false };
  const noise: AlertRule[] = [];
  for (let i = 0; i < 1000; i++) {
    noise.push(rule({ metric: "no2", condition: above }, 1000 + i));
    noise.push(rule({ scope: { device: `other-${i}` }, condition: above }, 5000 + i));
    noise.push(rule({ scope: { area: `area-${i}` }, condition: above }, 9000 + i));
  }
  const index = buildRuleIndex([...noise, mine, area, kind, all, everything, disabled]);

  it("hands a reading only the enabled rules on its metric and in its scope", () => {
    const found = index.rulesFor("pm25", { id: SOURCE, kind: "air", area: "25747" });
    expect(found.map((r) => r.id).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(index.rulesFor("pm25", { id: "x", kind: "water_level", area: null }).map((r) => r.id)).toEqual([
      4, 5,
    ]);
    expect(index.rulesFor("temperature", { id: SOURCE, kind: "air", area: "25747" })).toEqual([]);
  });

  it("knows which subjects are watched and finds enabled rules by id", () => {
    expect(index.watches("pm25")).toBe(true);
    expect(index.watches("no2")).toBe(true);
    expect(index.watches("temperature")).toBe(false);
    expect(index.get(3)).toBe(kind);
    expect(index.get(6)).toBeUndefined();
    expect(index.size).toBe(3005);
  });

  it("lists rules by condition type for the timers", () => {
    const silence = rule({ condition: { type: "nodata", seconds: 600 } }, 7);
    const small = buildRuleIndex([mine, silence]);
    expect(small.withCondition("nodata")).toEqual([silence]);
    expect(small.withCondition("rate")).toEqual([]);
  });

  it("matches scopes from the rule's side too", () => {
    const station = { id: SOURCE, kind: "air", area: "25747" };
    expect([mine, area, kind, all, everything].every((r) => inScope(r, station))).toBe(true);
    expect(inScope(mine, { ...station, id: "other" })).toBe(false);
    expect(inScope(area, { ...station, area: null })).toBe(false);
    expect(inScope(kind, { ...station, kind: "noise" })).toBe(false);
  });
});
