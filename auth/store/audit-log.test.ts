import { afterAll, beforeAll, expect, it } from "vitest";
import type { Clock } from "../../kernel/clock.js";
import { describeEachMetadataBackend, type MetadataFixture } from "../../test/support/metadata-backends.js";
import { type AuditLog, createAuditLog } from "./audit-log.js";

const START = Date.UTC(2026, 10, 22, 1, 0, 0);

describeEachMetadataBackend("audit log", (backend) => {
  let fixture: MetadataFixture;
  let audit: AuditLog;
  let now = START;
  const clock: Clock = { now: () => now };

  beforeAll(async () => {
    fixture = await backend.openFixture(clock);
    audit = createAuditLog(fixture.metadata, clock);
    const entries = [
      { actor: "admin", action: "user.create", target: "user:lan", before: null, after: { role: "viewer" } },
      {
        actor: "admin",
        action: "user.set-role",
        target: "user:lan",
        before: { role: "viewer" },
        after: { role: "operator" },
      },
      {
        actor: "lan",
        action: "alert.ack",
        target: "alert:7",
        before: null,
        after: { comment: "đã kiểm tra" },
      },
      {
        actor: "admin",
        action: "device.decommission",
        target: "device:tn-air-001",
        before: { lifecycle: "active" },
        after: null,
      },
    ];
    for (const entry of entries) {
      await audit.record({ ...entry, source: "10.0.0.5" });
      now += 60_000;
    }
  });

  afterAll(async () => {
    await fixture.close();
  });

  it("answers entries newest first with before and after as they were recorded", async () => {
    const all = await audit.query({});
    expect(all.map((e) => e.action)).toEqual([
      "device.decommission",
      "alert.ack",
      "user.set-role",
      "user.create",
    ]);
    expect(all[2]).toEqual({
      id: 2,
      at: START + 60_000,
      actor: "admin",
      action: "user.set-role",
      target: "user:lan",
      source: "10.0.0.5",
      before: { role: "viewer" },
      after: { role: "operator" },
    });
    expect(all[0]?.after).toBeNull();
    expect(all[3]?.before).toBeNull();
  });

  it("filters by actor, action, time (from inclusive, to exclusive) and limit", async () => {
    expect((await audit.query({ actor: "lan" })).map((e) => e.id)).toEqual([3]);
    expect((await audit.query({ action: "user.create" })).map((e) => e.id)).toEqual([1]);
    expect((await audit.query({ actor: "admin", limit: 2 })).map((e) => e.id)).toEqual([4, 2]);
    expect((await audit.query({ from: START + 60_000, to: START + 180_000 })).map((e) => e.id)).toEqual([
      3, 2,
    ]);
    expect(await audit.query({ actor: "nobody" })).toEqual([]);
  });
});
