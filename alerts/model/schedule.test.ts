import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { localWeekdayAndMinute, withinSchedule } from "./schedule.js";

const at = (iso: string) => Date.parse(iso);

describe("schedules in Asia/Ho_Chi_Minh (UTC+7)", () => {
  it("includes `from` and excludes `to`, on the listed weekdays", () => {
    const office = { days: [1, 2, 3, 4, 5], from: "07:30", to: "17:00" };
    expect(withinSchedule(office, at("2026-11-23T00:29:59Z"))).toBe(false); // Mon 07:29:59
    expect(withinSchedule(office, at("2026-11-23T00:30:00Z"))).toBe(true); // Mon 07:30
    expect(withinSchedule(office, at("2026-11-23T09:59:59Z"))).toBe(true); // Mon 16:59:59
    expect(withinSchedule(office, at("2026-11-23T10:00:00Z"))).toBe(false); // Mon 17:00
    expect(withinSchedule(office, at("2026-11-22T03:00:00Z"))).toBe(false); // Sun 10:00
    expect(withinSchedule(office, at("2026-11-28T03:00:00Z"))).toBe(false); // Sat 10:00
  });

  it("reads the weekday in local time, not UTC", () => {
    const monday = { days: [1] };
    expect(withinSchedule(monday, at("2026-11-22T16:59:59Z"))).toBe(false); // Sun 23:59:59 local
    expect(withinSchedule(monday, at("2026-11-22T17:00:00Z"))).toBe(true); // Mon 00:00 local, Sunday in UTC
    expect(withinSchedule(monday, at("2026-11-23T16:59:59Z"))).toBe(true); // Mon 23:59:59 local
    expect(withinSchedule(monday, at("2026-11-23T17:00:00Z"))).toBe(false); // Tue 00:00 local
  });

  it("spans midnight, counting the early hours to the evening's day", () => {
    const fridayNight = { days: [5], from: "22:00", to: "05:00" };
    expect(withinSchedule(fridayNight, at("2026-11-27T14:59:59Z"))).toBe(false); // Fri 21:59:59
    expect(withinSchedule(fridayNight, at("2026-11-27T15:00:00Z"))).toBe(true); // Fri 22:00
    expect(withinSchedule(fridayNight, at("2026-11-27T21:59:59Z"))).toBe(true); // Sat 04:59:59
    expect(withinSchedule(fridayNight, at("2026-11-27T22:00:00Z"))).toBe(false); // Sat 05:00
    expect(withinSchedule(fridayNight, at("2026-11-28T20:00:00Z"))).toBe(false); // Sun 03:00
    expect(withinSchedule(fridayNight, at("2026-11-20T20:00:00Z"))).toBe(true); // Sat 03:00, the week before
  });

  it("wraps Sunday night into Monday morning", () => {
    const sundayNight = { days: [7], from: "20:00", to: "06:00" };
    expect(withinSchedule(sundayNight, at("2026-11-22T22:00:00Z"))).toBe(true); // Mon 05:00
    expect(withinSchedule(sundayNight, at("2026-11-23T22:00:00Z"))).toBe(false); // Tue 05:00
  });

  it("runs to the end of the day with 24:00", () => {
    const evening = { from: "18:00", to: "24:00" };
    expect(withinSchedule(evening, at("2026-11-23T16:59:00Z"))).toBe(true); // 23:59
    expect(withinSchedule(evening, at("2026-11-23T17:00:00Z"))).toBe(false); // 00:00
    expect(withinSchedule(evening, at("2026-11-23T10:59:00Z"))).toBe(false); // 17:59
  });

  it("takes days without hours as whole days, and no schedule as always", () => {
    const weekend = { days: [6, 7] };
    expect(withinSchedule(weekend, at("2026-11-27T16:59:59Z"))).toBe(false); // Fri 23:59:59
    expect(withinSchedule(weekend, at("2026-11-27T17:00:00Z"))).toBe(true); // Sat 00:00
    expect(withinSchedule(undefined, at("2026-11-27T17:00:00Z"))).toBe(true);
  });

  it("agrees with the platform's time-zone database for any instant", () => {
    const weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const format = new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Ho_Chi_Minh",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), (instant) => {
        const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
        const ours = localWeekdayAndMinute(instant);
        expect(ours.isoDay).toBe(weekdays.indexOf(parts.weekday ?? "") + 1);
        expect(ours.minute).toBe(Number(parts.hour) * 60 + Number(parts.minute));
      }),
    );
  });
});
