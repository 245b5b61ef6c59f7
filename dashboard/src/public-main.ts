import { createLanguagePreference, RESIDENT_LANGUAGE_KEY } from "./i18n.js";
import { createPublicApiClient } from "./public-api-client.js";
import { startResidentPage } from "./resident-page.js";

/** Entry point of the residents' page (public.html): the only place that touches window globals. */

const AREA_FRAGMENT = /^#area=(.+)$/;

startResidentPage({
  document,
  api: createPublicApiClient({ baseUrl: window.location.origin, fetch: window.fetch.bind(window) }),
  languagePreference: createLanguagePreference(
    {
      getItem: (key) => window.localStorage.getItem(key),
      setItem: (key, value) => window.localStorage.setItem(key, value),
    },
    RESIDENT_LANGUAGE_KEY,
  ),
  selection: {
    get() {
      const match = AREA_FRAGMENT.exec(window.location.hash);
      return match?.[1] === undefined ? null : decodeURIComponent(match[1]);
    },
    set(area) {
      const fragment = area === null ? "" : `#area=${encodeURIComponent(area)}`;
      window.history.replaceState(
        null,
        "",
        `${window.location.pathname}${window.location.search}${fragment}`,
      );
    },
  },
  log: console,
});
