import { describe, expect, it } from "vitest";
import { METRIC_KEYS } from "./catalogue.js";
import { hazardAdvice, hazardOf } from "./hazard-advice.js";

describe("hazard advice", () => {
  it("gives flood advice for flood levels and water levels, stronger when critical", () => {
    const usual = hazardAdvice("flood_level", "major");
    const critical = hazardAdvice("water_level", "critical");
    expect(usual?.vi).toMatch(/chỗ cao/);
    expect(critical?.vi).toMatch(/sơ tán/);
    expect(critical?.en).toMatch(/evacuate/);
  });

  it("gives air advice for the AQI and every pollutant, water advice for water quality", () => {
    for (const subject of ["aqi", "pm25", "pm10", "o3", "no2", "so2", "co"])
      expect(hazardOf(subject)).toBe("air");
    expect(hazardAdvice("coliform", "minor")?.vi).toMatch(/Không dùng nước/);
  });

  it("words every hazard of the catalogue it knows in both languages, and none for the rest", () => {
    for (const metric of METRIC_KEYS) {
      const advice = hazardAdvice(metric, "major");
      if (hazardOf(metric) === null) expect(advice).toBeNull();
      else expect(advice?.vi.length && advice.en.length).toBeGreaterThan(20);
    }
    expect(hazardAdvice("something_else", "critical")).toBeNull();
  });
});
