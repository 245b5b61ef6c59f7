import { describe, expect, it } from "vitest";
import { DEVICE_KINDS, isMetricKey, METRIC_DEFINITIONS, METRIC_KEYS, metricDefinition } from "./catalogue.js";

/** Metrics the foundation issue requires, with their units. */
const REQUIRED_UNITS: Record<string, string> = {
  pm25: "µg/m³",
  pm10: "µg/m³",
  o3: "µg/m³",
  no2: "µg/m³",
  so2: "µg/m³",
  co: "µg/m³",
  temperature: "°C",
  humidity: "%",
  pressure: "hPa",
  noise: "dBA",
  water_level: "m",
  rainfall: "mm",
  do: "mg/L",
  cod: "mg/L",
  bod5: "mg/L",
  nh4: "mg/L",
  no3: "mg/L",
  po4: "mg/L",
  turbidity: "NTU",
  conductivity: "µS/cm",
  coliform: "MPN/100 mL",
};

describe("metric catalogue", () => {
  it.each(Object.entries(REQUIRED_UNITS))("has %s in %s", (key, unit) => {
    expect(isMetricKey(key)).toBe(true);
    if (!isMetricKey(key)) return;
    expect(metricDefinition(key).unit).toBe(unit);
  });

  it("has pH on the 0–14 scale", () => {
    expect(isMetricKey("ph")).toBe(true);
    const ph = metricDefinition("ph");
    expect([ph.min, ph.max]).toEqual([0, 14]);
  });

  it("has unique keys, and METRIC_KEYS lists them in order", () => {
    const keys = METRIC_DEFINITIONS.map((d) => d.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...METRIC_KEYS]).toEqual(keys);
  });

  it.each(METRIC_DEFINITIONS.map((d) => [d.key, d] as const))("defines %s sensibly", (key, def) => {
    expect(metricDefinition(key)).toBe(def);
    expect(Number.isFinite(def.min)).toBe(true);
    expect(Number.isFinite(def.max)).toBe(true);
    expect(def.min).toBeLessThan(def.max);
    expect(def.label.vi.trim()).not.toBe("");
    expect(def.label.en.trim()).not.toBe("");
    expect(def.unit.trim()).not.toBe("");
    // Up to 5: mercury's VN_WQI breakpoints are 0.001 and 0.0015 mg/L.
    expect(Number.isInteger(def.decimals) && def.decimals >= 0 && def.decimals <= 5).toBe(true);
    expect([
      "air",
      "weather",
      "noise",
      "hydrology",
      "water_quality",
      "wastewater",
      "stack_emission",
    ]).toContain(def.group);
  });

  it("has Vietnamese labels that are written in Vietnamese, not copied from English", () => {
    // A few labels must differ between the languages; identical ones are only acronyms such as COD or pH.
    const translated = METRIC_DEFINITIONS.filter((d) => d.label.vi !== d.label.en);
    expect(translated.length).toBeGreaterThan(METRIC_DEFINITIONS.length / 2);
    expect(metricDefinition("temperature").label.vi).toBe("Nhiệt độ");
  });

  it("does not treat inherited or differently cased names as metrics", () => {
    for (const key of [
      "",
      "PM25",
      "pm2.5",
      "constructor",
      "__proto__",
      "toString",
      "hasOwnProperty",
      "radon",
    ]) {
      expect(isMetricKey(key), key).toBe(false);
    }
  });

  it("lists the station kinds", () => {
    expect([...DEVICE_KINDS]).toEqual([
      "air",
      "weather",
      "noise",
      "water_level",
      "water_quality",
      "wastewater",
      "stack_emission",
    ]);
  });
});
