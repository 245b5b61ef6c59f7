import { type FloodAlarmLevel, floodLevelLabel } from "../../indices/calculators/index.js";
import { isMetricKey, metricDefinition } from "../../kernel/catalogue.js";
import type { AlertSignal } from "./evaluator.js";
import type { AlertRule, Severity } from "./rule.js";

export interface Bilingual {
  readonly vi: string;
  readonly en: string;
}

export type Language = keyof Bilingual;

/** Where the alert comes from, as people name it. */
export interface StationContext {
  readonly name: string;
  readonly area: string | null;
  readonly areaName: string | null;
}

export const SEVERITY_LABEL: Readonly<Record<Severity, Bilingual>> = {
  minor: { vi: "nhẹ", en: "minor" },
  major: { vi: "nghiêm trọng", en: "major" },
  critical: { vi: "khẩn cấp", en: "critical" },
};

export interface SubjectLabel {
  readonly label: Bilingual;
  readonly unit: string;
  readonly decimals: number;
}

const DERIVED_LABEL: Readonly<Record<string, SubjectLabel>> = {
  aqi: { label: { vi: "Chỉ số AQI giờ", en: "Hourly AQI" }, unit: "", decimals: 0 },
  flood_level: { label: { vi: "Cấp báo động lũ", en: "Flood alarm level" }, unit: "", decimals: 0 },
};

export function subjectLabel(subject: string): SubjectLabel {
  if (isMetricKey(subject)) {
    const definition = metricDefinition(subject);
    return { label: definition.label, unit: definition.unit, decimals: definition.decimals };
  }
  return DERIVED_LABEL[subject] ?? { label: { vi: subject, en: subject }, unit: "", decimals: 2 };
}

/**
 * Vietnamese writes 12.345,6 and English 12,345.6; four-digit numbers stay ungrouped (5000), as
 * the SI style allows. Done by hand so no locale data is needed.
 */
export function formatNumber(value: number, decimals: number, language: Language): string {
  const [whole = "", fraction] = Math.abs(value).toFixed(decimals).split(".");
  const [group, point] = language === "vi" ? [".", ","] : [",", "."];
  const grouped = whole.length <= 4 ? whole : whole.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  const negative = value < 0 && Number(`${whole}.${fraction ?? "0"}`) !== 0;
  return `${negative ? "-" : ""}${grouped}${fraction === undefined ? "" : point + fraction}`;
}

/** The value as a reader sees it: catalogue decimals; a flood level by name (Báo động II). */
export function formatValue(subject: string, value: number | null, language: Language): string {
  if (value === null) return "—";
  if (subject === "flood_level" && [0, 1, 2, 3].includes(value)) {
    return floodLevelLabel(value as FloodAlarmLevel)[language];
  }
  return formatNumber(value, subjectLabel(subject).decimals, language);
}

export const DEFAULT_TEMPLATES = {
  open: {
    vi: "Cảnh báo {severity}: {subject} ({area}) là {value} {unit}",
    en: "{severity} alert: {subject} ({area}) is {value} {unit}",
  },
  escalate: {
    vi: "Cảnh báo tăng lên mức {severity}: {subject} ({area}) là {value} {unit}",
    en: "Alert raised to {severity}: {subject} ({area}) is {value} {unit}",
  },
  noData: {
    vi: "Cảnh báo {severity}: {theStation} ({area}) không gửi dữ liệu {metric}",
    en: "{severity} alert: {theStation} ({area}) has stopped sending {metric}",
  },
  clear: {
    vi: "Hết cảnh báo: {subject} ({area}) đã trở lại bình thường ({value} {unit})",
    en: "Alert cleared: {subject} ({area}) is back to normal ({value} {unit})",
  },
  withdrawn: {
    vi: "Hết cảnh báo: quy tắc “{rule}” không còn theo dõi {metric} tại {station} ({area})",
    en: "Alert cleared: rule “{rule}” no longer watches {metric} at {station} ({area})",
  },
} as const satisfies Record<string, Bilingual>;

/** Placeholders in braces; unknown ones stay as written. Empty parentheses and doubled spaces go. */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template
    .replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole)
    .replace(/\s*\(\s*\)/g, "")
    .replace(/\s+([,.;:!?])/g, "$1")
    .replace(/\s{2,}/g, " ")
    .trim();
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const startsWithWord = (text: string, word: string) =>
  text.toLocaleLowerCase("vi").startsWith(`${word.toLocaleLowerCase("vi")} `);

/**
 * "Bụi PM2.5 tại Trạm Tân Ninh", but a station named after what it measures is named alone:
 * "Mực nước sông Vàm Cỏ Đông", never "Mực nước tại Mực nước sông Vàm Cỏ Đông".
 */
export function subjectAtStation(metricLabel: string, stationName: string, language: Language): string {
  if (startsWithWord(stationName, metricLabel)) return stationName;
  return language === "vi" ? `${metricLabel} tại ${stationName}` : `${metricLabel} at ${stationName}`;
}

/** "trạm Gò Dầu", but "Trạm Gò Dầu" stays as named (no "trạm Trạm Gò Dầu"). */
export function theStation(stationName: string, language: Language): string {
  const noun = language === "vi" ? "trạm" : "station";
  return startsWithWord(stationName, noun) ? stationName : `${noun} ${stationName}`;
}

function templatesFor(rule: AlertRule, signal: AlertSignal): Bilingual {
  if (signal.kind === "clear")
    return signal.value === null && rule.condition.type !== "nodata"
      ? DEFAULT_TEMPLATES.withdrawn
      : DEFAULT_TEMPLATES.clear;
  if (rule.message) return rule.message;
  if (rule.condition.type === "nodata") return DEFAULT_TEMPLATES.noData;
  return signal.kind === "escalate" ? DEFAULT_TEMPLATES.escalate : DEFAULT_TEMPLATES.open;
}

/**
 * The message of a signal in Vietnamese and English. The rule's own templates serve the opening
 * and escalation; clearing always uses the default wording.
 */
export function renderAlertMessage(rule: AlertRule, signal: AlertSignal, station: StationContext): Bilingual {
  const subject = subjectLabel(signal.subject);
  const templates = templatesFor(rule, signal);
  const area = station.areaName ?? station.area ?? "";
  const unit = signal.subject === "flood_level" ? "" : subject.unit;
  const render = (language: Language) =>
    capitalised(
      fillTemplate(templates[language], {
        value: formatValue(signal.subject, signal.value, language),
        unit: signal.value === null ? "" : unit,
        station: station.name,
        subject: subjectAtStation(subject.label[language], station.name, language),
        theStation: theStation(station.name, language),
        area,
        metric: subject.label[language],
        severity: SEVERITY_LABEL[signal.severity][language],
        rule: rule.name,
      }),
    );
  return { vi: render("vi"), en: render("en") };
}
