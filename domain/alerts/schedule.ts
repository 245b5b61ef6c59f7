import type { RuleSchedule } from "./rule.js";

/** Vietnam keeps UTC+7 all year (no daylight saving), so local time is a fixed offset. */
const HO_CHI_MINH_OFFSET_MS = 7 * 3_600_000;

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `at` (epoch ms) falls inside the schedule, read in Asia/Ho_Chi_Minh. */
export function withinSchedule(schedule: RuleSchedule | undefined, at: number): boolean {
  if (!schedule) return true;
  const local = new Date(at + HO_CHI_MINH_OFFSET_MS);
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  const isoDay = ((local.getUTCDay() + 6) % 7) + 1;
  const from = minutesOf(schedule.from);
  const to = minutesOf(schedule.to);
  const days = schedule.days;
  if (from <= to) return (days === undefined || days.includes(isoDay)) && minute >= from && minute < to;
  // Spans midnight: the evening belongs to the day it starts on, the early hours to the day before.
  if (minute >= from) return days === undefined || days.includes(isoDay);
  if (minute < to) return days === undefined || days.includes(isoDay === 1 ? 7 : isoDay - 1);
  return false;
}
