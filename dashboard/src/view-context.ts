import type { CatalogueMetric } from "./contract.js";
import type { Formatters } from "./format.js";
import type { Language, Translate } from "./i18n.js";

/** What every view renders with: the language, its messages, its formatters and the metric catalogue. */
export interface ViewContext {
  language: Language;
  t: Translate;
  format: Formatters;
  catalogue: ReadonlyMap<string, CatalogueMetric>;
}
