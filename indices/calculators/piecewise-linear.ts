/** A point of a piecewise-linear curve: input value x maps to index value y. */
export type CurvePoint = readonly [x: number, y: number];

/**
 * Linear interpolation on points with ascending x; `x` must lie within the first and last x.
 * Neighbouring segments share their end points, so a value on a breakpoint gets that
 * breakpoint's y exactly, whichever segment is used.
 */
export function interpolate(points: readonly CurvePoint[], x: number): number {
  for (let i = 0; i < points.length - 1; i++) {
    const [x0, y0] = points[i] as CurvePoint;
    const [x1, y1] = points[i + 1] as CurvePoint;
    if (x < x0) break;
    if (x === x0) return y0;
    if (x === x1) return y1;
    // Multiply before dividing: (y1 − y0)·(x − x0) / (x1 − x0) keeps more of the exact value.
    if (x < x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  }
  throw new RangeError(`${x} lies outside the curve ${points[0]?.[0]}…${points.at(-1)?.[0]}`);
}
