import { describe, expect, it } from "vitest";
import { roundHalfUp, snapDecimals, truncateDecimals } from "./rounding.js";

describe("roundHalfUp", () => {
  it("rounds halves up, not to even", () => {
    expect(roundHalfUp(0.5)).toBe(1);
    expect(roundHalfUp(2.5)).toBe(3);
    expect(roundHalfUp(109.5)).toBe(110);
    expect(roundHalfUp(2.4999)).toBe(2);
  });

  it("ignores binary noise on either side of a half", () => {
    expect(roundHalfUp(109.49999999999999)).toBe(110);
    expect(roundHalfUp(109.50000000000001)).toBe(110);
    expect(roundHalfUp(0.49999999999999994)).toBe(1);
    expect(roundHalfUp(59.35000000000001)).toBe(59);
    // 55.7 µg/m³ of PM2.5 on paper gives 109.5.
    expect(roundHalfUp(100 + ((150 - 100) * (55.7 - 50)) / (80 - 50))).toBe(110);
  });

  it("keeps differences a measurement can make", () => {
    expect(roundHalfUp(109.4999999)).toBe(109);
    expect(roundHalfUp(50.49)).toBe(50);
  });

  it("rounds to decimal places without scaling surprises", () => {
    expect(roundHalfUp(1.005, 2)).toBe(1.01);
    expect(roundHalfUp(20.25, 1)).toBe(20.3);
    expect(roundHalfUp(20.2657650072368, 1)).toBe(20.3);
    expect(roundHalfUp(-2.5)).toBe(-3);
  });

  it("refuses non-finite values", () => {
    expect(() => roundHalfUp(Number.NaN)).toThrow(RangeError);
    expect(() => roundHalfUp(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe("truncateDecimals", () => {
  it("cuts towards zero on the decimal grid", () => {
    expect(truncateDecimals(35.49, 1)).toBe(35.4);
    expect(truncateDecimals(9.09999, 1)).toBe(9);
    expect(truncateDecimals(154.99, 0)).toBe(154);
    // 0.1 + 0.2 is 0.30000000000000004 and 0.7 × 10 is 7.000000000000001: both stay on the grid.
    expect(truncateDecimals(0.1 + 0.2, 1)).toBe(0.3);
    expect(truncateDecimals(0.7, 1)).toBe(0.7);
  });
});

describe("snapDecimals", () => {
  it("snaps to 10 decimals", () => {
    expect(snapDecimals(0.1 + 0.2)).toBe(0.3);
    expect(snapDecimals(1.23456789012)).toBe(1.2345678901);
  });
});
