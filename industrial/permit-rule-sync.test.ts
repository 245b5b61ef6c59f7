import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AlertRulesRepository,
  createAlertRulesRepository,
  ruleDefinitionSchema,
} from "../alerts/index.js";
import { openSqliteFixture, type SqliteFixture } from "../test/support/sqlite-fixture.js";
import { DEMO_FACILITIES } from "./demo-facility.js";
import { type FacilitiesFile, facilitiesFileSchema } from "./model/facilities.js";
import { syncPermitRules } from "./permit-rule-sync.js";

const logger = pino({ level: "silent" });
const NOW = Date.parse("2026-03-02T08:00:00+07:00");

describe("permit limits and transmission gaps as alert rules (real SQLite)", () => {
  const clock = { now: () => NOW };
  let fixture: SqliteFixture;
  let rules: AlertRulesRepository;
  const facilities = facilitiesFileSchema.parse(DEMO_FACILITIES);

  beforeEach(async () => {
    fixture = await openSqliteFixture(clock, "envmon-permits-");
    rules = createAlertRulesRepository(fixture.metadata, clock);
  });
  afterEach(() => fixture.close());

  it("creates one threshold rule per limit side and one no-data rule per station, once", async () => {
    // Wastewater: COD, TSS, N-NH4, pH min and max, no data; stack: dust, SO2, NOx, CO, no data.
    expect(await syncPermitRules(rules, facilities, NOW, logger)).toEqual({
      created: 11,
      updated: 0,
      disabled: 0,
    });
    const stored = await rules.list();
    const cod = stored.find((r) => r.name.startsWith("[GPMT tn-ww-001 cod max]"));
    expect(cod).toMatchObject({
      metric: "cod",
      scope: { device: "tn-ww-001" },
      condition: { type: "threshold", above: 75 },
      severity: "major",
      audience: "operators",
    });
    expect(stored.find((r) => r.name.startsWith("[GPMT tn-ww-001 ph min]"))?.condition).toMatchObject({
      below: 6,
    });
    expect(stored.find((r) => r.name.startsWith("[GPMT tn-stack-001 nodata]"))).toMatchObject({
      metric: "stack_flow",
      condition: { type: "nodata", seconds: 15 * 60 },
    });
    // Nothing changed: nothing written.
    expect(await syncPermitRules(rules, facilities, NOW, logger)).toEqual({
      created: 0,
      updated: 0,
      disabled: 0,
    });
  });

  it("follows a changed permit, disables rules of ended permits, and leaves operators' rules alone", async () => {
    await syncPermitRules(rules, facilities, NOW, logger);
    const own = await rules.create(
      ruleDefinitionSchema.parse({
        name: "Operator's own COD rule",
        metric: "cod",
        scope: { device: "tn-ww-001" },
        condition: { type: "threshold", above: 100 },
        severity: "minor",
        audience: "operators",
      }),
      "admin",
    );
    const changed: FacilitiesFile = structuredClone(facilities);
    const station = changed.facilities[0]?.stations[0];
    if (!station) throw new Error("demo station missing");
    station.limits = station.limits
      .filter((l) => l.metric !== "tss")
      .map((l) => (l.metric === "cod" ? { ...l, max: 50, permit: "02/GPMT" } : l));
    expect(await syncPermitRules(rules, changed, NOW, logger)).toEqual({
      created: 0,
      updated: 1,
      disabled: 1,
    });
    const after = await rules.list();
    expect(after.find((r) => r.name.startsWith("[GPMT tn-ww-001 cod max]"))?.condition).toMatchObject({
      above: 50,
    });
    expect(after.find((r) => r.name.startsWith("[GPMT tn-ww-001 tss max]"))?.enabled).toBe(false);
    expect(after.find((r) => r.id === own.id)?.enabled).toBe(true);
  });
});
