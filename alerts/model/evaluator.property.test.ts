import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { testRule } from "../../test/support/rule-fixture.js";
import { type AlertSignal, type EvaluationState, evaluate, initialState, tick } from "./evaluator.js";
import { type AlertRule, type RuleDefinitionInput, severityRank } from "./rule.js";

const T0 = Date.parse("2026-11-23T01:00:00Z");
const SOURCES = ["tn-air-001", "tn-air-002", "tn-air-003"];

const conditions: fc.Arbitrary<RuleDefinitionInput["condition"]> = fc.oneof(
  fc.record({
    type: fc.constant("threshold" as const),
    above: fc.constant(100),
    clearBelow: fc.integer({ min: 50, max: 100 }),
    forSeconds: fc.constantFrom(0, 60, 900),
  }),
  fc.record({
    type: fc.constant("duration" as const),
    below: fc.constant(40),
    seconds: fc.constantFrom(60, 600),
  }),
  fc.record({
    type: fc.constant("repeat" as const),
    above: fc.constant(100),
    count: fc.integer({ min: 2, max: 5 }),
  }),
  fc.record({
    type: fc.constant("rate" as const),
    risesBy: fc.constantFrom(20, 50),
    windowSeconds: fc.constant(3600),
  }),
  fc.record({ type: fc.constant("nodata" as const), seconds: fc.constantFrom(60, 600) }),
);

const rules: fc.Arbitrary<AlertRule> = fc
  .record({
    condition: conditions,
    cooldownSeconds: fc.constantFrom(0, 120),
    scheduled: fc.boolean(),
    escalating: fc.boolean(),
  })
  .map(({ condition, cooldownSeconds, scheduled, escalating }) => {
    const downwards = condition.type === "duration";
    return testRule({
      condition,
      cooldownSeconds,
      severity: "minor",
      schedule: scheduled ? { from: "08:00", to: "08:30" } : undefined,
      escalation:
        escalating && condition.type !== "nodata"
          ? [downwards ? { severity: "critical", below: 10 } : { severity: "critical", above: 150 }]
          : undefined,
    });
  });

/** One step for one source: a reading (possibly late, possibly during maintenance) or a tick. */
const steps = fc.array(
  fc.record({
    source: fc.integer({ min: 0, max: SOURCES.length - 1 }),
    advanceSeconds: fc.integer({ min: -120, max: 900 }),
    // Mostly steps of 10 across the whole range (the bare generators favour the ends), some anything.
    value: fc.oneof(
      { arbitrary: fc.constantFrom(...Array.from({ length: 21 }, (_, i) => i * 10)), weight: 4 },
      { arbitrary: fc.double({ min: 0, max: 200, noNaN: true }), weight: 1 },
    ),
    isTick: fc.boolean(),
    muted: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
  }),
  { minLength: 5, maxLength: 300, size: "large" },
);

describe("evaluator properties", () => {
  it("per (rule, source): open and clear alternate, escalations only climb inside an open alert", () => {
    const seen = { open: 0, escalate: 0, clear: 0 };
    fc.assert(
      fc.property(rules, steps, (rule, sequence) => {
        const states = new Map<string, EvaluationState>(SOURCES.map((s) => [s, initialState()]));
        const signals = new Map<string, AlertSignal[]>(SOURCES.map((s) => [s, []]));
        let now = T0;
        const context = { startedAt: T0, graceMs: 60_000 };
        for (const step of sequence) {
          now += step.advanceSeconds * 1000;
          const source = SOURCES[step.source] as string;
          const state = states.get(source) as EvaluationState;
          const result = step.isTick
            ? tick(rule, source, state, Math.max(now, T0), context)
            : evaluate(rule, source, state, { ts: now, value: step.value }, { muted: step.muted });
          expect(result.signals.length).toBeLessThanOrEqual(1);
          states.set(source, result.state);
          signals.get(source)?.push(...result.signals);
        }
        for (const source of SOURCES) {
          let open: AlertSignal | undefined;
          let severity = "minor" as AlertSignal["severity"];
          for (const s of signals.get(source) ?? []) {
            seen[s.kind]++;
            expect(s.source).toBe(source);
            expect(s.ruleId).toBe(rule.id);
            if (s.kind === "open") {
              expect(open).toBeUndefined();
              open = s;
              severity = s.severity;
            } else if (s.kind === "escalate") {
              expect(open).toBeDefined();
              expect(severityRank(s.severity)).toBeGreaterThan(severityRank(severity));
              severity = s.severity;
            } else {
              expect(open).toBeDefined();
              expect(s.at).toBeGreaterThanOrEqual(open?.at ?? 0);
              open = undefined;
            }
          }
          // The state agrees with the signals, and survives a trip through JSON.
          const state = states.get(source) as EvaluationState;
          expect(state.active).toBe(open !== undefined);
          expect(JSON.parse(JSON.stringify(state))).toEqual(
            Object.fromEntries(Object.entries(state).filter(([, v]) => v !== undefined)),
          );
        }
      }),
      { numRuns: 500 },
    );
    // The sequences do exercise every transition, so the checks above had something to check.
    expect(Math.min(seen.open, seen.escalate, seen.clear)).toBeGreaterThan(10);
  });

  it("reading-driven rules go by the readings' own times: the clock and ticks change nothing, every signal carries its reading's time", () => {
    const readingDriven = rules.filter((rule) => rule.condition.type !== "nodata");
    // How far the clock is ahead of the readings (a backlog arrives late), per step.
    const lags = fc.array(fc.integer({ min: 0, max: 7200 }), { minLength: 1, maxLength: 20 });
    let signalled = 0;
    fc.assert(
      fc.property(readingDriven, steps, lags, (rule, sequence, lagSeconds) => {
        const context = { startedAt: T0, graceMs: 60_000 };
        const source = SOURCES[0] as string;
        const replay = (withClock: boolean) => {
          let state = initialState();
          let ts = T0;
          const signals: AlertSignal[] = [];
          for (const [i, step] of sequence.entries()) {
            ts += step.advanceSeconds * 1000;
            const clock = withClock ? ts + (lagSeconds[i % lagSeconds.length] as number) * 1000 : ts;
            if (step.isTick) {
              if (withClock) expect(tick(rule, source, state, clock, context).signals).toEqual([]);
              continue;
            }
            const result = evaluate(
              rule,
              source,
              state,
              { ts, value: step.value },
              { muted: step.muted, receivedAt: clock },
            );
            for (const s of result.signals) expect(s.at).toBe(ts);
            signals.push(...result.signals);
            state = result.state;
          }
          return signals;
        };
        const late = replay(true);
        expect(late).toEqual(replay(false));
        signalled += late.length;
      }),
      { numRuns: 300 },
    );
    expect(signalled).toBeGreaterThan(100);
  });
});
