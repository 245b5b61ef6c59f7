import { describe, expect, it } from "vitest";
import { type MetricKey, metricDefinition } from "../kernel/catalogue.js";
import { createDeviceReadingStream, type SimulatedDevice } from "./device-stream.js";
import { createSeededRandom } from "./random.js";
import {
  applySensorFaults,
  DEFAULT_FAULT_RATES,
  type DeviceEmission,
  type FaultRates,
  INITIAL_FAULT_STATE,
  NO_FAULTS,
  type TimedReading,
} from "./sensor-faults.js";
import {
  defaultSignalParameters,
  initialStationState,
  localHourOfDay,
  type StationSignalParameters,
  type StationState,
  stepStation,
} from "./signals.js";
import { TAY_NINH_SIMULATED_FLEET } from "./tay-ninh-fleet.js";

const MINUTE = 60_000;
/** 2025-09-10 00:00 in Vietnam (rainy season). */
const MIDNIGHT_LOCAL = Date.UTC(2025, 8, 9, 17, 0, 0);

function fleetDevice(id: string): SimulatedDevice {
  const device = TAY_NINH_SIMULATED_FLEET.find((candidate) => candidate.profile.id === id);
  if (!device) throw new Error(`no device ${id}`);
  return device;
}

function run(device: SimulatedDevice, seed: number, faults: FaultRates, steps: number, stepMs: number) {
  const stream = createDeviceReadingStream({ device, seed, faults });
  const emissions: DeviceEmission[] = [];
  for (let i = 0; i < steps; i += 1) emissions.push(stream.next(MIDNIGHT_LOCAL + i * stepMs));
  return emissions;
}

function readingsOf(emissions: readonly DeviceEmission[]): TimedReading[] {
  return emissions.flatMap((emission) =>
    emission.kind === "reading"
      ? [emission.reading]
      : emission.kind === "backlog"
        ? [...emission.readings]
        : [],
  );
}

function isInRange(key: MetricKey, value: number): boolean {
  const { min, max } = metricDefinition(key);
  return Number.isFinite(value) && value >= min && value <= max;
}

