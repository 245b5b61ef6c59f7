import { VIETNAM_UTC_OFFSET_MS } from "../../kernel/time.js";
import type { RuleSchedule } from "./rule.js";

const MINUTES_PER_DAY = 24 * 60;
const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** ISO weekday (1 = Monday … 7 = Sunday) and minute of the day of `at`, read in Asia/Ho_Chi_Minh. */
export function localWeekdayAndMinute(at: number): { isoDay: number; minute: number } {
  const local = new Date(at + VIETNAM_UTC_OFFSET_MS);
  return {
    isoDay: ((local.getUTCDay() + 6) % 7) + 1,
    minute: local.getUTCHours() * 60 + local.getUTCMinutes(),
  };
}

/** Whether `at` (epoch ms) falls inside the schedule; no schedule means always. */
export function withinSchedule(schedule: RuleSchedule | undefined, at: number): boolean {
  if (!schedule) return true;
  const { isoDay, minute } = localWeekdayAndMinute(at);
  const onDay = (day: number) => schedule.days === undefined || schedule.days.includes(day);
  if (schedule.from === undefined || schedule.to === undefined) return onDay(isoDay);
  const from = minutesOf(schedule.from);
  const to = minutesOf(schedule.to);
  if (from < to) return onDay(isoDay) && minute >= from && minute < Math.min(to, MINUTES_PER_DAY);
  // Spans midnight: the evening belongs to the day it starts on, the early hours to the day before.
  if (minute >= from) return onDay(isoDay);
  if (minute < to) return onDay(isoDay === 1 ? 7 : isoDay - 1);
  return false;
}
