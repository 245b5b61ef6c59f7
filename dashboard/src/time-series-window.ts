/** Points of one metric over a sliding time window, kept sorted by time for plotting. */
export interface TimeSeriesWindow {
  replace(points: readonly SeriesPoint[]): void;
  /** Inserts a point in time order; a point at an existing time replaces it. */
  add(point: SeriesPoint): void;
  /** Drops points older than the window before `now` (epoch ms). */
  trim(now: number): void;
  size(): number;
  /** uPlot's aligned data: [seconds[], values[]]. */
  toAligned(): [number[], number[]];
}

export interface SeriesPoint {
  /** Epoch ms. */
  at: number;
  value: number;
}

export function createTimeSeriesWindow(windowMs: number): TimeSeriesWindow {
  let points: SeriesPoint[] = [];

  return {
    replace(next) {
      points = [...next].sort((a, b) => a.at - b.at);
    },
    add(point) {
      // Live points almost always come last, so search from the end.
      let index = points.length;
      while (index > 0 && (points[index - 1] as SeriesPoint).at > point.at) index -= 1;
      if (index > 0 && (points[index - 1] as SeriesPoint).at === point.at) points[index - 1] = point;
      else points.splice(index, 0, point);
    },
    trim(now) {
      const oldest = now - windowMs;
      const firstKept = points.findIndex((point) => point.at >= oldest);
      points = firstKept === -1 ? [] : points.slice(firstKept);
    },
    size: () => points.length,
    toAligned: () => [points.map((point) => point.at / 1000), points.map((point) => point.value)],
  };
}
