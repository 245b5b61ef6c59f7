import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { Registry } from "prom-client";
import { createAlertRulesRepository } from "../../alerts/store/alert-rules-repository.js";
import { createWebhookRepository } from "../../alerts/store/webhook-repository.js";
import { type AuditLog, createAuditLog } from "../../auth/store/audit-log.js";
import { createOperatorSessions, type OperatorSessions } from "../../auth/store/operator-sessions.js";
import { createUserAccounts, type UserAccounts } from "../../auth/store/user-accounts.js";
import { createBrokerAccess } from "../../broker/broker-access.js";
import { createDeviceCredentials } from "../../devices/credentials/device-credentials.js";
import type { AqiStandard } from "../../indices/engine/index-series.js";
import type { FileStationsStore } from "../../industrial/index.js";
import type { Clock } from "../../kernel/clock.js";
import { createOpenData, type OpenData, type OpenDataSettings } from "../../open-data/index.js";
import type { Role } from "../../platform/http/access.js";
import type { ReadinessChecks } from "../../platform/http/health-routes.js";
import { createOutboundGuard } from "../../platform/http/outbound-guard.js";
import type { ScryptCost } from "../../platform/password-hash.js";
import { type ApiRateLimits, createApiServer } from "../../service/api-server.js";
import { communeCentroids } from "../../warnings/model/prefill.js";
import { type AgencyRepository, createAgencyRepository } from "../../warnings/store/agency-repository.js";
import { createMailRepository } from "../../warnings/store/mail-repository.js";
import { createWarningRepository } from "../../warnings/store/warning-repository.js";
import { createWarningService, type WarningService } from "../../warnings/warning-service.js";
import { alertServiceFor } from "./alert-service.js";
import { TEST_DEVICE_SECRET_KEY } from "./device-secret-key.js";
import { openSqliteFixture, type SqliteFixture } from "./sqlite-fixture.js";

export interface ApiServerOptions {
  /** No checks (always ready) when absent. */
  readonly readiness?: ReadinessChecks;
  readonly aqiStandard?: AqiStandard;
  /** INDEX_GRACE_MS and INDEX_TICK_MS as the AQI routes see them (0 and 0 when absent). */
  readonly indexTiming?: { readonly graceMs: number; readonly tickMs: number };
  /** A fresh, empty registry when absent. */
  readonly metricsRegistry?: Registry;
  readonly version?: string;
  /** The service's defaults when absent. */
  readonly rateLimits?: Partial<ApiRateLimits>;
  readonly corsOrigins?: readonly string[];
  /** A built dashboard to serve; an empty folder (the "not built" answer) when absent. */
  readonly dashboardRoot?: string;
  /** METRICS_TOKEN: /metrics is not served without one. */
  readonly metricsToken?: string;
  /** Serves open data (SensorThings, CSV, archives in the fixture's data directory) with these settings. */
  readonly openData?: Partial<OpenDataSettings>;
  /** Whether e-mail subscriptions are taken (an SMTP relay configured); off when absent. */
  readonly mailEnabled?: boolean;
  /** Facilities reporting by file: their routes are served with it. */
  readonly industrial?: FileStationsStore;
}

/** The password of every account `headersFor` creates ("test-admin", "test-operator", "test-viewer"). */
export const TEST_PASSWORD = "correct horse battery staple";
export const TEST_JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";
export const ACCESS_TOKEN_TTL_S = 900;
export const REFRESH_TOKEN_TTL_S = 7 * 86_400;
/** Cheap hashes: tests create many accounts; the production cost is tested in the store's own tests. */
export const TEST_SCRYPT_COST: ScryptCost = { N: 2 ** 10, r: 8, p: 1 };

export interface ApiUnderTest {
  readonly fixture: SqliteFixture;
  readonly accounts: UserAccounts;
  readonly sessions: OperatorSessions;
  readonly audit: AuditLog;
  /** The warning network over the fixture's database, shared by every server. */
  readonly warnings: WarningService;
  readonly agencies: AgencyRepository;
  /** A ready API server (for `inject`) over the fixture's stores; `close` closes it. */
  server(options?: ApiServerOptions): Promise<FastifyInstance>;
  /**
   * `Authorization: Bearer …` of an account with this role ("test-<role>", made on first use), signed
   * by the servers' secret. Needs a server first.
   */
  headersFor(role: Role): Promise<Record<string, string>>;
  /** The open-data feature of the newest server made with `openData` (its archives, to build a day). */
  openData(): OpenData | undefined;
  /** Closes every server, then the fixture, and removes the temporary directories. */
  close(): Promise<void>;
}

/**
 * The real stores in a temporary directory, and API servers over them with a silent logger and
 * no built dashboard. Seed `fixture` before or after calling `server`: routes read at request time.
 */
