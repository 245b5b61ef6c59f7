import { describe, expect, it } from "vitest";
import { createPlausibilityGate, flagSeries, maxJumpOf, plausibilityOf } from "./plausibility.js";

describe("plausibility", () => {
  it("flags one absurd water level in a normal series as suspect (17.39 m among 1.34 m)", () => {
    expect(plausibilityOf("water_level", [1.33, 1.34, 1.34, 1.35], 17.39)).toBe("suspect");
    expect(plausibilityOf("water_level", [1.33, 1.34, 1.34, 1.35], 1.52)).toBe("good");
    expect(flagSeries("water_level", [1.33, 1.34, 1.34, 17.39, 1.35, 1.34])).toEqual([
      "good",
      "good",
      "good",
      "suspect",
      "good",
      "good",
    ]);
  });

  it("confirms a real step when the next reading agrees with it", () => {
    expect(flagSeries("water_level", [1.3, 1.3, 1.3, 3.1, 3.12, 3.15])).toEqual([
      "good",
      "good",
      "good",
      "good",
      "good",
      "good",
    ]);
  });

  it("believes the first readings of a series, and metrics it does not know", () => {
    expect(plausibilityOf("water_level", [1.3, 1.3], 40)).toBe("good");
    expect(plausibilityOf("idx:vn_aqi_1h", [10, 10, 10], 400)).toBe("good");
    expect(maxJumpOf("pm25")).toBe(250);
  });

  it("holds a live suspect value until the next one confirms or refutes it", () => {
    const gate = createPlausibilityGate("water_level");
    for (const level of [1.33, 1.34, 1.35])
      expect(gate.accept(level)).toEqual({ flag: "good", confirms: null });
    expect(gate.accept(17.39)).toEqual({ flag: "suspect", confirms: null });
    // Refuted: back to normal, the spike is never acted on.
    expect(gate.accept(1.34)).toEqual({ flag: "good", confirms: null });
    expect(gate.accept(3.2)).toEqual({ flag: "suspect", confirms: null });
    // Confirmed: the river did rise.
    expect(gate.accept(3.25)).toEqual({ flag: "good", confirms: 3.2 });
    expect(gate.accept(3.3)).toEqual({ flag: "good", confirms: null });
  });
});
