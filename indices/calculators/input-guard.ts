/**
 * Calculators refuse impossible input by throwing a RangeError that names the field: a negative
 * or non-finite concentration is a broken instrument or a bug, not missing data, so it must not be
 * turned into "insufficient data". The HTTP API validates the same rules first and answers 400.
 */

/** The value when it is a finite number ≥ 0, else a RangeError naming `field`. */
export function requireNonNegative(value: number, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${field} must be a finite number ≥ 0, got ${String(value)}`);
  }
  return value;
}

/** `undefined` for an absent value (null or undefined), else the checked value. */
export function optionalNonNegative(value: number | null | undefined, field: string): number | undefined {
  return value === null || value === undefined ? undefined : requireNonNegative(value, field);
}
