import type { AlertActions } from "./alert-panel.js";
import { alertsResponseSchema } from "./contract.js";
import { ApiError, createGetJson } from "./http-json.js";

/** The alert calls of the operators' API: the active list, acknowledge and resolve. */
export function createAlertActions(options: { baseUrl: string; fetch: typeof fetch }): AlertActions {
  const getJson = createGetJson(options.baseUrl, options.fetch);
  return {
    active: async () => (await getJson("/api/v1/alerts", { state: "active" }, alertsResponseSchema)).alerts,
    async act(alertId, action, comment) {
      const url = new URL(`/api/v1/alerts/${alertId}/${action}`, options.baseUrl);
      const response = await options.fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(comment === "" ? {} : { comment }),
      });
      if (!response.ok) {
        const body = (await response.json().catch(() => ({}))) as { message?: string };
        throw new ApiError(
          body.message ?? `POST ${url.pathname} answered ${response.status}`,
          response.status,
        );
      }
    },
  };
}
