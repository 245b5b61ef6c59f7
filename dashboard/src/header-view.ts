import type { Formatters } from "./format.js";
import type { Language, MessageKey, Translate } from "./i18n.js";
import type { FeedState } from "./live-feed.js";

export interface HeaderView {
  render(language: Language, t: Translate, format: Formatters): void;
  setFeedState(state: FeedState): void;
  stop(): void;
}

export interface HeaderViewOptions {
  clock: HTMLTimeElement;
  feedState: HTMLElement;
  languageButtons: readonly HTMLButtonElement[];
  now: () => number;
  onLanguageChosen(language: Language): void;
}

const FEED_STATE_KEYS: Record<FeedState, MessageKey> = {
  connecting: "feedConnecting",
  connected: "feedConnected",
  disconnected: "feedDisconnected",
  rejected: "feedRejected",
};

/** Clock in Viet Nam time, live-feed state and the language switch. */
export function createHeaderView(options: HeaderViewOptions): HeaderView {
  const { clock, feedState, languageButtons, now } = options;
  let t: Translate | null = null;
  let format: Formatters | null = null;
  let state: FeedState = "connecting";

  const tick = () => {
    if (format === null) return;
    const at = new Date(now());
    clock.textContent = format.dateTime(at);
    clock.dateTime = at.toISOString();
  };
  const showFeedState = () => {
    feedState.dataset.state = state;
    if (t !== null) feedState.textContent = t(FEED_STATE_KEYS[state]);
  };

  for (const button of languageButtons) {
    button.addEventListener("click", () => {
      const language = button.dataset.lang;
      if (language === "vi" || language === "en") options.onLanguageChosen(language);
    });
  }
  const timer = setInterval(tick, 1000);

  return {
    render(language, nextT, nextFormat) {
      t = nextT;
      format = nextFormat;
      for (const button of languageButtons) {
        button.setAttribute("aria-pressed", String(button.dataset.lang === language));
      }
      tick();
      showFeedState();
    },
    setFeedState(next) {
      state = next;
      showFeedState();
    },
    stop: () => clearInterval(timer),
  };
}
