/**
 * A simulated datalogger of a facility's automatic monitoring stations: every interval it writes one
 * station file per station, as the circular's dataloggers do (TAB-separated, CRLF, Vietnam time),
 * with now and then a calibration (the whole file 01) or a faulty analyser (one line 02). In the
 * demo it writes straight into the inbox the FTP server would fill (a dot-named temporary file,
 * then a rename, so the intake never sees it half-written).
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { FacilitiesFile } from "../industrial/index.js";
import type { Clock } from "../kernel/clock.js";
import { VIETNAM_UTC_OFFSET_MS } from "../kernel/time.js";
import { createSeededRandom, deriveSeed, type RandomSource, standardNormal } from "./random.js";

type FileStation = FacilitiesFile["facilities"][number]["stations"][number];

interface Parameter {
  readonly symbol: string;
  readonly unit: string;
  readonly mean: number;
  readonly spread: number;
  readonly decimals: number;
}

const WASTEWATER: readonly Parameter[] = [
  { symbol: "pH", unit: "", mean: 7.3, spread: 0.25, decimals: 2 },
  { symbol: "Temp", unit: "°C", mean: 31, spread: 1.2, decimals: 1 },
  { symbol: "COD", unit: "mg/L", mean: 48, spread: 11, decimals: 2 },
  { symbol: "TSS", unit: "mg/L", mean: 26, spread: 8, decimals: 2 },
  { symbol: "NH4+", unit: "mg/L", mean: 2.1, spread: 0.9, decimals: 2 },
  { symbol: "Flow_IN", unit: "m3/h", mean: 42, spread: 4, decimals: 2 },
  { symbol: "Flow_OUT", unit: "m3/h", mean: 40, spread: 4, decimals: 2 },
];
const STACK: readonly Parameter[] = [
  { symbol: "Dust", unit: "mg/Nm3", mean: 70, spread: 25, decimals: 1 },
  { symbol: "SO2", unit: "mg/Nm3", mean: 210, spread: 70, decimals: 1 },
  { symbol: "NOx", unit: "mg/Nm3", mean: 380, spread: 110, decimals: 1 },
  { symbol: "CO", unit: "mg/Nm3", mean: 260, spread: 90, decimals: 1 },
  { symbol: "O2", unit: "%", mean: 8.5, spread: 0.8, decimals: 2 },
  { symbol: "Temp", unit: "°C", mean: 152, spread: 6, decimals: 1 },
  { symbol: "Flow", unit: "m3/h", mean: 41_000, spread: 3500, decimals: 0 },
  { symbol: "Pressure", unit: "kPa", mean: 101.2, spread: 0.6, decimals: 2 },
];
const CALIBRATION_CHANCE = 0.03;
const FAULT_CHANCE = 0.02;

/** yyyyMMddHHmmss in Vietnam time (UTC+7, no daylight saving). */
export function vietnamStamp(ms: number): string {
  const d = new Date(ms + VIETNAM_UTC_OFFSET_MS);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/** One station file's text for the time `at`. */
export function stationFileText(station: FileStation, at: number, random: RandomSource): string {
  const parameters = station.kind === "wastewater" ? WASTEWATER : STACK;
  const stamp = vietnamStamp(at);
  const calibrating = random() < CALIBRATION_CHANCE;
  const lines = parameters.map((p) => {
    const faulty = !calibrating && random() < FAULT_CHANCE;
    const value = faulty ? 0 : Math.max(0, p.mean + p.spread * standardNormal(random));
    const status = calibrating ? "01" : faulty ? "02" : "00";
    return `${p.symbol}\t${value.toFixed(p.decimals)}\t${p.unit}\t${stamp}\t${status}`;
  });
  return `${lines.join("\r\n")}\r\n`;
}

export interface FacilityDatalogger {
  stop(): Promise<void>;
}

/** Writes a file for every station now, then at each interval boundary (5 minutes by default). */
export function startFacilityDatalogger(options: {
  readonly facilities: FacilitiesFile;
  readonly inboxDir: string;
  readonly seed: number;
  readonly clock: Clock;
  readonly logger: Logger;
}): FacilityDatalogger {
  const { facilities, clock, logger } = options;
  const randoms = new Map<string, RandomSource>();
  const timers: NodeJS.Timeout[] = [];
  let writing: Promise<unknown> = Promise.resolve();

  async function write(province: string, facility: string, station: FileStation, at: number) {
    let random = randoms.get(station.deviceId);
    if (!random) {
      random = createSeededRandom(deriveSeed(options.seed, station.deviceId));
      randoms.set(station.deviceId, random);
    }
    const stamp = vietnamStamp(at);
    const folder = path.join(
      options.inboxDir,
      station.code,
      stamp.slice(0, 4),
      stamp.slice(4, 6),
      stamp.slice(6, 8),
    );
    const name = `${province}_${facility}_${station.code}_${stamp}.txt`;
    await mkdir(folder, { recursive: true });
    const temporary = path.join(folder, `.${name}.part`);
    await writeFile(temporary, stationFileText(station, at, random));
    await rename(temporary, path.join(folder, name));
  }

  for (const facility of facilities.facilities) {
    for (const station of facility.stations) {
      const intervalMs = station.intervalMinutes * 60_000;
      const tick = () => {
        const at = Math.floor(clock.now() / intervalMs) * intervalMs;
        writing = writing
          .then(() => write(facilities.province, facility.code, station, at))
          .catch((error: unknown) =>
            logger.warn({ err: error, station: station.deviceId }, "demo datalogger could not write"),
          );
      };
      tick();
      const untilNext = intervalMs - (clock.now() % intervalMs);
      const first = setTimeout(() => {
        tick();
        const every = setInterval(tick, intervalMs);
        every.unref();
        timers.push(every);
      }, untilNext);
      first.unref();
      timers.push(first);
    }
  }
  return {
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      await writing;
    },
  };
}
