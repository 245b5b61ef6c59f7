import type { Kysely } from "kysely";
import { afterEach, beforeEach, expect, it } from "vitest";
import { describeEachMetadataBackend } from "../../test/support/metadata-backends.js";
import { alertStateMigrations } from "./alert-state-migrations.js";
import { type AlertStateTables, createAlertStateStore } from "./alert-state-store.js";

describeEachMetadataBackend("alert evaluation state store", (backend) => {
  let db: Kysely<AlertStateTables>;
  let close: () => Promise<void>;

  beforeEach(async () => {
    // Only this feature's migration, on an empty database: it stands on its own.
    ({ db, close } = await backend.openWith<AlertStateTables>(alertStateMigrations));
  });

  afterEach(() => close());

  it("saves, replaces and loads states as JSON", async () => {
    const store = createAlertStateStore(db);
    await store.save(
      [
        { ruleId: 1, source: "a", state: { active: false, breachSince: 10, lastValue: 120 } },
        { ruleId: 1, source: "b", state: { active: true, severity: "major", openedAt: 5 } },
        { ruleId: 2, source: "a", state: { active: false, window: [[1, 2.5]] } },
      ],
      100,
    );
    await store.save(
      [{ ruleId: 1, source: "a", state: { active: true, severity: "critical", openedAt: 20 } }],
      200,
    );
    const loaded = await store.load();
    expect(loaded.sort((x, y) => x.ruleId - y.ruleId || x.source.localeCompare(y.source))).toEqual([
      { ruleId: 1, source: "a", state: { active: true, severity: "critical", openedAt: 20 } },
      { ruleId: 1, source: "b", state: { active: true, severity: "major", openedAt: 5 } },
      { ruleId: 2, source: "a", state: { active: false, window: [[1, 2.5]] } },
    ]);
    const stamps = await db
      .selectFrom("alert_rule_state")
      .select(["source", "updated_at"])
      .where("rule_id", "=", 1)
      .execute();
    expect(stamps.map((row) => [row.source, Number(row.updated_at)]).sort()).toEqual([
      ["a", 200],
      ["b", 100],
    ]);
  });

  it("saves many entries in one go", async () => {
    const store = createAlertStateStore(db);
    const entries = Array.from({ length: 2_500 }, (_, i) => ({
      ruleId: i % 7,
      source: `dev-${i}`,
      state: { active: i % 2 === 0 },
    }));
    await store.save(entries, 1);
    expect(await store.load()).toHaveLength(2_500);
  });

  it("keeps only the listed rules", async () => {
    const store = createAlertStateStore(db);
    const entries = Array.from({ length: 1_200 }, (_, i) => ({
      ruleId: i,
      source: "a",
      state: { active: false },
    }));
    await store.save(entries, 1);
    await store.keepOnly([3, 700]);
    expect((await store.load()).map((e) => e.ruleId).sort((a, b) => a - b)).toEqual([3, 700]);
    await store.keepOnly([]);
    expect(await store.load()).toEqual([]);
  });

  it("skips a damaged row instead of failing the engine's start", async () => {
    await db
      .insertInto("alert_rule_state")
      .values([
        { rule_id: 1, source: "a", state: "{not json", updated_at: 1 },
        { rule_id: 1, source: "b", state: '"a string"', updated_at: 1 },
        { rule_id: 1, source: "c", state: '{"active":false,"streak":2}', updated_at: 1 },
      ])
      .execute();
    expect(await createAlertStateStore(db).load()).toEqual([
      { ruleId: 1, source: "c", state: { active: false, streak: 2 } },
    ]);
  });

  it("runs on the metadata database after the earlier alert migrations", async () => {
    const database = await backend.createDatabase();
    const metadata = await database.open();
    try {
      await alertStateMigrations["2026-11-22-007-alert-rule-state"]?.up(metadata as Kysely<unknown>);
      const store = createAlertStateStore(metadata);
      await store.save([{ ruleId: 9, source: "x", state: { active: true } }], 1);
      expect(await store.load()).toEqual([{ ruleId: 9, source: "x", state: { active: true } }]);
    } finally {
      await database.close();
    }
  });
});
