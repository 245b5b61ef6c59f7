import { HOUR_MS } from "../../kernel/time.js";
import type { Device } from "./contract.js";
import { pollutantName } from "./i18n.js";
import { aqiChip, floodBadge, paintCategory } from "./index-badges.js";
import { isFloodLevel } from "./index-display.js";
import type { IndexStore, StationAqi, StationFlood } from "./index-store.js";
import type { ViewContext } from "./view-context.js";

function span(className: string, text: string): HTMLSpanElement {
  const created = document.createElement("span");
  created.className = className;
  created.textContent = text;
  return created;
}

/** "14:00–15:00 21/11": the hour an hourly AQI covers, in Viet Nam time. */
export function aqiHourText(ts: string, ctx: ViewContext): string {
  const start = Date.parse(ts);
  const end = new Date(start + HOUR_MS);
  return `${ctx.format.hourMinute(new Date(start))}–${ctx.format.hourMinute(end)} ${ctx.format.date(new Date(start))}`;
}

/** Advice for both audiences, as one block of text (the cell's tooltip). */
export function adviceText(entry: StationAqi, ctx: ViewContext): string {
  const lines = [`${ctx.t("aqiHour")}: ${aqiHourText(entry.ts, ctx)}`];
  if (entry.advice !== null) {
    lines.push(`${ctx.t("adviceGeneral")}: ${entry.advice.general[ctx.language]}`);
    lines.push(
      `${ctx.t("adviceSensitive")} (${ctx.t("adviceSensitiveWho")}): ${entry.advice.sensitive[ctx.language]}`,
    );
  }
  return lines.join("\n");
}

function aqiPart(entry: StationAqi, ctx: ViewContext): HTMLElement {
  const part = span("index-aqi", "");
  const dominant =
    ctx.catalogue.get(entry.dominant)?.label[ctx.language] ?? pollutantName(entry.dominant, ctx.t);
  part.append(
    aqiChip(entry.aqi, entry.category, ctx.language),
    span("aqi-category", entry.category[ctx.language]),
    span("aqi-dominant", `${ctx.t("aqiDominant")}: ${dominant}`),
  );
  part.title = adviceText(entry, ctx);
  return part;
}

export function floodDetailText(entry: StationFlood, ctx: ViewContext): string {
  const metres = (value: number) => `${ctx.format.value(value, 2)} ${ctx.t("metres")}`;
  const lines: string[] = [];
  if (entry.waterLevel !== null && entry.ts !== null) {
    lines.push(`${ctx.t("floodWaterLevel")}: ${metres(entry.waterLevel)} · ${ctx.format.dateTime(entry.ts)}`);
  }
  if (entry.thresholds !== null) {
    const { I, II, III } = entry.thresholds;
    lines.push(`${ctx.t("floodThresholds")}: ${[I, II, III].map(metres).join(" / ")}`);
  }
  if (entry.suspect !== null) {
    lines.push(
      `${ctx.t("floodSuspect")}: ${metres(entry.suspect.waterLevel)} · ${ctx.format.dateTime(entry.suspect.ts)}`,
    );
  }
  return lines.join("\n");
}

function floodPart(entry: StationFlood, ctx: ViewContext): HTMLElement {
  const part = span("index-flood", "");
  if (isFloodLevel(entry.level)) {
    part.append(floodBadge(entry.level, entry.label?.[ctx.language] ?? ""));
  } else {
    part.append(
      span("index-missing", ctx.t(entry.thresholds === null ? "floodNoThresholds" : "floodNoData")),
    );
  }
  part.title = floodDetailText(entry, ctx);
  return part;
}

/** "Đang chờ AQI, giá trị đầu tiên khoảng 18:03": a new air station's AQI needs hours of data. */
export function aqiPendingText(expectedAt: string | null | undefined, ctx: ViewContext): string {
  if (expectedAt === undefined) return ctx.t("aqiNotYet");
  if (expectedAt === null) return ctx.t("aqiPendingNoData");
  return `${ctx.t("aqiPending")} ${ctx.format.hourMinute(expectedAt)}`;
}

function wqiPart(wqi: number, category: Parameters<typeof paintCategory>[1], ts: string, ctx: ViewContext) {
  const part = span("index-wqi", "");
  const chip = span("wqi-chip", `${ctx.t("wqiLabel")} ${wqi}`);
  paintCategory(chip, category);
  chip.dataset.wqi = String(wqi);
  part.append(chip, span("wqi-category", category[ctx.language]));
  part.title = `${ctx.t("aqiHour")}: ${aqiHourText(ts, ctx)}`;
  return part;
}

/** The station list's index column: AQI for air stations, the flood alarm level for water-level ones. */
export function fillIndexCell(
  cell: HTMLElement,
  device: Device,
  indices: IndexStore,
  ctx: ViewContext,
): void {
  const parts: HTMLElement[] = [];
  const aqi = indices.aqi(device.id);
  const flood = indices.flood(device.id);
  const wqi = indices.wqi(device.id);
  if (aqi !== undefined) parts.push(aqiPart(aqi, ctx));
  else if (device.kind === "air") {
    const pending = span(
      "index-missing index-pending",
      aqiPendingText(indices.aqiPending(device.id)?.expectedAt, ctx),
    );
    pending.title = ctx.t("aqiPendingNote");
    parts.push(pending);
  }
  if (wqi !== undefined) parts.push(wqiPart(wqi.wqi, wqi.category, wqi.ts, ctx));
  if (flood !== undefined) parts.push(floodPart(flood, ctx));
  cell.replaceChildren(...parts);
}
