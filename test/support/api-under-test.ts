import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { Registry } from "prom-client";
import type { ReadinessChecks } from "../../api/routes/health.js";
import { createApiServer } from "../../api/server.js";
import type { Clock } from "../../domain/clock.js";
import type { AqiStandard } from "../../ingest/indices/index-series.js";
import { createAlertRulesRepository } from "../../store/alert-rules-repository.js";
import { createAlertStore } from "../../store/alert-store.js";
import { createAuditLog } from "../../store/audit-log.js";
import { openSqliteFixture, type SqliteFixture } from "./sqlite-fixture.js";

export interface ApiServerOptions {
  /** No checks (always ready) when absent. */
  readonly readiness?: ReadinessChecks;
  readonly aqiStandard?: AqiStandard;
  /** A fresh, empty registry when absent. */
  readonly metricsRegistry?: Registry;
  readonly version?: string;
}

export interface ApiUnderTest {
  readonly fixture: SqliteFixture;
  /** A ready API server (for `inject`) over the fixture's stores; `close` closes it. */
  server(options?: ApiServerOptions): Promise<FastifyInstance>;
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
  return {
    fixture,
    async server(options = {}) {
      const app = await createApiServer({
        logger: pino({ level: "silent" }),
        clock,
        store: fixture.store,
        registry: fixture.registry,
        deadLetters: fixture.deadLetters,
        rules: createAlertRulesRepository(fixture.metadata, clock),
        alerts: createAlertStore(fixture.metadata, clock),
        audit: createAuditLog(fixture.metadata, clock),
        cap: { sender: "quantrac@tayninh.test" },
        metricsRegistry: options.metricsRegistry ?? new Registry(),
        readiness: options.readiness ?? {},
        dashboardRoot,
        version: options.version ?? "0.0.0-test",
        ...(options.aqiStandard ? { aqiStandard: options.aqiStandard } : {}),
      });
      servers.push(app);
      await app.ready();
      return app;
    },
    async close() {
      for (const app of servers.splice(0)) await app.close();
      await fixture.close();
      await rm(dashboardRoot, { recursive: true, force: true });
    },
  };
}
