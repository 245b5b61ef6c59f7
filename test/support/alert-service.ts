import type { Kysely } from "kysely";
import { type AlertService, createAlertService } from "../../alerts/alert-service.js";
import { createAlertRepository } from "../../alerts/store/alert-repository.js";
import type { AlertTables } from "../../alerts/store/alert-schema.js";
import type { Clock } from "../../kernel/clock.js";

/** Test support: the alert service over a test database, with listener errors collected or rethrown. */
export function alertServiceFor<DB extends AlertTables>(
  db: Kysely<DB>,
  clock: Clock,
  options: { readonly onListenerError?: (error: unknown) => void } = {},
): AlertService {
  return createAlertService({
    repository: createAlertRepository(db),
    clock,
    onListenerError: (_channel, error) => options.onListenerError?.(error),
  });
}
