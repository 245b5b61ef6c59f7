import { requireNonNegative } from "./input-guard.js";

/** The saturation polynomial is a fit for liquid surface water; outside this range it is not credible. */
const MIN_TEMPERATURE_C = 0;
const MAX_TEMPERATURE_C = 50;

/** The temperature when it is a finite 0–50 °C, else a RangeError. */
export function requireWaterTemperature(tempC: number): number {
  if (
    typeof tempC !== "number" ||
    !Number.isFinite(tempC) ||
    tempC < MIN_TEMPERATURE_C ||
    tempC > MAX_TEMPERATURE_C
  ) {
    throw new RangeError(
      `temperature must be a finite water temperature of ${MIN_TEMPERATURE_C}–${MAX_TEMPERATURE_C} °C, got ${String(tempC)}`,
    );
  }
  return tempC;
}

/**
 * Dissolved-oxygen saturation (mg/L) at water temperature T °C, as Decision 1460/QĐ-TCMT gives it:
 * DO_sat = 14.652 − 0.41022·T + 0.0079910·T² − 0.000077774·T³ (valid here for 0–50 °C).
 */
export function doSaturation(tempC: number): number {
  const t = requireWaterTemperature(tempC);
  return 14.652 - 0.41022 * t + 0.007991 * t ** 2 - 0.000077774 * t ** 3;
}

/** DO as % saturation from DO in mg/L and the water temperature. */
export function doPercent(doMgL: number, tempC: number): number {
  return (requireNonNegative(doMgL, "do") / doSaturation(tempC)) * 100;
}
