import { dailyMeanOfHours } from "../calculators/daily-mean.js";

/**
 * What the daily AQI reads from a local day's 24 hourly means (hours 01:00 … 24:00 local, i.e.
 * the hours starting 00:00 … 23:00). Index 0 of every array is the hour starting at local midnight;
 * null is an hour without a (complete) mean.
 */
export const HOURS_PER_DAY = 24;
/** An 8 h ozone mean needs 6 of its 8 hourly means (75 %). */
export const MIN_HOURS_FOR_8H_MEAN = 6;
const EIGHT_HOURS = 8;

export type HourlyMeansOfDay = readonly (number | null)[];

export interface DailyAqiInput {
  pm25?: number;
  pm10?: number;
  o3_1h?: number;
  o3_8h?: number;
  no2?: number;
  so2?: number;
  co?: number;
}

const present = (values: readonly (number | null)[]): number[] =>
  values.filter((v): v is number => v !== null);

/** Mean of the day's hourly means when 18 of 24 exist (the domain's DAILY_MEAN_MIN_HOURS), else undefined. */
export function dayMean(hourly: HourlyMeansOfDay): number | undefined {
  return dailyMeanOfHours(hourly) ?? undefined;
}

/** The day's largest hourly mean, or undefined without any. */
export function dayMax(hourly: HourlyMeansOfDay): number | undefined {
  const values = present(hourly);
  return values.length === 0 ? undefined : Math.max(...values);
}

/**
 * The day's largest 8-hour rolling mean: windows of 8 consecutive hours that lie inside the day
 * (ending at 08:00 … 24:00 local, 17 windows), each needing MIN_HOURS_FOR_8H_MEAN hourly means.
 */
export function dayMax8h(hourly: HourlyMeansOfDay): number | undefined {
  let best: number | undefined;
  for (let start = 0; start + EIGHT_HOURS <= hourly.length; start++) {
    const values = present(hourly.slice(start, start + EIGHT_HOURS));
    if (values.length < MIN_HOURS_FOR_8H_MEAN) continue;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    if (best === undefined || mean > best) best = mean;
  }
  return best;
}

/** The daily calculator's input from the day's hourly means per pollutant; absent pollutants are left out. */
export function dailyAqiInput(day: {
  readonly pm25?: HourlyMeansOfDay;
  readonly pm10?: HourlyMeansOfDay;
  readonly o3?: HourlyMeansOfDay;
  readonly no2?: HourlyMeansOfDay;
  readonly so2?: HourlyMeansOfDay;
  readonly co?: HourlyMeansOfDay;
}): DailyAqiInput {
  const input: DailyAqiInput = {};
  const put = (key: keyof DailyAqiInput, value: number | undefined) => {
    if (value !== undefined) input[key] = value;
  };
  if (day.pm25) put("pm25", dayMean(day.pm25));
  if (day.pm10) put("pm10", dayMean(day.pm10));
  if (day.o3) {
    put("o3_1h", dayMax(day.o3));
    put("o3_8h", dayMax8h(day.o3));
  }
  if (day.no2) put("no2", dayMax(day.no2));
  if (day.so2) put("so2", dayMax(day.so2));
  if (day.co) put("co", dayMax(day.co));
  return input;
}
