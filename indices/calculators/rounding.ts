/**
 * Rounding that does not trip over binary floating point. An interpolated sub-index that is
 * 109.5 on paper may come out of the arithmetic as 109.49999999999999 or 109.50000000000001;
 * both must round to 110, and 59.35000000000001 must still round to 59.
 *
 * Approach: first snap the value to the nearest multiple of 1e-10 (Number#toFixed picks the
 * correctly rounded decimal), which erases arithmetic noise (~1e-13 at index magnitudes) but
 * keeps every difference a real measurement can make; then round half away from zero.
 */

const GUARD_DECIMALS = 10;

/** The value with binary noise removed: the nearest number with at most 10 decimals. */
export function snapDecimals(value: number): number {
  return Number(value.toFixed(GUARD_DECIMALS));
}

/** Half-up (away from zero) rounding to `decimals` places, e.g. 109.5 → 110, 20.25 → 20.3 at 1 place. */
export function roundHalfUp(value: number, decimals = 0): number {
  if (!Number.isFinite(value)) throw new RangeError(`cannot round ${value}`);
  const scale = 10 ** decimals;
  const magnitude = Math.abs(snapDecimals(value));
  // Scaling can add noise of its own (1.005 × 100 = 100.49999999999999): snap again.
  const rounded = Math.round(snapDecimals(magnitude * scale)) / scale;
  return value < 0 && rounded !== 0 ? -rounded : rounded;
}

/** Truncation towards zero to `decimals` places (EPA's rule for concentrations), noise-safe. */
export function truncateDecimals(value: number, decimals = 0): number {
  if (!Number.isFinite(value)) throw new RangeError(`cannot truncate ${value}`);
  const scale = 10 ** decimals;
  return Math.trunc(snapDecimals(snapDecimals(value) * scale)) / scale;
}