/** Mean of `metric` per local hour of day over the given readings. */
function hourlyMeans(readings: readonly TimedReading[], metric: MetricKey): number[] {
  const sums = new Array<number>(24).fill(0);
  const counts = new Array<number>(24).fill(0);
  for (const reading of readings) {
    const value = reading.values[metric];
    if (value === undefined) continue;
    const hour = Math.floor(localHourOfDay(reading.ts));
    sums[hour] = (sums[hour] ?? 0) + value;
    counts[hour] = (counts[hour] ?? 0) + 1;
  }
  return sums.map((sum, hour) => sum / (counts[hour] || 1));
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe("local time", () => {
  it("uses UTC+7 without daylight saving", () => {
    expect(localHourOfDay(Date.UTC(2025, 0, 1, 0, 0))).toBe(7);
    expect(localHourOfDay(Date.UTC(2025, 6, 1, 17, 30))).toBe(0.5);
    expect(localHourOfDay(Date.UTC(2025, 6, 1, 16, 59))).toBeCloseTo(23 + 59 / 60, 10);
  });
});

describe("determinism", () => {
  it("gives identical emissions for the same seed and times, with faults on", () => {
    for (const id of ["tn-air-004", "tn-wl-003", "tn-wq-004", "tn-noise-001", "tn-met-001"]) {
      const first = run(fleetDevice(id), 42, DEFAULT_FAULT_RATES, 2000, 30_000);
      const second = run(fleetDevice(id), 42, DEFAULT_FAULT_RATES, 2000, 30_000);
      expect(second).toEqual(first);
    }
  });

  it("gives a different sequence for a different seed", () => {
    const a = readingsOf(run(fleetDevice("tn-air-001"), 1, NO_FAULTS, 50, MINUTE));
    const b = readingsOf(run(fleetDevice("tn-air-001"), 2, NO_FAULTS, 50, MINUTE));
    expect(b).not.toEqual(a);
  });

  it("keeps the clean signal the same whether faults are on or off", () => {
    const clean = readingsOf(run(fleetDevice("tn-air-002"), 9, NO_FAULTS, 500, MINUTE));
    const faulty = run(fleetDevice("tn-air-002"), 9, DEFAULT_FAULT_RATES, 500, MINUTE);
    const untouched = faulty.flatMap((e) => (e.kind === "reading" && e.fault === null ? [e.reading] : []));
    expect(untouched.length).toBeGreaterThan(400);
    const cleanByTs = new Map(clean.map((reading) => [reading.ts, reading]));
    for (const reading of untouched) expect(reading).toEqual(cleanByTs.get(reading.ts));
  });
});

describe("value ranges", () => {
  const heavyFaults: FaultRates = {
    ...DEFAULT_FAULT_RATES,
    spike: 0.02,
    outOfRange: 0.01,
    backlog: 0.003,
    backlogReadings: [5, 40],
  };

  it("keeps every value inside the catalogue range except deliberate out-of-range faults", () => {
    let outOfRangeFaults = 0;
    let checked = 0;
    const problems: string[] = [];
    for (const device of TAY_NINH_SIMULATED_FLEET) {
      const expectedKeys = [...device.profile.metrics].sort().join(",");
      for (const emission of run(device, 7, heavyFaults, 2 * 24 * 60, MINUTE)) {
        const readings =
          emission.kind === "reading"
            ? [emission.reading]
            : emission.kind === "backlog"
              ? emission.readings
              : [];
        const deliberate = emission.kind === "reading" && emission.fault === "out_of_range";
        if (deliberate) outOfRangeFaults += 1;
        for (const reading of readings) {
          checked += 1;
          const entries = Object.entries(reading.values) as [MetricKey, number][];
          const outside = entries.filter(([key, value]) => !isInRange(key, value)).length;
          if (
            Object.keys(reading.values).sort().join(",") !== expectedKeys ||
            outside !== (deliberate ? 1 : 0)
          ) {
            problems.push(`${device.profile.id} ${JSON.stringify(reading)}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(24 * 2500);
    expect(outOfRangeFaults).toBeGreaterThan(50);
  });
});

describe("daily patterns", () => {
  // Ten days of a residential air station every 5 minutes, no faults.
  const tenDays = readingsOf(run(fleetDevice("tn-air-001"), 3, NO_FAULTS, (10 * 24 * 60) / 5, 5 * MINUTE));

  it("has higher PM2.5 in the rush hours than at 03:00", () => {
    const pm25 = hourlyMeans(tenDays, "pm25");
    const morningRush = mean([pm25[7] as number, pm25[8] as number]);
    const eveningRush = mean([pm25[17] as number, pm25[18] as number]);
    expect(morningRush).toBeGreaterThan((pm25[3] as number) * 1.2);
    expect(eveningRush).toBeGreaterThan((pm25[3] as number) * 1.2);
  });

  it("has NO2 and CO peaks at rush hour too", () => {
    for (const metric of ["no2", "co"] as const) {
      const hourly = hourlyMeans(tenDays, metric);
      expect(mean([hourly[17] as number, hourly[18] as number])).toBeGreaterThan((hourly[3] as number) * 1.5);
    }
  });

  it("peaks ozone in the early afternoon", () => {
    const o3 = hourlyMeans(tenDays, "o3");
    const peakHour = o3.indexOf(Math.max(...o3));
    expect(peakHour).toBeGreaterThanOrEqual(11);
    expect(peakHour).toBeLessThanOrEqual(15);
  });

  it("peaks temperature around 14:00 and humidity the other way round", () => {
    const temperature = hourlyMeans(tenDays, "temperature");
    const humidity = hourlyMeans(tenDays, "humidity");
    const warmest = temperature.indexOf(Math.max(...temperature));
    const driest = humidity.indexOf(Math.min(...humidity));
    expect(warmest).toBeGreaterThanOrEqual(12);
    expect(warmest).toBeLessThanOrEqual(16);
    expect(driest).toBeGreaterThanOrEqual(11);
    expect(driest).toBeLessThanOrEqual(17);
    expect(humidity[3] as number).toBeGreaterThan((humidity[14] as number) + 10);
  });

  it("is louder at rush hour than at night", () => {
    const noise = hourlyMeans(
      readingsOf(run(fleetDevice("tn-noise-002"), 5, NO_FAULTS, 5 * 24 * 12, 5 * MINUTE)),
      "noise",
    );
    expect(noise[18] as number).toBeGreaterThan((noise[3] as number) + 10);
  });
});

describe("episodes", () => {
  function simulate(params: StationSignalParameters, start: StationState, minutes: number) {
    const random = createSeededRandom(11);
    let state = start;
    const series: { ts: number; values: Record<string, number> }[] = [];
    for (let minute = 1; minute <= minutes; minute += 1) {
      const step = stepStation(params, state, MIDNIGHT_LOCAL + minute * MINUTE, random);
      state = step.state;
      series.push({ ts: MIDNIGHT_LOCAL + minute * MINUTE, values: step.values as Record<string, number> });
    }
    return series;
  }

  it("raises the water level after a cloudburst, with a lag", () => {
    const river = {
      ...defaultSignalParameters("water_level"),
      tidalAmplitude: 0,
      seasonalAmplitude: 0,
      rainEventsPerHour: 0,
      floodEpisodesPerHour: 0,
      rainResponse: 0.06,
    };
    const cloudburst = { startTs: MIDNIGHT_LOCAL, endTs: MIDNIGHT_LOCAL + 30 * MINUTE, peak: 70 };
    const series = simulate(
      river,
      { ...initialStationState(), lastTs: MIDNIGHT_LOCAL, episode: cloudburst },
      240,
    );
    const levels = series.map((point) => point.values.water_level as number);
    const rainfall = series.map((point) => point.values.rainfall as number);
    const wettest = rainfall.indexOf(Math.max(...rainfall));
    const highest = levels.indexOf(Math.max(...levels));
    expect(Math.max(...rainfall)).toBeGreaterThan(10);
    expect(highest).toBeGreaterThan(wettest);
    expect(Math.max(...levels) - (levels[0] as number)).toBeGreaterThan(0.3);
    // …and it recedes afterwards.
    expect(levels.at(-1) as number).toBeLessThan(Math.max(...levels) - 0.1);
  });

  it("adds an industrial plume on top of the usual air quality", () => {
    const industrial = { ...defaultSignalParameters("air"), industrialLoad: 1, rainEventsPerHour: 0 };
    const plume = { startTs: MIDNIGHT_LOCAL, endTs: MIDNIGHT_LOCAL + 40 * MINUTE, peak: 1 };
    const quiet = simulate(industrial, initialStationState(), 40);
    const smoky = simulate(industrial, { ...initialStationState(), episode: plume }, 40);
    const middle = (series: typeof quiet, metric: string) =>
      mean(series.slice(15, 25).map((p) => p.values[metric] ?? 0));
    expect(middle(smoky, "pm25")).toBeGreaterThan(middle(quiet, "pm25") + 100);
    expect(middle(smoky, "so2")).toBeGreaterThan(middle(quiet, "so2") + 200);
  });
});

describe("sensor faults", () => {
  const reading = (ts: number, pm25 = 20): TimedReading => ({ ts, values: { pm25, humidity: 70 } });
  const only = (overrides: Partial<FaultRates>): FaultRates => ({ ...NO_FAULTS, ...overrides });

  it("skips readings on a gap", () => {
    const step = applySensorFaults(only({ gap: 1 }), INITIAL_FAULT_STATE, reading(1), createSeededRandom(1));
    expect(step.emission).toEqual({ kind: "skipped", reason: "gap" });
  });

  it("repeats the frozen values while stuck, then recovers", () => {
    const random = createSeededRandom(2);
    let state = INITIAL_FAULT_STATE;
    const rates = only({ stuck: 1, stuckReadings: [3, 3] });
    const emitted: DeviceEmission[] = [];
    for (let i = 0; i < 4; i += 1) {
      const step = applySensorFaults(i === 0 ? rates : NO_FAULTS, state, reading(i, 20 + i), random);
      state = step.state;
      emitted.push(step.emission);
    }
    const values = emitted.map((e) => (e.kind === "reading" ? e.reading.values.pm25 : null));
    expect(values).toEqual([20, 20, 20, 20]);
    const next = applySensorFaults(NO_FAULTS, state, reading(9, 31), random);
    expect(next.emission).toEqual({ kind: "reading", reading: reading(9, 31), fault: null });
  });

  it("spikes one value but stays inside the range", () => {
    const random = createSeededRandom(3);
    for (let i = 0; i < 200; i += 1) {
      const step = applySensorFaults(only({ spike: 1 }), INITIAL_FAULT_STATE, reading(i), random);
      if (step.emission.kind !== "reading") throw new Error("expected a reading");
      expect(step.emission.fault).toBe("spike");
      const changed = (Object.entries(step.emission.reading.values) as [MetricKey, number][]).filter(
        ([key, value]) => value !== reading(i).values[key],
      );
      expect(changed).toHaveLength(1);
      const [key, value] = changed[0] as [MetricKey, number];
      expect(isInRange(key, value)).toBe(true);
    }
  });

  it("goes offline and then uploads the missed readings as one backlog, oldest first", () => {
    const random = createSeededRandom(4);
    let state = applySensorFaults(
      only({ backlog: 1, backlogReadings: [5, 5] }),
      INITIAL_FAULT_STATE,
      reading(100),
      random,
    );
    expect(state.emission).toEqual({ kind: "skipped", reason: "offline" });
    for (let ts = 101; ts <= 103; ts += 1) {
      state = applySensorFaults(NO_FAULTS, state.state, reading(ts), random);
      expect(state.emission.kind).toBe("skipped");
    }
    const upload = applySensorFaults(NO_FAULTS, state.state, reading(104), random);
    expect(upload.emission).toEqual({
      kind: "backlog",
      readings: [reading(100), reading(101), reading(102), reading(103), reading(104)],
    });
    expect(upload.state.offline).toBeNull();
  });
});
