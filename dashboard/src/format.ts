import { type Language, LOCALES } from "./i18n.js";

/** The centre works in Viet Nam time whatever the operator's computer is set to. */
export const DISPLAY_TIME_ZONE = "Asia/Ho_Chi_Minh";

export interface Formatters {
  /** "21/11/2025 14:05:09" style date and time, 24-hour clock. */
  dateTime(at: Date | string): string;
  /** "14:05:09", 24-hour clock. */
  time(at: Date | string): string;
  /** "14:05" for chart axis ticks. */
  hourMinute(at: Date | string): string;
  /** "21/11/2025". */
  date(at: Date | string): string;
  /** "21/11", for chart ticks. */
  dayMonth(at: Date | string): string;
  /** A measured value with exactly `decimals` fraction digits, grouped the way the language expects. */
  value(value: number, decimals: number): string;
  /** An axis tick, with as many decimals as the spacing between ticks needs. */
  tick(value: number, increment: number): string;
}

export function createFormatters(language: Language): Formatters {
  const locale = LOCALES[language];
  const clock = { timeZone: DISPLAY_TIME_ZONE, hourCycle: "h23" } as const;
  const dateTimeFormat = new Intl.DateTimeFormat(locale, {
    ...clock,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  const timeFormat = new Intl.DateTimeFormat(locale, {
    ...clock,
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  const hourMinuteFormat = new Intl.DateTimeFormat(locale, { ...clock, hour: "2-digit", minute: "2-digit" });
  const dateFormat = new Intl.DateTimeFormat(locale, {
    timeZone: DISPLAY_TIME_ZONE,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  const numberFormats = new Map<number, Intl.NumberFormat>();
  const numberFormat = (decimals: number): Intl.NumberFormat => {
    let format = numberFormats.get(decimals);
    if (format === undefined) {
      format = new Intl.NumberFormat(locale, {
        minimumFractionDigits: decimals,
        maximumFractionDigits: decimals,
      });
      numberFormats.set(decimals, format);
    }
    return format;
  };
  const asDate = (at: Date | string): Date => (typeof at === "string" ? new Date(at) : at);
  return {
    dateTime: (at) => dateTimeFormat.format(asDate(at)),
    time: (at) => timeFormat.format(asDate(at)),
    hourMinute: (at) => hourMinuteFormat.format(asDate(at)),
    date: (at) => dateFormat.format(asDate(at)),
    // Both languages write dates dd/mm/yyyy here; vi-VN's own day-month form would be "22-11".
    dayMonth: (at) => dateFormat.format(asDate(at)).slice(0, 5),
    value: (value, decimals) => numberFormat(decimals).format(value),
    tick: (value, increment) => numberFormat(fractionDigitsOf(increment)).format(value),
  };
}

/** Decimals written in a tick increment such as 0.0025 (→ 4); rounded to 6 places first to drop float noise. */
export function fractionDigitsOf(increment: number): number {
  if (!Number.isFinite(increment) || increment <= 0) return 0;
  const [, fraction = ""] = increment
    .toFixed(6)
    .replace(/\.?0+$/, "")
    .split(".");
  return fraction.length;
}
