import type { Socket } from "socket.io-client";
import { z } from "zod";
import { type PublicWarningView, publicWarningSchema } from "../../warnings/model/index.js";
import { element } from "./dom.js";
import type { Formatters } from "./format.js";
import { createGetJson } from "./http-json.js";
import type { Language, Translate } from "./i18n.js";

const publicWarningsResponse = z.object({ warnings: z.array(publicWarningSchema) });

export interface ResidentWarnings {
  showArea(area: string | null): void;
  render(context: { language: Language; t: Translate; format: Formatters }): void;
}

/**
 * The agencies' warnings in force for the chosen commune, each in its risk level's colour with the
 * level's name (Decision 18/2021/QĐ-TTg). Read over REST, read again whenever /public announces a
 * warning event (the alerts' `subscribe` follows the commune for both) and after a reconnection.
 */
export function createResidentWarnings(deps: {
  readonly section: HTMLElement;
  readonly list: HTMLElement;
  readonly socket: Socket;
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  readonly log: Pick<Console, "warn">;
}): ResidentWarnings {
  const getJson = createGetJson(deps.baseUrl, deps.fetch);
  let area: string | null = null;
  let warnings: PublicWarningView[] = [];
  let context: { language: Language; t: Translate; format: Formatters } | undefined;

  const render = (c: { language: Language; t: Translate; format: Formatters }) => {
    context = c;
    deps.section.hidden = area === null || warnings.length === 0;
    const items = warnings.map((w) => {
      const li = element("li", "resident-warning");
      li.dataset.warningId = String(w.id);
      li.dataset.level = String(w.level);
      li.style.setProperty("--level-bg", w.levelInfo.hex);
      li.style.setProperty("--level-fg", w.levelInfo.textHex);
      const pick = (t: { vi: string; en: string | null }) => (c.language === "en" ? (t.en ?? t.vi) : t.vi);
      const level = element(
        "p",
        "resident-warning-level",
        `${w.levelInfo.name[c.language]} · ${pick(w.hazardName)}`,
      );
      li.append(
        level,
        element("h3", "resident-warning-headline", pick(w.headline)),
        element("p", "resident-warning-text", pick(w.description)),
      );
      const instruction = pick(w.instruction);
      if (instruction) li.append(element("p", "resident-warning-instruction", instruction));
      li.append(
        element(
          "p",
          "resident-warning-meta",
          `${pick(w.agency.name)} · ${c.format.dateTime(w.onset)} – ${c.format.dateTime(w.expires)}`,
        ),
      );
      return li;
    });
    deps.list.replaceChildren(...items);
  };

  async function load(chosen: string) {
    try {
      const answer = await getJson("/api/v1/public/warnings", { area: chosen }, publicWarningsResponse);
      if (area !== chosen) return;
      warnings = answer.warnings;
      if (context) render(context);
    } catch (error) {
      deps.log.warn("warnings could not be read", error);
    }
  }

  deps.socket.on("connect", () => {
    if (area !== null) void load(area);
  });
  deps.socket.on("warning", () => {
    if (area !== null) void load(area);
  });

  return {
    showArea(chosen) {
      if (chosen === area) return;
      area = chosen;
      warnings = [];
      if (context) render(context);
      if (chosen !== null) void load(chosen);
    },
    render,
  };
}
