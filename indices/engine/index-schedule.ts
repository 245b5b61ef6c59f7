import { DAY_MS, HOUR_MS } from "../../kernel/time.js";
import { hourStartOf, localDayStartOf } from "./index-time.js";

/** Hourly means that a NowCast reads: c1 (the hour itself) … c12. */
export const NOWCAST_HOURS = 12;

/** What one station needs (re)computed now; every list ascending. */
export interface StationWork {
  /** Hours that received readings: their hourly means are recomputed. */
  readonly meanHours: readonly number[];
  /** Hours whose hourly indices are recomputed: the mean hours and the closed hours whose NowCast reads them. */
  readonly indexHours: readonly number[];
  /** Local days (start, epoch ms) that contain a mean hour and have closed. */
  readonly days: readonly number[];
}

export interface IndexSchedule {
  /** Hot path: one Set add per (station, hour). */
  markReading(station: string, ts: number): void;
  /** Marks whole hours as having new readings (catch-up after a restart). */
  markHours(station: string, hourStarts: Iterable<number>): void;
  /** Takes the work that is due at `now` out of the schedule, per station. */
  take(now: number): Map<string, StationWork>;
  /** Puts work back after it could not be done, so the next tick tries again. */
  requeue(station: string, work: StationWork): void;
  /** Stations with anything still waiting (an open hour, a day not yet closed…). */
  waitingStations(): number;
}

/**
 * Decides which hours and days to (re)compute from dirty marks and the clock, with no I/O.
 * An hour is due once it has closed and `graceMs` has passed (late readings of the last minutes
 * still land in it); a day likewise. An hour with new readings also makes the next 11 hours due
 * as they close, because their NowCast reads its mean; this is also what gives an hour without
 * readings of its own its AQI when the hours before it are enough for a NowCast.
 */
export function createIndexSchedule(options: { readonly graceMs: number }): IndexSchedule {
  const { graceMs } = options;
  const dirtyHours = new Map<string, Set<number>>();
  const indexHours = new Map<string, Set<number>>();
  const days = new Map<string, Set<number>>();

  const setOf = (map: Map<string, Set<number>>, station: string): Set<number> => {
    let set = map.get(station);
    if (!set) {
      set = new Set();
      map.set(station, set);
    }
    return set;
  };

  const addAll = (map: Map<string, Set<number>>, station: string, values: readonly number[]) => {
    if (values.length === 0) return;
    const set = setOf(map, station);
    for (const v of values) set.add(v);
  };

  /** Removes and returns (ascending) the members of the station's set that are due. */
  const takeDue = (map: Map<string, Set<number>>, station: string, isDue: (t: number) => boolean) => {
    const set = map.get(station);
    if (!set) return [];
    const due: number[] = [];
    for (const t of set) if (isDue(t)) due.push(t);
    for (const t of due) set.delete(t);
    if (set.size === 0) map.delete(station);
    return due.sort((a, b) => a - b);
  };

  return {
    markReading(station, ts) {
      setOf(dirtyHours, station).add(hourStartOf(ts));
    },

    markHours(station, hourStarts) {
      addAll(dirtyHours, station, [...hourStarts].map(hourStartOf));
    },

    take(now) {
      const hourDue = (h: number) => h + HOUR_MS + graceMs <= now;
      const dayDue = (d: number) => d + DAY_MS + graceMs <= now;
      const work = new Map<string, StationWork>();
      const stations = new Set([...dirtyHours.keys(), ...indexHours.keys(), ...days.keys()]);
      for (const station of stations) {
        const meanHours = takeDue(dirtyHours, station, hourDue);
        for (const h of meanHours) {
          addAll(
            indexHours,
            station,
            Array.from({ length: NOWCAST_HOURS }, (_, k) => h + k * HOUR_MS),
          );
          addAll(days, station, [localDayStartOf(h)]);
        }
        const dueIndexHours = takeDue(indexHours, station, hourDue);
        const dueDays = takeDue(days, station, dayDue);
        if (meanHours.length + dueIndexHours.length + dueDays.length > 0) {
          work.set(station, { meanHours, indexHours: dueIndexHours, days: dueDays });
        }
      }
      return work;
    },

    requeue(station, work) {
      addAll(dirtyHours, station, work.meanHours);
      addAll(indexHours, station, work.indexHours);
      addAll(days, station, work.days);
    },

    waitingStations: () => new Set([...dirtyHours.keys(), ...indexHours.keys(), ...days.keys()]).size,
  };
}
