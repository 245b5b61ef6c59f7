import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertServiceFor } from "../../test/support/alert-service.js";
import { openTestAlert } from "../../test/support/open-test-alert.js";
import { openSqliteFixture, type SqliteFixture } from "../../test/support/sqlite-fixture.js";
import { createAlertRulesRepository } from "./alert-rules-repository.js";
import { webhookMigrations } from "./webhook-migrations.js";

describe("webhook migration 2026-11-22-008", () => {
  let fixture: SqliteFixture;
  let db: Kysely<unknown>;
  const migration = webhookMigrations["2026-11-22-008-webhooks"];

  beforeAll(async () => {
    fixture = await openSqliteFixture({ now: () => 0 }, "envmon-webhook-migration-");
    db = fixture.metadata as Kysely<unknown>;
  });

  afterAll(() => fixture.close());

  it("creates the tables and indexes, and may run again over them", async () => {
    await migration?.up(db);
    await migration?.up(db);
    const names = await sql<{ name: string }>`
      SELECT name FROM sqlite_master WHERE name LIKE 'webhook%' ORDER BY name`.execute(db);
    expect(names.rows.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        "webhook_deliveries",
        "webhook_deliveries_due",
        "webhook_deliveries_transition",
        "webhooks",
      ]),
    );
  });

  it("allows one delivery per webhook and transition", async () => {
    await sql`INSERT INTO webhooks (name, url, audience, secret, created_at) VALUES ('a', 'http://x', 'public', 's', 0)`.execute(
      db,
    );
    const clock = { now: () => 0 };
    const opened = await openTestAlert(
      {
        rules: createAlertRulesRepository(fixture.metadata, clock),
        alerts: alertServiceFor(fixture.metadata, clock),
      },
      0,
    );
    const insert = sql`INSERT INTO webhook_deliveries (webhook_id, transition_id, status, next_attempt_at)
      VALUES (1, ${opened.id}, 'pending', 0)`;
    await insert.execute(db);
    await expect(insert.execute(db)).rejects.toThrow(/UNIQUE/);
  });
});
