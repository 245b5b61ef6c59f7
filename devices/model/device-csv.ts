/**
 * Bulk registration from CSV: a header row, then one station per row. Every row is judged on its
 * own, so one bad row does not hold back the good ones.
 *
 *   id,name,kind,area,area_name,lat,lon,metrics,flood_level_i,flood_level_ii,flood_level_iii,calibration
 *   tn-air-101,Trạm không khí Tân Ninh,air,tan-ninh,Phường Tân Ninh,11.31,106.10,pm25;pm10,,,,pm25:-0.5:1.02
 *
 * metrics: separated by ";". calibration: entries "metric:offset:scale" separated by ";"
 * (value' = value × scale + offset). Optional columns may be left out of the header or left empty.
 */
import { parse } from "csv-parse/sync";
import { isMetricKey } from "../../kernel/catalogue.js";
import { ServiceError } from "../../kernel/errors.js";
import { type NewDevice, newDeviceSchema } from "./device-admin.js";

export const REQUIRED_CSV_COLUMNS = ["id", "name", "kind", "area", "lat", "lon", "metrics"] as const;
export const OPTIONAL_CSV_COLUMNS = [
  "area_name",
  "flood_level_i",
  "flood_level_ii",
  "flood_level_iii",
  "calibration",
] as const;
type CsvColumn = (typeof REQUIRED_CSV_COLUMNS)[number] | (typeof OPTIONAL_CSV_COLUMNS)[number];
const KNOWN_COLUMNS: readonly string[] = [...REQUIRED_CSV_COLUMNS, ...OPTIONAL_CSV_COLUMNS];

export const MAX_CSV_ROWS = 5_000;

export interface CsvRowError {
  /** Line of the file the row ends on (the header is line 1). */
  readonly row: number;
  readonly message: string;
  /** The same in Vietnamese, for the people who import the file. */
  readonly messageVi: string;
}

/** Column and field names as Vietnamese operators know them. */
const FIELD_VI: Readonly<Record<string, string>> = {
  id: "mã trạm",
  name: "tên trạm",
  kind: "loại trạm",
  area: "mã xã/phường",
  areaName: "tên xã/phường",
  area_name: "tên xã/phường",
  lat: "vĩ độ",
  lon: "kinh độ",
  metrics: "thông số",
  floodLevels: "mức báo động lũ",
  calibration: "hiệu chuẩn",
  "calibration offset": "độ lệch hiệu chuẩn",
  "calibration scale": "hệ số hiệu chuẩn",
};
const fieldVi = (name: string) => FIELD_VI[name] ?? name;

const ISSUE_VI: Readonly<Record<string, string>> = {
  invalid_type: "thiếu hoặc sai kiểu",
  too_small: "quá nhỏ hoặc quá ngắn",
  too_big: "quá lớn hoặc quá dài",
  invalid_value: "không thuộc các giá trị cho phép",
  invalid_format: "sai định dạng",
  invalid_union: "không hợp lệ",
  unrecognized_keys: "có khoá không được phép",
  custom: "không hợp lệ",
};

export interface ParsedDeviceCsv {
  readonly devices: ReadonlyArray<{ readonly row: number; readonly device: NewDevice }>;
  readonly errors: readonly CsvRowError[];
}

/**
 * The file as a whole cannot be read (no header, unknown columns, broken quoting, too many rows):
 * 400 invalid when it reaches an API request.
 */
