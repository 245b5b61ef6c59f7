import { io } from "socket.io-client";
import { createAlertActions } from "./alert-actions.js";
import { createApiClient } from "./api-client.js";
import { startDashboard } from "./dashboard.js";
import { createLanguagePreference } from "./i18n.js";

/** Browser entry point: the only place that touches window globals. */

const STATION_FRAGMENT = /^#station=(.+)$/;

const selection = {
  get(): string | null {
    const match = STATION_FRAGMENT.exec(window.location.hash);
    return match?.[1] === undefined ? null : decodeURIComponent(match[1]);
  },
  set(deviceId: string | null): void {
    const fragment = deviceId === null ? "" : `#station=${encodeURIComponent(deviceId)}`;
    window.history.replaceState(null, "", `${window.location.pathname}${window.location.search}${fragment}`);
  },
};

// The handshake names the last alert seen, so a reconnection replays exactly what was missed.
let lastAlertId: () => number | undefined = () => undefined;
const socket = io(`${window.location.origin}/ops`, {
  autoConnect: false,
  auth: (send) => {
    const last = lastAlertId();
    send(last === undefined ? {} : { lastAlertId: last });
  },
});

const dashboard = startDashboard({
  document,
  api: createApiClient({ baseUrl: window.location.origin, fetch: window.fetch.bind(window) }),
  alerts: createAlertActions({ baseUrl: window.location.origin, fetch: window.fetch.bind(window) }),
  socket,
  // Looked up on each use: merely touching window.localStorage throws where storage is disabled.
  languagePreference: createLanguagePreference({
    getItem: (key) => window.localStorage.getItem(key),
    setItem: (key, value) => window.localStorage.setItem(key, value),
  }),
  now: () => Date.now(),
  selection,
  log: console,
});
lastAlertId = dashboard.lastAlertId;
