import { describe, expect, it } from "vitest";
import { DAY_MS, HOUR_MS, MINUTE_MS } from "../../kernel/time.js";
import { createIndexSchedule, NOWCAST_HOURS } from "./index-schedule.js";
import { localDayStartOf } from "./index-time.js";

// 2026-11-21 10:00 UTC = 17:00 in Tây Ninh.
const H = Date.UTC(2026, 10, 21, 10);
const GRACE = 2 * MINUTE_MS;
const hours = (from: number, count: number) => Array.from({ length: count }, (_, k) => from + k * HOUR_MS);

describe("index time", () => {
  it("puts local days on Asia/Ho_Chi_Minh midnight (17:00 UTC the day before)", () => {
    expect(localDayStartOf(H)).toBe(Date.UTC(2026, 10, 20, 17));
    expect(localDayStartOf(Date.UTC(2026, 10, 21, 16, 59, 59, 999))).toBe(Date.UTC(2026, 10, 20, 17));
    expect(localDayStartOf(Date.UTC(2026, 10, 21, 17))).toBe(Date.UTC(2026, 10, 21, 17));
  });
});

describe("index schedule", () => {
  it("computes nothing for an hour that is still open or in its grace period", () => {
    const schedule = createIndexSchedule({ graceMs: GRACE });
    schedule.markReading("s1", H + 5 * MINUTE_MS);
    expect(schedule.take(H + 30 * MINUTE_MS).size).toBe(0);
    expect(schedule.take(H + HOUR_MS + GRACE - 1).size).toBe(0);
    expect(schedule.waitingStations()).toBe(1);
  });

  it("once the hour has closed and the grace passed: its mean, its index, and nothing twice", () => {
    const schedule = createIndexSchedule({ graceMs: GRACE });
    schedule.markReading("s1", H + 5 * MINUTE_MS);
    schedule.markReading("s1", H + 55 * MINUTE_MS);
    const work = schedule.take(H + HOUR_MS + GRACE);
    expect([...work.keys()]).toEqual(["s1"]);
    expect(work.get("s1")).toEqual({ meanHours: [H], indexHours: [H], days: [] });
    expect(schedule.take(H + HOUR_MS + GRACE).size).toBe(0);
  });

  it("late data for a past hour also recomputes the closed hours whose NowCast reads it", () => {
    const schedule = createIndexSchedule({ graceMs: GRACE });
    const late = H - 5 * HOUR_MS;
    schedule.markReading("s1", late + 10 * MINUTE_MS);
    const now = H + 10 * MINUTE_MS; // hours up to H − 1 h have closed, H is open
    const work = schedule.take(now);
    expect(work.get("s1")?.meanHours).toEqual([late]);
    expect(work.get("s1")?.indexHours).toEqual(hours(late, 5));
    // The later hours of the NowCast window are computed as they close, without new readings.
    expect(schedule.take(H + HOUR_MS + GRACE).get("s1")).toEqual({
      meanHours: [],
      indexHours: [H],
      days: [],
    });
    const rest = schedule.take(H + 20 * HOUR_MS).get("s1");
    expect(rest?.indexHours).toEqual(hours(H + HOUR_MS, NOWCAST_HOURS - 6));
  });

  it("a backlog of 12 hours gives its 12 hourly indices on the next pass", () => {
    const schedule = createIndexSchedule({ graceMs: 0 });
    for (const h of hours(H - 12 * HOUR_MS, 12)) {
      for (let m = 0; m < 60; m += 5) schedule.markReading("s1", h + m * MINUTE_MS);
    }
    const work = schedule.take(H + MINUTE_MS).get("s1");
    expect(work?.meanHours).toEqual(hours(H - 12 * HOUR_MS, 12));
    expect(work?.indexHours).toEqual(hours(H - 12 * HOUR_MS, 12));
  });

  it("recomputes the local day of a touched hour once the day has closed", () => {
    const schedule = createIndexSchedule({ graceMs: GRACE });
    const day = localDayStartOf(H);
    schedule.markReading("s1", H);
    expect(schedule.take(H + HOUR_MS + GRACE).get("s1")?.days).toEqual([]);
    expect(schedule.take(day + DAY_MS + GRACE - 1).get("s1")?.days ?? []).toEqual([]);
    expect(schedule.take(day + DAY_MS + GRACE).get("s1")?.days).toEqual([day]);
    // A late reading for that day, days later, brings the day back.
    schedule.markReading("s1", day + 3 * HOUR_MS);
    const later = schedule.take(day + 3 * DAY_MS).get("s1");
    expect(later?.meanHours).toEqual([day + 3 * HOUR_MS]);
    expect(later?.days).toEqual([day]);
  });

  it("keeps stations apart and returns the work of each in ascending order", () => {
    const schedule = createIndexSchedule({ graceMs: 0 });
    schedule.markReading("b", H - HOUR_MS);
    schedule.markReading("a", H - 3 * HOUR_MS);
    schedule.markReading("a", H - 5 * HOUR_MS);
    const work = schedule.take(H);
    expect(work.get("a")?.meanHours).toEqual([H - 5 * HOUR_MS, H - 3 * HOUR_MS]);
    expect(work.get("b")?.meanHours).toEqual([H - HOUR_MS]);
    expect(work.get("a")?.indexHours).toEqual(hours(H - 5 * HOUR_MS, 5));
  });

  it("gives work back after a failure, so the next pass does it again", () => {
    const schedule = createIndexSchedule({ graceMs: 0 });
    schedule.markReading("s1", H - HOUR_MS);
    const first = schedule.take(H).get("s1");
    if (!first) throw new Error("expected work");
    schedule.requeue("s1", first);
    expect(schedule.take(H).get("s1")).toEqual(first);
  });

  it("marks whole hours for catch-up after a restart", () => {
    const schedule = createIndexSchedule({ graceMs: 0 });
    schedule.markHours("s1", [H - 2 * HOUR_MS + 17, H - HOUR_MS, H]);
    const work = schedule.take(H + HOUR_MS).get("s1");
    expect(work?.meanHours).toEqual(hours(H - 2 * HOUR_MS, 3));
  });
});
