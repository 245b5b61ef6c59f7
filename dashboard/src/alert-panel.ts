import type { AlertEventPayload, AlertSummaryPayload } from "./contract.js";
import { element } from "./dom.js";
import type { Formatters } from "./format.js";
import type { Language, MessageKey, Translate } from "./i18n.js";

/** What the panel asks of the API. */
export interface AlertActions {
  active(): Promise<AlertSummaryPayload[]>;
  act(alertId: number, action: "ack" | "resolve", comment: string): Promise<void>;
}

interface ShownAlert {
  alertId: number;
  severity: AlertSummaryPayload["severity"];
  state: AlertSummaryPayload["state"];
  acknowledged: boolean;
  deviceId: string;
  message: { vi: string; en: string };
  at: string;
  reminded: boolean;
  /** Who acknowledged it and what they wrote, when this page saw it happen. */
  acknowledgement: { actor: string | null; comment: string | null } | null;
}

export interface AlertPanel {
  /** Current active alerts from the API, merged with what arrived live. */
  load(): Promise<void>;
  /** A live `alert` event; repeats (same id) are ignored. */
  accept(event: AlertEventPayload): void;
  /** The newest event id seen: a reconnecting socket asks for everything after it. */
  lastEventId(): number | undefined;
  render(context: { language: Language; t: Translate; format: Formatters }): void;
}

const SEVERITY_ORDER = { critical: 0, major: 1, minor: 2 } as const;
const SEVERITY_KEY: Record<ShownAlert["severity"], MessageKey> = {
  minor: "severityMinor",
  major: "severityMajor",
  critical: "severityCritical",
};
const SEEN_LIMIT = 5000;

/** The operators' live alert feed: new, escalated and cleared alerts, with acknowledge and resolve. */
export function createAlertPanel(deps: {
  readonly list: HTMLElement;
  readonly emptyNote: HTMLElement;
  readonly status: HTMLElement;
  readonly actions: AlertActions;
  /** The station's name as registered: alerts name stations, not device ids. */
  readonly stationName: (deviceId: string) => string;
  readonly log: Pick<Console, "warn">;
}): AlertPanel {
  const shown = new Map<number, ShownAlert>();
  const seen = new Set<number>();
  let lastEventId: number | undefined;
  let context: { language: Language; t: Translate; format: Formatters } | undefined;

  const rerender = () => {
    if (context) render(context);
  };

  function apply(event: AlertEventPayload) {
    if (event.transition === "resolved") {
      shown.delete(event.alertId);
      return;
    }
    const current = shown.get(event.alertId);
    shown.set(event.alertId, {
      alertId: event.alertId,
      severity: event.severity,
      state: event.state,
      acknowledged: event.acknowledged,
      deviceId: event.deviceId,
      message: event.transition === "acknowledged" && current ? current.message : event.message,
      at: event.transition === "opened" || !current ? event.at : current.at,
      reminded: event.transition === "reminder",
      acknowledgement:
        event.transition === "acknowledged"
          ? { actor: event.actor, comment: event.comment }
          : (current?.acknowledgement ?? null),
    });
  }

  async function act(alertId: number, action: "ack" | "resolve", comment: string) {
    try {
      await deps.actions.act(alertId, action, comment);
      deps.status.textContent = "";
    } catch (error) {
      deps.log.warn("alert action failed", error);
      deps.status.textContent = context
        ? `${context.t("alertActionFailed")}: ${String(error)}`
        : String(error);
    }
  }

  function item(
    alert: ShownAlert,
    c: { language: Language; t: Translate; format: Formatters },
  ): HTMLLIElement {
    const li = element("li", "alert-item");
    li.dataset.alertId = String(alert.alertId);
    li.dataset.severity = alert.severity;
    li.dataset.state = alert.state;
    li.dataset.acknowledged = String(alert.acknowledged);
    const head = element("div", "alert-head");
    head.append(
      element("span", `alert-severity severity-${alert.severity}`, c.t(SEVERITY_KEY[alert.severity])),
      element(
        "span",
        "alert-state",
        c.t(alert.state === "active" ? "alertStateActive" : "alertStateCleared"),
      ),
      element("span", "alert-ack", c.t(alert.acknowledged ? "alertAcknowledged" : "alertUnacknowledged")),
    );
    if (alert.reminded) head.append(element("span", "alert-reminder", c.t("alertReminder")));
    const message = element("p", "alert-message", alert.message[c.language]);
    const name = deps.stationName(alert.deviceId);
    const meta = element("p", "alert-meta");
    meta.append(
      element("span", "alert-station", name),
      document.createTextNode(
        `${name === alert.deviceId ? "" : ` (${alert.deviceId})`} · ${c.format.dateTime(alert.at)}`,
      ),
    );
    const acknowledgement =
      alert.acknowledgement === null
        ? null
        : element(
            "p",
            "alert-acknowledgement",
            `${c.t("alertAcknowledgedBy")} ${alert.acknowledgement.actor ?? "—"}${
              alert.acknowledgement.comment ? `: “${alert.acknowledgement.comment}”` : ""
            }`,
          );
    const form = element("form", "alert-actions");
    const comment = element("input", "alert-comment");
    comment.type = "text";
    comment.maxLength = 2000;
    comment.placeholder = c.t("alertComment");
    comment.setAttribute("aria-label", c.t("alertComment"));
    form.append(comment);
    const button = (action: "ack" | "resolve", label: MessageKey) => {
      const b = element("button", `alert-${action}`, c.t(label));
      b.type = "button";
      b.addEventListener("click", () => {
        b.disabled = true;
        void act(alert.alertId, action, comment.value.trim()).finally(() => {
          b.disabled = false;
        });
      });
      return b;
    };
    if (!alert.acknowledged) form.append(button("ack", "alertAcknowledge"));
    form.append(button("resolve", "alertResolve"));
    form.addEventListener("submit", (e) => e.preventDefault());
    li.append(head, message, meta);
    if (acknowledgement !== null) li.append(acknowledgement);
    li.append(form);
    return li;
  }

  function render(c: { language: Language; t: Translate; format: Formatters }) {
    context = c;
    const ordered = [...shown.values()].sort(
      (a, b) =>
        Number(a.state !== "active") - Number(b.state !== "active") ||
        SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
        b.alertId - a.alertId,
    );
    deps.list.replaceChildren(...ordered.map((alert) => item(alert, c)));
    deps.emptyNote.hidden = ordered.length > 0;
  }

  return {
    async load() {
      try {
        const active = await deps.actions.active();
        for (const summary of active) {
          if (shown.has(summary.id)) continue;
          shown.set(summary.id, {
            alertId: summary.id,
            severity: summary.severity,
            state: summary.state,
            acknowledged: summary.acknowledged,
            deviceId: summary.deviceId,
            message: summary.message,
            at: summary.openedAt,
            reminded: false,
            acknowledgement: null,
          });
        }
        deps.status.textContent = "";
      } catch (error) {
        deps.log.warn("alerts could not be loaded", error);
        if (context) deps.status.textContent = context.t("alertsError");
      }
      rerender();
    },

    accept(event) {
      if (seen.has(event.id)) return;
      seen.add(event.id);
      if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value as number);
      lastEventId = Math.max(lastEventId ?? 0, event.id);
      apply(event);
      rerender();
    },

    lastEventId: () => lastEventId,
    render,
  };
}
