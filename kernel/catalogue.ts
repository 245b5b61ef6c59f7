/**
 * The metric catalogue: the one place that names every metric a device may send,
 * its unit and the physically plausible range outside which a value is rejected.
 * Air pollutants are in µg/m³ (CO too) because the Vietnamese AQI (Decision 1459/QĐ-TCMT) uses it.
 */

export type MetricGroup =
  | "air"
  | "weather"
  | "noise"
  | "hydrology"
  | "water_quality"
  | "wastewater"
  | "stack_emission";

export interface MetricDefinition {
  readonly key: string;
  readonly unit: string;
  readonly label: { readonly vi: string; readonly en: string };
  readonly group: MetricGroup;
  /** Inclusive bounds of a physically plausible value. */
  readonly min: number;
  readonly max: number;
  /** Decimal places worth showing on screen. */
  readonly decimals: number;
}

const define = <K extends string>(
  key: K,
  unit: string,
  vi: string,
  en: string,
  group: MetricGroup,
  min: number,
  max: number,
  decimals: number,
) => ({ key, unit, label: { vi, en }, group, min, max, decimals }) as const satisfies MetricDefinition;

export const METRIC_DEFINITIONS = [
  define("pm25", "µg/m³", "Bụi PM2.5", "PM2.5", "air", 0, 1000, 1),
  define("pm10", "µg/m³", "Bụi PM10", "PM10", "air", 0, 2000, 1),
  define("o3", "µg/m³", "Ôzôn (O₃)", "Ozone (O₃)", "air", 0, 2000, 1),
  define("no2", "µg/m³", "Nitơ điôxít (NO₂)", "Nitrogen dioxide (NO₂)", "air", 0, 4000, 1),
  define("so2", "µg/m³", "Lưu huỳnh điôxít (SO₂)", "Sulphur dioxide (SO₂)", "air", 0, 5000, 1),
  define("co", "µg/m³", "Cacbon monôxít (CO)", "Carbon monoxide (CO)", "air", 0, 200_000, 0),
  define("temperature", "°C", "Nhiệt độ", "Temperature", "weather", -20, 60, 1),
  define("humidity", "%", "Độ ẩm", "Humidity", "weather", 0, 100, 0),
  define("pressure", "hPa", "Áp suất khí quyển", "Air pressure", "weather", 800, 1100, 1),
  define("rainfall", "mm", "Lượng mưa", "Rainfall", "weather", 0, 1000, 1),
  define("noise", "dBA", "Tiếng ồn", "Noise", "noise", 20, 140, 1),
  define("water_level", "m", "Mực nước", "Water level", "hydrology", -20, 200, 2),
  define("ph", "pH", "pH", "pH", "water_quality", 0, 14, 2),
  define("do", "mg/L", "Ôxy hoà tan (DO)", "Dissolved oxygen (DO)", "water_quality", 0, 20, 2),
  define("turbidity", "NTU", "Độ đục", "Turbidity", "water_quality", 0, 4000, 1),
  define("conductivity", "µS/cm", "Độ dẫn điện", "Conductivity", "water_quality", 0, 100_000, 0),
  define("cod", "mg/L", "COD", "COD", "water_quality", 0, 2000, 1),
  define("bod5", "mg/L", "BOD₅", "BOD₅", "water_quality", 0, 1000, 1),
  define("nh4", "mg/L", "Amoni (N-NH₄⁺)", "Ammonium (N-NH₄⁺)", "water_quality", 0, 200, 2),
  define("no3", "mg/L", "Nitrat (N-NO₃⁻)", "Nitrate (N-NO₃⁻)", "water_quality", 0, 500, 2),
  define("po4", "mg/L", "Phốt phát (P-PO₄³⁻)", "Phosphate (P-PO₄³⁻)", "water_quality", 0, 100, 2),
  define("coliform", "MPN/100 mL", "Coliform", "Coliform", "water_quality", 0, 100_000_000, 0),
  // Heavy metals (VN_WQI group III), usually from samples or analysers at water bodies they affect.
  define("as", "mg/L", "Asen (As)", "Arsenic (As)", "water_quality", 0, 10, 4),
  define("cd", "mg/L", "Cadimi (Cd)", "Cadmium (Cd)", "water_quality", 0, 10, 4),
  define("pb", "mg/L", "Chì (Pb)", "Lead (Pb)", "water_quality", 0, 10, 4),
  define("cr6", "mg/L", "Crom VI (Cr⁶⁺)", "Chromium VI (Cr⁶⁺)", "water_quality", 0, 10, 4),
  define("cu", "mg/L", "Đồng (Cu)", "Copper (Cu)", "water_quality", 0, 100, 3),
  define("zn", "mg/L", "Kẽm (Zn)", "Zinc (Zn)", "water_quality", 0, 100, 3),
  define("hg", "mg/L", "Thuỷ ngân (Hg)", "Mercury (Hg)", "water_quality", 0, 1, 5),
  // Automatic continuous monitoring of industrial wastewater (Circular 10/2021/TT-BTNMT); pH,
  // temperature, COD and N-NH4 use the keys above.
  define(
    "tss",
    "mg/L",
    "Tổng chất rắn lơ lửng (TSS)",
    "Total suspended solids (TSS)",
    "wastewater",
    0,
    20_000,
    1,
  ),
  define("flow_in", "m³/h", "Lưu lượng nước thải đầu vào", "Wastewater flow in", "wastewater", 0, 100_000, 2),
  define(
    "flow_out",
    "m³/h",
    "Lưu lượng nước thải đầu ra",
    "Wastewater flow out",
    "wastewater",
    0,
    100_000,
    2,
  ),
  // Stack emissions, at stack conditions normalised as the station reports them (mg/Nm³).
  define("stack_dust", "mg/Nm³", "Bụi tổng (ống khói)", "Stack dust", "stack_emission", 0, 50_000, 1),
  define("stack_so2", "mg/Nm³", "SO₂ (ống khói)", "Stack SO₂", "stack_emission", 0, 50_000, 1),
  define("stack_nox", "mg/Nm³", "NOx (ống khói)", "Stack NOx", "stack_emission", 0, 50_000, 1),
  define("stack_co", "mg/Nm³", "CO (ống khói)", "Stack CO", "stack_emission", 0, 50_000, 1),
  define("stack_o2", "%", "Ôxy dư (O₂, ống khói)", "Stack O₂", "stack_emission", 0, 25, 2),
  define(
    "stack_temperature",
    "°C",
    "Nhiệt độ khí thải",
    "Stack gas temperature",
    "stack_emission",
    -20,
    1500,
    1,
  ),
  define("stack_flow", "m³/h", "Lưu lượng khí thải", "Stack gas flow", "stack_emission", 0, 10_000_000, 0),
  define("stack_pressure", "kPa", "Áp suất khí thải", "Stack gas pressure", "stack_emission", 0, 500, 2),
] as const;

export type MetricKey = (typeof METRIC_DEFINITIONS)[number]["key"];

export const METRIC_KEYS = METRIC_DEFINITIONS.map((m) => m.key) as readonly MetricKey[];

const byKey: ReadonlyMap<string, MetricDefinition> = new Map(METRIC_DEFINITIONS.map((m) => [m.key, m]));

export function isMetricKey(key: string): key is MetricKey {
  return byKey.has(key);
}

export function metricDefinition(key: MetricKey): MetricDefinition {
  // The map is built from the same list the key type comes from, so the lookup cannot miss.
  return byKey.get(key) as MetricDefinition;
}

/** Kinds of station the registry knows; each kind suggests the metrics it usually sends. */
export const DEVICE_KINDS = [
  "air",
  "weather",
  "noise",
  "water_level",
  "water_quality",
  "wastewater",
  "stack_emission",
] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];