export async function openApiUnderTest(clock: Clock, prefix?: string): Promise<ApiUnderTest> {
  const fixture = await openSqliteFixture(clock, prefix);
  // An empty folder: the API answers as if the dashboard had not been built.
  const dashboardRoot = await mkdtemp(join(tmpdir(), "envmon-no-dashboard-"));
  const servers: FastifyInstance[] = [];
  const accounts = createUserAccounts(fixture.metadata, clock, { cost: TEST_SCRYPT_COST });
  const sessions = createOperatorSessions(fixture.metadata, clock, { ttlMs: REFRESH_TOKEN_TTL_S * 1000 });
  const audit = createAuditLog(fixture.metadata, clock);
  const made = new Map<Role, Promise<unknown>>();
  let latestOpenData: OpenData | undefined;
  const agencies = createAgencyRepository(fixture.metadata, clock);
  const warnings = createWarningService({
    repository: createWarningRepository(fixture.metadata),
    agencies,
    communes: async () => communeCentroids(await fixture.registry.list()),
    alerts: alertServiceFor(fixture.metadata, clock),
    clock,
    onListenerError: (_channel, error) => {
      throw error;
    },
  });
  return {
    fixture,
    accounts,
    sessions,
    audit,
    warnings,
    agencies,
    async server(options = {}) {
      const deviceSecrets = createDeviceCredentials(fixture.metadata, clock, {
        secretKey: TEST_DEVICE_SECRET_KEY,
      });
      const openData = options.openData
        ? await createOpenData(
            {
              dataDir: fixture.dataDir,
              archiveDays: 30,
              licence: { name: "CC BY 4.0", url: "https://creativecommons.org/licenses/by/4.0/" },
              publisher: "Test publisher",
              aqiStandard: options.aqiStandard ?? "vn",
              ratePerMinute: 100_000,
              ...options.openData,
            },
            {
              metadata: fixture.metadata,
              registry: fixture.registry,
              store: fixture.store,
              audit,
              clock,
              logger: pino({ level: "silent" }),
            },
          )
        : undefined;
      if (openData) latestOpenData = openData;
      const app = await createApiServer({
        logger: pino({ level: "silent" }),
        clock,
        store: fixture.store,
        registry: fixture.registry,
        deviceSecrets,
        brokerAccess: createBrokerAccess(
          { serviceClientPrefix: "svc-", servicePassword: "test-service-password-0123456789" },
          { credentials: deviceSecrets, clock },
        ),
        webhooks: createWebhookRepository(fixture.metadata, clock),
        webhookTargets: createOutboundGuard(),
        deadLetters: fixture.deadLetters,
        rules: createAlertRulesRepository(fixture.metadata, clock),
        alerts: alertServiceFor(fixture.metadata, clock),
        warnings,
        agencies,
        warningMail: createMailRepository(fixture.metadata),
        mailEnabled: options.mailEnabled ?? false,
        audit,
        accounts,
        sessions,
        jwtSecret: TEST_JWT_SECRET,
        accessTokenTtlS: ACCESS_TOKEN_TTL_S,
        corsOrigins: options.corsOrigins ?? [],
        cap: { sender: "quantrac@tayninh.test" },
        metricsRegistry: options.metricsRegistry ?? new Registry(),
        ...(options.metricsToken ? { metricsToken: options.metricsToken } : {}),
        readiness: options.readiness ?? {},
        dashboardRoot: options.dashboardRoot ?? dashboardRoot,
        version: options.version ?? "0.0.0-test",
        ...(options.aqiStandard ? { aqiStandard: options.aqiStandard } : {}),
        ...(options.indexTiming ? { indexTiming: options.indexTiming } : {}),
        ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
        ...(openData ? { openData } : {}),
        ...(options.industrial ? { industrial: options.industrial } : {}),
      });
      servers.push(app);
      await app.ready();
      return app;
    },
    async headersFor(role) {
      const app = servers[0];
      if (!app) throw new Error("headersFor needs a server: call api.server() first");
      const username = `test-${role}`;
      let creating = made.get(role);
      if (!creating) {
        creating = accounts.create({ username, password: TEST_PASSWORD, role });
        made.set(role, creating);
      }
      await creating;
      const token = app.jwt.sign(
        { sub: username, role, typ: "access" },
        { expiresIn: ACCESS_TOKEN_TTL_S, clockTimestamp: clock.now() },
      );
      return { authorization: `Bearer ${token}` };
    },
    openData: () => latestOpenData,
    async close() {
      for (const app of servers.splice(0)) await app.close();
      await fixture.close();
      await rm(dashboardRoot, { recursive: true, force: true });
    },
  };
}
