import "./zod-without-eval.js";
import { io } from "socket.io-client";
import { createAlertActions } from "./alert-actions.js";
import { createApiClient } from "./api-client.js";
import { startDashboard } from "./dashboard.js";
import { openStaffPage } from "./staff-page.js";

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

async function boot(): Promise<void> {
  const { session, languagePreference } = await openStaffPage();

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
