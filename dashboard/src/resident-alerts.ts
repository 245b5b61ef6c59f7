import type { Socket } from "socket.io-client";
import { hazardAdvice } from "../../kernel/hazard-advice.js";
import { type AlertEventPayload, alertEventSchema, publicAlertsResponseSchema } from "./contract.js";
import { element } from "./dom.js";
import type { Formatters } from "./format.js";
import { createGetJson } from "./http-json.js";
import type { Language, MessageKey, Translate } from "./i18n.js";

interface ResidentAlert {
  readonly alertId: number;
  readonly severity: AlertEventPayload["severity"];
  readonly state: AlertEventPayload["state"];
  readonly metric: string;
  readonly message: { vi: string; en: string };
  readonly at: string;
}

const SEVERITY_RANK = { critical: 0, major: 1, minor: 2 } as const;

/** Active before cleared, then critical above major above minor, then the newest first. */
export function residentAlertOrder(a: ResidentAlert, b: ResidentAlert): number {
  return (
    Number(a.state !== "active") - Number(b.state !== "active") ||
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    b.alertId - a.alertId
  );
}

export interface ResidentAlerts {
  /** Follows one commune or ward (null: none chosen). */
  showArea(area: string | null): void;
  render(context: { language: Language; t: Translate; format: Formatters }): void;
  /** The newest event id seen, for the socket's handshake. */
  lastEventId(): number | undefined;
}

const SUBSCRIBE_TIMEOUT_MS = 15_000;

const SEVERITY_KEY: Record<ResidentAlert["severity"], MessageKey> = {
  minor: "severityMinor",
  major: "severityMajor",
  critical: "severityCritical",
};

/** Public alerts of the chosen area, live over the /public namespace. */
export function createResidentAlerts(deps: {
  readonly section: HTMLElement;
  readonly list: HTMLElement;
  readonly emptyNote: HTMLElement;
  /** "/public" namespace socket, created with autoConnect: false. */
  readonly socket: Socket;
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  readonly log: Pick<Console, "warn">;
}): ResidentAlerts {
  const getJson = createGetJson(deps.baseUrl, deps.fetch);
  const current = new Map<number, ResidentAlert>();
  let area: string | null = null;
  let lastEventId: number | undefined;
  let context: { language: Language; t: Translate; format: Formatters } | undefined;

  const render = (c: { language: Language; t: Translate; format: Formatters }) => {
    context = c;
    deps.section.hidden = area === null;
    const items = [...current.values()].sort(residentAlertOrder).map((alert) => {
      const li = element("li", `resident-alert severity-${alert.severity}`);
      li.dataset.alertId = String(alert.alertId);
      li.dataset.state = alert.state;
      const head = element("p", "resident-alert-head");
      head.append(
        element("strong", "resident-alert-severity", c.t(SEVERITY_KEY[alert.severity])),
        element(
          "span",
          "resident-alert-state",
          c.t(alert.state === "active" ? "alertStateActive" : "alertStateCleared"),
        ),
      );
      li.append(head, element("p", "resident-alert-message", alert.message[c.language]));
      const advice = alert.state === "active" ? hazardAdvice(alert.metric, alert.severity) : null;
      if (advice !== null) {
        const adviceLine = element("p", "resident-alert-advice");
        adviceLine.append(
          element("strong", undefined, `${c.t("residentAlertAdvice")}: `),
          document.createTextNode(advice[c.language]),
        );
        li.append(adviceLine);
      }
      li.append(element("p", "resident-alert-time", c.format.dateTime(alert.at)));
      return li;
    });
    deps.list.replaceChildren(...items);
    deps.emptyNote.hidden = items.length > 0;
  };
  const rerender = () => {
    if (context) render(context);
  };

  /**
   * Subscribes first and reads the current alerts once the server has the subscription: an alert
   * raised in between then arrives live rather than falling between the two.
   */
  async function follow(chosen: string) {
    deps.section.dataset.live = "false";
    try {
      const answer = (await deps.socket.timeout(SUBSCRIBE_TIMEOUT_MS).emitWithAck("subscribe", {
        areas: [chosen],
      })) as { ok: boolean; error?: string };
      if (!answer.ok) deps.log.warn("alert subscription refused", answer.error);
      const { alerts } = await getJson("/api/v1/public/alerts", { area: chosen }, publicAlertsResponseSchema);
      if (area !== chosen) return;
      for (const alert of alerts) {
        current.set(alert.id, {
          alertId: alert.id,
          severity: alert.severity,
          state: alert.state,
          metric: alert.metric,
          message: alert.message,
          at: alert.state === "cleared" ? (alert.clearedAt ?? alert.openedAt) : alert.openedAt,
        });
      }
      deps.section.dataset.live = "true";
      rerender();
    } catch (error) {
      deps.log.warn("public alerts could not be followed", error);
    }
  }

  deps.socket.on("connect", () => {
    if (area !== null) void follow(area);
  });
  deps.socket.on("alert", (payload: unknown) => {
    const parsed = alertEventSchema.safeParse(payload);
    if (!parsed.success) return;
    const event = parsed.data;
    lastEventId = Math.max(lastEventId ?? 0, event.id);
    if (event.area !== area) return;
    // A cleared alert stays, marked as over, until the centre resolves it.
    if (event.transition === "resolved") current.delete(event.alertId);
    else {
      const known = current.get(event.alertId);
      const keepsMessage = event.transition === "acknowledged" || event.transition === "reminder";
      current.set(event.alertId, {
        alertId: event.alertId,
        severity: event.severity,
        state: event.state,
        metric: event.metric,
        message: keepsMessage && known ? known.message : event.message,
        at: event.transition === "cleared" ? event.at : (known?.at ?? event.at),
      });
    }
    rerender();
  });
  deps.socket.connect();

  return {
    showArea(chosen) {
      if (chosen === area) return;
      area = chosen;
      current.clear();
      rerender();
      if (chosen !== null && deps.socket.connected) void follow(chosen);
    },
    render,
    lastEventId: () => lastEventId,
  };
}
