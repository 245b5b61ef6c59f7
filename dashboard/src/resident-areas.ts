import type { Language } from "./i18n.js";
import { LOCALES } from "./i18n.js";

export interface AreaChoice {
  readonly code: string;
  readonly name: string;
}

/** The communes and wards that have a station, once each, in alphabetical order of their names. */
export function areasOf(
  stations: readonly { area: string | null; areaName: string | null }[],
  language: Language,
): AreaChoice[] {
  const byCode = new Map<string, string>();
  for (const { area, areaName } of stations) {
    if (area !== null && !byCode.has(area)) byCode.set(area, areaName ?? area);
  }
  const collator = new Intl.Collator(LOCALES[language], { numeric: true });
  return [...byCode]
    .map(([code, name]) => ({ code, name }))
    .sort((a, b) => collator.compare(a.name, b.name) || a.code.localeCompare(b.code));
}
