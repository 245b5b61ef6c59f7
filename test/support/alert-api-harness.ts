import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { AlertService } from "../../alerts/alert-service.js";
import { alertRoutes } from "../../alerts/api/alert-routes.js";
import { ruleRoutes } from "../../alerts/api/rule-routes.js";
import {
  type AlertRulesRepository,
  createAlertRulesRepository,
} from "../../alerts/store/alert-rules-repository.js";
import { type AuditLog, createAuditLog } from "../../auth/store/audit-log.js";
import type { Clock } from "../../kernel/clock.js";
import type { AuthenticatedUser, RouteAccess } from "../../platform/http/access.js";
import { API_V1_PREFIX } from "../../platform/http/access.js";
import { registerErrorReplies } from "../../platform/http/error-replies.js";
import { alertServiceFor } from "./alert-service.js";
import { openSqliteFixture, type SqliteFixture } from "./sqlite-fixture.js";

/** Tests: the request header that names the signed-in operator (the access-control plugin's job in the service). */
export const TEST_USER_HEADER = "x-test-user";

export interface AlertApiHarness {
  readonly app: FastifyInstance;
  readonly fixture: SqliteFixture;
  readonly rules: AlertRulesRepository;
  readonly alerts: AlertService;
  readonly audit: AuditLog;
  /** "METHOD /path" → the access the route declares. */
  readonly declaredAccess: ReadonlyMap<string, RouteAccess | undefined>;
  /** How often the rule routes waited for the engine to have a change. */
  appliedCalls(): number;
  close(): Promise<void>;
}

/**
 * The rule and alert routes alone over real stores in a temporary SQLite database, with the
 * service's zod compilers and error replies (thrown catalogue errors answered as the API does). `request.user` comes from TEST_USER_HEADER, standing in for the
 * access-control plugin, which these routes only read.
 */
export async function openAlertApiHarness(clock: Clock): Promise<AlertApiHarness> {
  const fixture = await openSqliteFixture(clock, "envmon-alert-api-");
  const rules = createAlertRulesRepository(fixture.metadata, clock);
  const alerts = alertServiceFor(fixture.metadata, clock);
  const audit = createAuditLog(fixture.metadata, clock);
  let applied = 0;
  const declaredAccess = new Map<string, RouteAccess | undefined>();

  const app = Fastify().withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorReplies(app);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      if (method !== "HEAD") declaredAccess.set(`${method} ${route.url}`, route.config?.access);
    }
  });
  app.addHook("onRequest", async (request) => {
    const username = request.headers[TEST_USER_HEADER];
    if (typeof username === "string") {
      const user: AuthenticatedUser = { username, role: "admin" };
      (request as unknown as { user: AuthenticatedUser }).user = user;
    }
  });
  await app.register(ruleRoutes, {
    prefix: API_V1_PREFIX,
    rules,
    audit,
    applied: async () => {
      applied++;
    },
  });
  await app.register(alertRoutes, {
    prefix: API_V1_PREFIX,
    alerts,
    audit,
  });
  await app.ready();

  return {
    app,
    fixture,
    rules,
    alerts,
    audit,
    declaredAccess,
    appliedCalls: () => applied,
    async close() {
      await app.close();
      await fixture.close();
    },
  };
}
