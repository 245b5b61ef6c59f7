/**
 * From a parsed line to a value of the catalogue: the station's symbol mapping (defaults per kind,
 * overridden by the facilities file), the unit and its factor, the plausible range. Pure.
 */
import { type MetricKey, metricDefinition } from "../../kernel/catalogue.js";
import type { FileStation, FileStationKind, ParameterMapping } from "./facilities.js";
import { type LineProblem, lineProblem, type QualityFlag, type StationFileLine } from "./station-file.js";

/** Symbols seen in field dataloggers (compared without case). */
const WASTEWATER_DEFAULTS: Record<string, MetricKey> = {
  ph: "ph",
  temp: "temperature",
  temperature: "temperature",
  cod: "cod",
  tss: "tss",
  "nh4+": "nh4",
  nh4: "nh4",
  "n-nh4": "nh4",
  "nh4-n": "nh4",
  flow_in: "flow_in",
  flowin: "flow_in",
  flow_out: "flow_out",
  flowout: "flow_out",
  flow: "flow_out",
};
const STACK_DEFAULTS: Record<string, MetricKey> = {
  dust: "stack_dust",
  bui: "stack_dust",
  pm: "stack_dust",
  so2: "stack_so2",
  nox: "stack_nox",
  co: "stack_co",
  o2: "stack_o2",
  temp: "stack_temperature",
  temperature: "stack_temperature",
  flow: "stack_flow",
  pressure: "stack_pressure",
  p: "stack_pressure",
};
export const DEFAULT_SYMBOLS: Readonly<Record<FileStationKind, Readonly<Record<string, MetricKey>>>> = {
  wastewater: WASTEWATER_DEFAULTS,
  stack_emission: STACK_DEFAULTS,
};

/** One spelling per unit: case, spaces, superscripts and degree signs do not matter. */
export function normalizeUnit(unit: string): string {
  return unit
    .trim()
    .toLowerCase()
    .replace(/\s+/g, "")
    .replace(/³/g, "3")
    .replace(/^(°|º|o|deg)?c$/, "°c");
}

/** Conversions every station may use without saying so. */
const KNOWN_FACTORS: Readonly<Record<string, number>> = {
  "pa→kpa": 0.001,
  "mpa→kpa": 1000,
  "m3/s→m3/h": 3600,
  "g/l→mg/l": 1000,
};

export interface MappedValue {
  readonly line: number;
  readonly symbol: string;
  readonly metric: MetricKey;
  /** In the catalogue's unit. */
  readonly value: number;
  readonly ts: number;
  readonly status: QualityFlag;
}

export interface MappedLines {
  readonly values: readonly MappedValue[];
  readonly problems: readonly LineProblem[];
}

function mappingOf(station: FileStation, symbol: string): ParameterMapping | undefined {
  const wanted = symbol.toLowerCase();
  for (const [configured, mapping] of Object.entries(station.parameters)) {
    if (configured.toLowerCase() === wanted) return mapping;
  }
  const metric = DEFAULT_SYMBOLS[station.kind][wanted];
  return metric ? { metric } : undefined;
}

function factorOf(mapping: ParameterMapping, unit: string): number | undefined {
  const given = normalizeUnit(unit);
  const target = normalizeUnit(metricDefinition(mapping.metric).unit);
  if (given === "" || given === target) return 1;
  for (const [configured, factor] of Object.entries(mapping.units ?? {})) {
    if (normalizeUnit(configured) === given) return factor;
  }
  return KNOWN_FACTORS[`${given}→${target}`];
}

/** Maps each parsed line; a line it cannot map is a problem, the others go on. */
export function mapStationLines(station: FileStation, lines: readonly StationFileLine[]): MappedLines {
  const values: MappedValue[] = [];
  const problems: LineProblem[] = [];
  const raw = (l: StationFileLine) => `${l.symbol}\t${l.value}\t${l.unit}`;
  for (const line of lines) {
    const mapping = mappingOf(station, line.symbol);
    if (!mapping) {
      problems.push(lineProblem(line.line, "unknown_parameter", line.symbol, raw(line)));
      continue;
    }
    const definition = metricDefinition(mapping.metric);
    const factor = factorOf(mapping, line.unit);
    if (factor === undefined) {
      const detail = `${line.symbol} "${line.unit}" ≠ ${definition.unit}`;
      problems.push(lineProblem(line.line, "unit_mismatch", detail, raw(line)));
      continue;
    }
    const value = line.value * factor;
    // A calibrating or faulty analyser may report anything: its value is kept as sent.
    if (line.status === "measuring" && (value < definition.min || value > definition.max)) {
      const detail = `${line.symbol} ${value} ${definition.unit} ∉ ${definition.min}–${definition.max}`;
      problems.push(lineProblem(line.line, "out_of_range", detail, raw(line)));
      continue;
    }
    values.push({
      line: line.line,
      symbol: line.symbol,
      metric: mapping.metric,
      value,
      ts: line.ts,
      status: line.status,
    });
  }
  return { values, problems };
}