export class DeviceCsvError extends ServiceError<"invalid"> {
  override readonly name = "DeviceCsvError";
  constructor(message: string) {
    super("invalid", message);
  }
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A cell (or a command-line value in the same notation) that cannot be read; reported with its row
 * in an import's answer, never an answer's error (not in the catalogue, kernel/errors.ts).
 */
export class CellValueError extends Error {
  override readonly name = "CellValueError";
  constructor(
    message: string,
    /** The same in Vietnamese. */
    readonly messageVi: string,
  ) {
    super(message);
  }
}

/** A decimal number with '.', as in "11.31" or "-0.5". */
export function decimal(column: string, cell: string): number {
  if (!DECIMAL.test(cell)) {
    throw new CellValueError(
      `${column}: '${cell.slice(0, 40)}' is not a number (use '.' for decimals)`,
      `${fieldVi(column)}: '${cell.slice(0, 40)}' không phải là số (dùng dấu '.' cho phần thập phân)`,
    );
  }
  return Number(cell);
}

/** "pm25:-0.5:1.02;temperature:-0.3:1" → {pm25: {offset: -0.5, scale: 1.02}, …}; checked further by calibrationSchema. */
export function calibrationCell(cell: string): Record<string, { offset: number; scale: number }> {
  const calibration = new Map<string, { offset: number; scale: number }>();
  for (const entry of cell.split(";").map((part) => part.trim())) {
    if (entry === "") continue;
    const parts = entry.split(":").map((part) => part.trim());
    if (parts.length !== 3 || !parts[0]) {
      throw new CellValueError(
        `calibration: '${entry.slice(0, 60)}' is not metric:offset:scale`,
        `hiệu chuẩn: '${entry.slice(0, 60)}' không có dạng thông_số:độ_lệch:hệ_số`,
      );
    }
    const [metric, offset, scale] = parts as [string, string, string];
    // Checked here, not only by calibrationSchema: a zod record silently drops a "__proto__" key.
    if (!isMetricKey(metric))
      throw new CellValueError(
        `calibration: unknown metric '${metric.slice(0, 40)}'`,
        `hiệu chuẩn: không có thông số '${metric.slice(0, 40)}'`,
      );
    if (calibration.has(metric))
      throw new CellValueError(
        `calibration: ${metric} is given twice`,
        `hiệu chuẩn: ${metric} được ghi hai lần`,
      );
    calibration.set(metric, {
      offset: decimal("calibration offset", offset),
      scale: decimal("calibration scale", scale),
    });
  }
  return Object.fromEntries(calibration);
}

function rowToInput(cell: (column: CsvColumn) => string): Record<string, unknown> {
  const optional = (column: CsvColumn) => cell(column) || undefined;
  const levels = [cell("flood_level_i"), cell("flood_level_ii"), cell("flood_level_iii")];
  const someLevels = levels.some((level) => level !== "");
  if (someLevels && levels.some((level) => level === "")) {
    throw new CellValueError(
      "flood levels: give all three (flood_level_i, _ii, _iii) or none",
      "mức báo động lũ: ghi đủ cả ba cột (flood_level_i, _ii, _iii) hoặc để trống cả ba",
    );
  }
  const [I, II, III] = levels as [string, string, string];
  return {
    id: cell("id"),
    name: cell("name"),
    kind: cell("kind"),
    area: cell("area"),
    ...(optional("area_name") ? { areaName: cell("area_name") } : {}),
    lat: cell("lat") === "" ? undefined : decimal("lat", cell("lat")),
    lon: cell("lon") === "" ? undefined : decimal("lon", cell("lon")),
    metrics: cell("metrics")
      .split(";")
      .map((metric) => metric.trim())
      .filter((metric) => metric !== ""),
    ...(someLevels
      ? {
          floodLevels: {
            I: decimal("flood_level_i", I),
            II: decimal("flood_level_ii", II),
            III: decimal("flood_level_iii", III),
          },
        }
      : {}),
    ...(optional("calibration") ? { calibration: calibrationCell(cell("calibration")) } : {}),
  };
}

type Issue = { readonly path: readonly PropertyKey[]; readonly message: string; readonly code?: string };

const describeIssues = (issues: readonly Issue[]) =>
  issues
    .map((issue) =>
      issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message,
    )
    .join("; ");

/** Vietnamese first, with the schema's own (English) detail in brackets. */
const describeIssuesVi = (issues: readonly Issue[]) =>
  issues
    .map((issue) => {
      const [field, ...rest] = issue.path.map(String);
      const where = field === undefined ? "" : `${[fieldVi(field), ...rest].join(".")}: `;
      return `${where}${ISSUE_VI[issue.code ?? "custom"] ?? ISSUE_VI.custom} (${issue.message})`;
    })
    .join("; ");

/** Reads a device CSV; throws DeviceCsvError when the file as a whole is unusable. */
export function parseDeviceCsv(text: string): ParsedDeviceCsv {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (error) {
    throw new DeviceCsvError(`not readable as CSV: ${(error as Error).message}`);
  }
  const [header, ...rows] = records;
  if (!header)
    throw new DeviceCsvError(`the file is empty; expected a header row: ${REQUIRED_CSV_COLUMNS.join(",")}`);
  const columns = header.record.map((name) => name.trim().toLowerCase());
  const unknown = columns.filter((name) => !KNOWN_COLUMNS.includes(name));
  if (unknown.length > 0) {
    throw new DeviceCsvError(
      `unknown column ${unknown.map((name) => `'${name.slice(0, 40)}'`).join(", ")}; columns are ${KNOWN_COLUMNS.join(", ")}`,
    );
  }
  const missing = REQUIRED_CSV_COLUMNS.filter((name) => !columns.includes(name));
  if (missing.length > 0) throw new DeviceCsvError(`the header lacks the column ${missing.join(", ")}`);
  const repeated = columns.filter((name, index) => columns.indexOf(name) !== index);
  if (repeated.length > 0) throw new DeviceCsvError(`the header repeats the column ${repeated.join(", ")}`);
  if (rows.length === 0) throw new DeviceCsvError("the file has a header but no rows");
  if (rows.length > MAX_CSV_ROWS) {
    throw new DeviceCsvError(`${rows.length} rows; at most ${MAX_CSV_ROWS} per import`);
  }

  const devices: Array<{ row: number; device: NewDevice }> = [];
  const errors: CsvRowError[] = [];
  const firstRowOf = new Map<string, number>();
  for (const { record, info } of rows) {
    const row = info.lines;
    if (record.length !== columns.length) {
      errors.push({
        row,
        message: `${record.length} cells; the header has ${columns.length} columns`,
        messageVi: `${record.length} ô; dòng tiêu đề có ${columns.length} cột`,
      });
      continue;
    }
    const cell = (column: CsvColumn) => {
      const index = columns.indexOf(column);
      return index < 0 ? "" : (record[index] ?? "");
    };
    let input: Record<string, unknown>;
    try {
      input = rowToInput(cell);
    } catch (error) {
      if (!(error instanceof CellValueError)) throw error;
      errors.push({ row, message: error.message, messageVi: error.messageVi });
      continue;
    }
    const checked = newDeviceSchema.safeParse(input);
    if (!checked.success) {
      errors.push({
        row,
        message: describeIssues(checked.error.issues),
        messageVi: describeIssuesVi(checked.error.issues),
      });
      continue;
    }
    const earlier = firstRowOf.get(checked.data.id);
    if (earlier !== undefined) {
      errors.push({
        row,
        message: `id '${checked.data.id}' is already on line ${earlier} of this file`,
        messageVi: `mã trạm '${checked.data.id}' đã có ở dòng ${earlier} của tệp này`,
      });
      continue;
    }
    firstRowOf.set(checked.data.id, row);
    devices.push({ row, device: checked.data });
  }
  return { devices, errors };
}
