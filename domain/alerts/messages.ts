import { isMetricKey, metricDefinition } from "../catalogue.js";
import type { AlertSignal } from "./evaluator.js";
import type { AlertRule, Severity } from "./rule.js";

export interface Bilingual {
  readonly vi: string;
  readonly en: string;
}

/** Where the alert comes from, as people name it. */
export interface StationContext {
  readonly name: string;
  readonly area: string | null;
  readonly areaName: string | null;
}

const SEVERITY_LABEL: Record<Severity, Bilingual> = {
  minor: { vi: "nhẹ", en: "minor" },
  major: { vi: "nghiêm trọng", en: "major" },
  critical: { vi: "khẩn cấp", en: "critical" },
};

const DERIVED_LABEL: Record<string, { label: Bilingual; unit: string; decimals: number }> = {
  aqi: { label: { vi: "Chỉ số AQI giờ", en: "Hourly AQI" }, unit: "", decimals: 0 },
  flood_level: { label: { vi: "Cấp báo động lũ", en: "Flood alarm level" }, unit: "", decimals: 0 },
};

export function subjectLabel(subject: string): { label: Bilingual; unit: string; decimals: number } {
  if (isMetricKey(subject)) {
    const definition = metricDefinition(subject);
    return { label: definition.label, unit: definition.unit, decimals: definition.decimals };
  }
  return DERIVED_LABEL[subject] ?? { label: { vi: subject, en: subject }, unit: "", decimals: 2 };
}

const DEFAULT_OPEN: Bilingual = {
  vi: "Cảnh báo {severity}: {metric} tại {station} ({area}) là {value} {unit}",
  en: "{severity} alert: {metric} at {station} ({area}) is {value} {unit}",
};
const DEFAULT_NO_DATA: Bilingual = {
  vi: "Cảnh báo {severity}: trạm {station} ({area}) không gửi dữ liệu {metric}",
  en: "{severity} alert: station {station} ({area}) has stopped sending {metric}",
};
const DEFAULT_CLEAR: Bilingual = {
  vi: "Hết cảnh báo: {metric} tại {station} ({area}) đã trở lại bình thường ({value} {unit})",
  en: "Alert cleared: {metric} at {station} ({area}) is back to normal ({value} {unit})",
};

function fill(template: string, values: Record<string, string>): string {
  return template
    .replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole)
    .replace(/\s*\(\s*\)/g, "")
    .replace(/\s{2,}/g, " ")
    .trim();
}

/** The message of a signal in Vietnamese and English; the rule's own templates for open and escalate. */
export function renderAlertMessage(rule: AlertRule, signal: AlertSignal, station: StationContext): Bilingual {
  const subject = subjectLabel(signal.subject);
  const value = signal.value === null ? "—" : signal.value.toFixed(subject.decimals);
  const templates =
    signal.kind === "clear"
      ? DEFAULT_CLEAR
      : (rule.message ?? (rule.condition.type === "nodata" ? DEFAULT_NO_DATA : DEFAULT_OPEN));
  const area = station.areaName ?? station.area ?? "";
  const render = (language: "vi" | "en") =>
    fill(templates[language], {
      value,
      unit: subject.unit,
      station: station.name,
      area,
      metric: subject.label[language],
      severity: SEVERITY_LABEL[signal.severity][language],
      rule: rule.name,
    });
  return { vi: render("vi"), en: render("en") };
}
