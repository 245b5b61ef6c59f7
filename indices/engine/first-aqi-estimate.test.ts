import { describe, expect, it } from "vitest";
import { firstAqiExpectedAt } from "./first-aqi-estimate.js";

const at = (hhmm: string) => Date.parse(`2026-12-06T${hhmm}:00+07:00`);
const timing = { graceMs: 120_000, tickMs: 30_000 };

describe("firstAqiExpectedAt", () => {
  it("counts the starting hour when three of its quarter-hours remain", () => {
    // 16:20 lies in the second quarter: 16:15, 16:30, 16:45 are covered, so 16:00–17:00 is complete,
    // 17:00–18:00 is the second hour, computed at 18:02 and seen by the next tick.
    expect(firstAqiExpectedAt(at("16:20"), timing)).toBe(at("18:02") + 30_000);
    expect(firstAqiExpectedAt(at("16:00"), timing)).toBe(at("18:02") + 30_000);
    expect(firstAqiExpectedAt(at("16:29"), timing)).toBe(at("18:02") + 30_000);
  });

  it("waits for the next hour when fewer than three quarter-hours remain", () => {
    expect(firstAqiExpectedAt(at("16:30"), timing)).toBe(at("19:02") + 30_000);
    expect(firstAqiExpectedAt(at("16:59"), timing)).toBe(at("19:02") + 30_000);
  });

  it("follows the engine's grace and tick", () => {
    expect(firstAqiExpectedAt(at("16:10"), { graceMs: 0, tickMs: 0 })).toBe(at("18:00"));
  });
});
