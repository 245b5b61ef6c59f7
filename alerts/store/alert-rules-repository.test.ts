import { afterEach, beforeEach, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import { describeEachMetadataBackend, type MetadataFixture } from "../../test/support/metadata-backends.js";
import { MINIMAL_RULE, minimalRule } from "../../test/support/rule-fixture.js";
import { type AlertRulesRepository, createAlertRulesRepository } from "./alert-rules-repository.js";

const T0 = Date.UTC(2026, 10, 21, 1, 0, 0);

describeEachMetadataBackend("alert rules repository", (backend) => {
  let now = T0;
  const clock: Clock = { now: () => now };
  let fixture: MetadataFixture;
  let rules: AlertRulesRepository;
  let changes: number;

  beforeEach(async () => {
    now = T0;
    changes = 0;
    fixture = await backend.openFixture(clock);
    rules = createAlertRulesRepository(fixture.metadata, clock);
    rules.onChange(() => changes++);
  });

  afterEach(() => fixture.close());

  it("creates version 1, enabled; every update is a new version and the old ones stay", async () => {
    const created = await rules.create(minimalRule(), "nguyen.van.a");
    expect(created).toMatchObject({ ...MINIMAL_RULE, version: 1, enabled: true });
    expect(changes).toBe(1);

    now += 60_000;
    const raised = minimalRule({ condition: { type: "threshold", above: 150, clearBelow: 120 } });
    const updated = await rules.update(created.id, raised, "tran.thi.b");
    expect(updated).toMatchObject({ id: created.id, version: 2, condition: { above: 150 } });
    expect(await rules.get(created.id)).toEqual(updated);
    expect(changes).toBe(2);

    const withVersions = await rules.getWithVersions(created.id);
    expect(
      withVersions?.versions.map((v) => [v.version, v.actor, v.createdAt, v.definition.condition]),
    ).toEqual([
      [1, "nguyen.van.a", T0, expect.objectContaining({ above: 100, clearBelow: 80 })],
      [2, "tran.thi.b", T0 + 60_000, expect.objectContaining({ above: 150, clearBelow: 120 })],
    ]);
    expect(await rules.update(9999, raised, "x")).toBeUndefined();
    expect(changes).toBe(2);
  });

  it("disables and enables; a disabled rule is still listed, and repeating the same state changes nothing", async () => {
    const rule = await rules.create(minimalRule(), null);
    expect(await rules.setEnabled(rule.id, false)).toMatchObject({ id: rule.id, enabled: false, version: 1 });
    expect(changes).toBe(2);
    expect(await rules.setEnabled(rule.id, false)).toMatchObject({ enabled: false });
    expect(changes).toBe(2);
    expect((await rules.list()).map((r) => [r.id, r.enabled])).toEqual([[rule.id, false]]);
    expect(await rules.setEnabled(rule.id, true)).toMatchObject({ enabled: true });
    expect(changes).toBe(3);
    expect(await rules.setEnabled(9999, true)).toBeUndefined();
  });

  it("deletes softly: gone from the lists, its versions kept for the alerts raised under it", async () => {
    const kept = await rules.create(minimalRule({ name: "kept" }), null);
    const gone = await rules.create(minimalRule(), null);
    expect(await rules.remove(gone.id)).toEqual(gone);
    expect(changes).toBe(3);
    expect(await rules.get(gone.id)).toBeUndefined();
    expect(await rules.getWithVersions(gone.id)).toBeUndefined();
    expect((await rules.list()).map((r) => r.name)).toEqual(["kept"]);
    expect(await rules.remove(gone.id)).toBeUndefined();
    expect(await rules.update(gone.id, minimalRule(), null)).toBeUndefined();
    expect(await rules.setEnabled(gone.id, false)).toBeUndefined();
    const versions = await fixture.metadata
      .selectFrom("alert_rule_versions")
      .select("rule_id")
      .where("rule_id", "=", gone.id)
      .execute();
    expect(versions).toHaveLength(1);
    expect(kept.id).not.toBe(gone.id);
  });

  it("leaves out a stored definition the schema no longer accepts, and reports it", async () => {
    const reported: string[] = [];
    const repository = createAlertRulesRepository(fixture.metadata, clock, {
      onInvalidDefinition: (id, version, problem) => reported.push(`${id}/${version}: ${problem}`),
    });
    const good = await repository.create(minimalRule(), null);
    const bad = await repository.create(minimalRule({ name: "bad" }), null);
    await fixture.metadata
      .updateTable("alert_rule_versions")
      .set({ definition: JSON.stringify({ ...MINIMAL_RULE, severity: "apocalyptic" }) })
      .where("rule_id", "=", bad.id)
      .execute();
    expect((await repository.list()).map((r) => r.id)).toEqual([good.id]);
    expect(reported).toEqual([`${bad.id}/1: severity must be one of minor, major, critical`]);
  });

  it("keeps telling other listeners when one throws", async () => {
    const errors: unknown[] = [];
    const repository = createAlertRulesRepository(fixture.metadata, clock, {
      onListenerError: (e) => errors.push(e),
    });
    let told = 0;
    repository.onChange(() => {
      throw new Error("broken listener");
    });
    const unsubscribe = repository.onChange(() => told++);
    await repository.create(minimalRule(), null);
    unsubscribe();
    await repository.create(minimalRule(), null);
    expect(told).toBe(1);
    expect(errors).toHaveLength(2);
  });
});
