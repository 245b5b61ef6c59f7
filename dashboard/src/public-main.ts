import "./zod-without-eval.js";
import { io } from "socket.io-client";
import { createLanguagePreference, RESIDENT_LANGUAGE_KEY } from "./i18n.js";
import { createPublicApiClient } from "./public-api-client.js";
import { createResidentAlerts } from "./resident-alerts.js";
import { startResidentPage } from "./resident-page.js";
import { createResidentWarnings } from "./resident-warnings.js";

/** Entry point of the residents' page (public.html): the only place that touches window globals. */

const AREA_FRAGMENT = /^#area=(.+)$/;

function requireElement(selector: string): HTMLElement {
  const found = document.querySelector(selector);
  if (!(found instanceof HTMLElement)) throw new Error(`resident page markup is missing ${selector}`);
  return found;
}

// The handshake names the last alert seen, so a reconnection replays exactly what was missed.
let lastAlertId: () => number | undefined = () => undefined;
const socket = io(`${window.location.origin}/public`, {
  autoConnect: false,
  auth: (send) => {
    const last = lastAlertId();
    send(last === undefined ? {} : { lastAlertId: last });
  },
});
const alerts = createResidentAlerts({
  section: requireElement("#alerts-section"),
  list: requireElement("#resident-alerts"),
  emptyNote: requireElement("#resident-alerts-empty"),
  socket,
  baseUrl: window.location.origin,
  fetch: window.fetch.bind(window),
  log: console,
});
lastAlertId = alerts.lastEventId;
const warnings = createResidentWarnings({
  section: requireElement("#warnings-section"),
  list: requireElement("#resident-warnings"),
  socket,
  baseUrl: window.location.origin,
  fetch: window.fetch.bind(window),
  log: console,
});

startResidentPage({
  document,
  // The agencies' warnings follow the same commune as the sensor alerts.
  alerts: {
    showArea(area) {
      alerts.showArea(area);
      warnings.showArea(area);
    },
    render(context) {
      alerts.render(context);
      warnings.render(context);
    },
    lastEventId: alerts.lastEventId,
  },
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
