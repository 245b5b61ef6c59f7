/** Test support: an open alert to deliver, list or migrate around. */

import type { AlertService } from "../../alerts/alert-service.js";
import type { AlertTransition } from "../../alerts/model/alert-lifecycle.js";
import type { Bilingual } from "../../alerts/model/messages.js";
import type { Audience } from "../../alerts/model/rule.js";
import type { AlertRulesRepository } from "../../alerts/store/alert-rules-repository.js";
import { minimalRule } from "./rule-fixture.js";

export interface TestAlertOptions {
  readonly audience?: Audience;
  readonly value?: number;
  readonly area?: string | null;
  readonly message?: Bilingual;
}

/**
 * Stores the minimal rule (for the audience) and opens an alert of it on tn-air-001 at
 * the given time, through the store given, so that its listeners hear of it. Returns the
 * "opened" transition.
 */
export async function openTestAlert(
  stores: { readonly rules: AlertRulesRepository; readonly alerts: AlertService },
  at: number,
  { audience = "public", value = 142.5, area = "tan-ninh", message }: TestAlertOptions = {},
): Promise<AlertTransition> {
  const rule = await stores.rules.create(minimalRule({ audience }), "test");
  const opened = await stores.alerts.applySignal(
    {
      kind: "open",
      ruleId: rule.id,
      ruleVersion: rule.version,
      source: "tn-air-001",
      subject: "pm25",
      value,
      severity: "major",
      at,
    },
    { area, audience, message: message ?? { vi: "Bụi PM2.5 cao", en: "PM2.5 high" } },
  );
  if (!opened) throw new Error("the alert did not open");
  return opened;
}
