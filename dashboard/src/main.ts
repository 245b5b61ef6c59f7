import "./zod-without-eval.js";
import { io } from "socket.io-client";
import { createAlertActions } from "./alert-actions.js";
import { createApiClient } from "./api-client.js";
import { startDashboard } from "./dashboard.js";
import { applyStaticTranslations, createLanguagePreference, translator } from "./i18n.js";
import { askForLogin } from "./login-view.js";
import { createSession } from "./session.js";

/** Browser entry point: the only place that touches window globals. */

const STATION_FRAGMENT = /^#station=(.+)$/;
/** After the server refuses the live feed's token: renew it and try again this much later. */
const SOCKET_RETRY_MS = 2_000;

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

function element<T extends HTMLElement>(selector: string, type: new () => T): T {
  const found = document.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`dashboard markup is missing ${selector}`);
  return found;
}

// Looked up on each use: merely touching window.localStorage throws where storage is disabled.
const languagePreference = createLanguagePreference({
  getItem: (key) => window.localStorage.getItem(key),
  setItem: (key, value) => window.localStorage.setItem(key, value),
});
const session = createSession({
  baseUrl: window.location.origin,
  fetch: window.fetch.bind(window),
  storage: window.sessionStorage,
  now: () => Date.now(),
});
// Logged out here or elsewhere (a refused refresh token): start again from the login form.
session.onEnded(() => window.location.reload());

async function boot(): Promise<void> {
  if (!session.loggedIn()) {
    const t = () => translator(languagePreference.get());
    applyStaticTranslations(document, t());
    await askForLogin({
      dialog: element("#login", HTMLElement),
      form: element("#login-form", HTMLFormElement),
      username: element("#login-username", HTMLInputElement),
      password: element("#login-password", HTMLInputElement),
      error: element("#login-error", HTMLElement),
      t,
      login: (username, password) => session.login(username, password),
    });
  }
  const user = session.user();
  element("#session-user", HTMLElement).textContent = user ? `${user.username} (${user.role})` : "";
  const logout = element("#logout", HTMLButtonElement);
  logout.hidden = false;
  logout.addEventListener("click", () => void session.logout());

  // The handshake carries the access token and the last alert seen, so a reconnection is checked
  // again and replays exactly the alerts that were missed.
  let lastAlertId: () => number | undefined = () => undefined;
  const socket = io(`${window.location.origin}/ops`, {
    autoConnect: false,
    auth: (send) => {
      void session.token().then((token) => {
        const last = lastAlertId();
        send({ token, ...(last === undefined ? {} : { lastAlertId: last }) });
      });
    },
  });
  // A refused handshake is not retried by Socket.IO itself: renew the token and connect again.
  socket.on("connect_error", (error) => {
    if (error.message !== "unauthorized" || socket.active) return;
    setTimeout(() => {
      if (session.loggedIn()) socket.connect();
    }, SOCKET_RETRY_MS);
  });

  const dashboard = startDashboard({
    document,
    api: createApiClient({ baseUrl: window.location.origin, fetch: session.fetch }),
    alerts: createAlertActions({ baseUrl: window.location.origin, fetch: session.fetch }),
    socket,
    languagePreference,
    now: () => Date.now(),
    selection,
    log: console,
  });
  lastAlertId = dashboard.lastAlertId;
}

void boot();
