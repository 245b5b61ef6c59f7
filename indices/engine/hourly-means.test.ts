import { describe, expect, it } from "vitest";
import { HOUR_MS } from "../../kernel/time.js";
import { hourlyMeansFromQuarters, hourRuns, MIN_QUARTERS_PER_HOUR } from "./hourly-means.js";
import { QUARTER_HOUR_MS } from "./index-time.js";

const H = Date.UTC(2026, 10, 21, 3);
const q = (hour: number, quarter: number, mean: number, count: number) => ({
  ts: hour + quarter * QUARTER_HOUR_MS,
  mean,
  count,
});

describe("hourly means", () => {
  it("needs readings in at least 3 of the 4 quarter-hours", () => {
    expect(MIN_QUARTERS_PER_HOUR).toBe(3);
    const three = hourlyMeansFromQuarters([q(H, 0, 10, 1), q(H, 1, 20, 1), q(H, 3, 30, 1)]);
    expect(three.get(H)).toBe(20);
    const two = hourlyMeansFromQuarters([q(H, 0, 10, 50), q(H, 1, 20, 50)]);
    expect(two.has(H)).toBe(false);
    // A whole hour uploaded in its last quarter is one quarter, however many readings it holds.
    expect(hourlyMeansFromQuarters([q(H, 3, 10, 720)]).size).toBe(0);
  });

  it("is the mean of all readings of the hour, weighting each quarter by its count", () => {
    const means = hourlyMeansFromQuarters([q(H, 0, 10, 3), q(H, 1, 20, 1), q(H, 2, 30, 0), q(H, 3, 40, 4)]);
    // (3·10 + 20 + 4·40) / 8 = 26.25; the empty quarter neither counts nor weighs.
    expect(means.get(H)).toBe(26.25);
  });

  it("judges each hour alone", () => {
    const means = hourlyMeansFromQuarters([
      ...[0, 1, 2, 3].map((i) => q(H, i, 5, 2)),
      q(H + HOUR_MS, 0, 7, 2),
      q(H + HOUR_MS, 1, 7, 2),
      ...[1, 2, 3].map((i) => q(H + 2 * HOUR_MS, i, 9, 1)),
    ]);
    expect([...means]).toEqual([
      [H, 5],
      [H + 2 * HOUR_MS, 9],
    ]);
  });

  it("groups consecutive hours into runs read with one query each", () => {
    expect(hourRuns([H, H + HOUR_MS, H + 2 * HOUR_MS, H + 5 * HOUR_MS])).toEqual([
      { from: H, to: H + 3 * HOUR_MS, hours: [H, H + HOUR_MS, H + 2 * HOUR_MS] },
      { from: H + 5 * HOUR_MS, to: H + 6 * HOUR_MS, hours: [H + 5 * HOUR_MS] },
    ]);
    expect(hourRuns([])).toEqual([]);
  });
});
