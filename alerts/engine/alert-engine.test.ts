import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MetricKey } from "../../kernel/catalogue.js";
import type { Clock } from "../../kernel/clock.js";
import { openSqliteDatabase } from "../../platform/sqlite/sqlite-database.js";
import {
  createInProcessReadingsFeed,
  type StoredReadingsFeed,
} from "../../readings/feed/stored-readings-feed.js";
import type { MetadataDatabase } from "../../service/metadata.js";
import { openServiceMetadata } from "../../service/metadata.js";
import { minimalRule, testRule } from "../../test/support/rule-fixture.js";
import type { AlertSignal } from "../model/evaluator.js";
import type { AlertRule, RuleDefinitionInput } from "../model/rule.js";
import { alertStateMigrations } from "../store/alert-state-migrations.js";
import { createAlertStateStore } from "../store/alert-state-store.js";
import {
  type AlertEngine,
  type AlertSignalContext,
  createAlertEngine,
  type StationInfo,
} from "./alert-engine.js";

const T0 = Date.parse("2026-11-23T01:00:00Z"); // Monday 08:00 in Asia/Ho_Chi_Minh
const MINUTE = 60_000;
const logger = pino({ level: "silent" });

const AIR: StationInfo = {
  id: "tn-air-001",
  name: "Trạm Phường Tân Ninh",
  kind: "air",
  area: "25747",
  areaName: "Phường Tân Ninh",
  floodLevels: null,
};
const AIR_2: StationInfo = {
  ...AIR,
  id: "tn-air-002",
  name: "Trạm Phường Bình Minh",
  area: "25750",
  areaName: "Phường Bình Minh",
};
const RIVER: StationInfo = {
  id: "tn-wl-001",
  name: "Trạm thủy văn Gò Dầu",
  kind: "water_level",
  area: "26011",
  areaName: "Xã Gò Dầu",
  floodLevels: { I: 1.2, II: 1.5, III: 1.8 },
};

interface Received {
  readonly signal: AlertSignal;
  readonly context: AlertSignalContext;
}

/** One engine on a real metadata database, with a clock, stations and rules the test controls. */
class Harness {
  now = T0;
  readonly clock: Clock = { now: () => this.now };
  rules: AlertRule[] = [];
  stations: StationInfo[] = [AIR, AIR_2, RIVER];
  readonly received: Received[] = [];
  failSignals = false;
  /** Look-up of one station, when the test gives one. */
  lookUp: ((id: string) => StationInfo | undefined) | undefined;
  readonly feed: StoredReadingsFeed = createInProcessReadingsFeed((_channel, error) => {
    throw error;
  });
  engine!: AlertEngine;

  constructor(private readonly db: Kysely<MetadataDatabase>) {}

  async start(graceMs = 0): Promise<AlertEngine> {
    this.engine = createAlertEngine(
      { graceMs, tickMs: 3_600_000, saveEveryMs: 3_600_000 },
      {
        rules: { list: async () => this.rules },
        stations: {
          list: async () => this.stations,
          get: this.lookUp ? async (id) => this.lookUp?.(id) : undefined,
        },
        states: createAlertStateStore(this.db),
        clock: this.clock,
        logger,
        onSignal: async (signal, context) => {
          if (this.failSignals) throw new Error("database unavailable");
          this.received.push({ signal, context });
        },
      },
    );
    const engine = this.engine;
    this.feed.subscribe((readings) => engine.acceptStored(readings));
    await this.engine.start();
    return this.engine;
  }

  /** Readings at `minute` (also the clock's time), evaluated before this resolves. */
  async publish(minute: number, device: string, values: Partial<Record<MetricKey, number>>): Promise<void> {
    this.now = T0 + minute * MINUTE;
    this.feed.publish(
      Object.entries(values).map(([metric, value]) => ({
        deviceId: device,
        metric: metric as MetricKey,
        ts: this.now,
        value: value as number,
      })),
    );
    await this.engine.settled();
  }

  async tickAt(minute: number): Promise<void> {
    this.now = T0 + minute * MINUTE;
    await this.engine.tick();
  }

  kinds(): string[] {
    return this.received.map(({ signal }) => `${signal.kind}:${signal.source}:${signal.severity}`);
  }
}

function rule(definition: Partial<RuleDefinitionInput> & Pick<RuleDefinitionInput, "condition">, id: number) {
  return testRule(definition, id);
}

describe("alert engine", () => {
  let dataDir: string;
  let db: Kysely<MetadataDatabase>;
  let harness: Harness;

  const openDatabase = async () => {
    const opened = await openServiceMetadata(openSqliteDatabase(dataDir));
    // The migration this feature ships (a no-op where an earlier one already made the table).
    await alertStateMigrations["2026-11-22-007-alert-rule-state"]?.up(opened as Kysely<unknown>);
    return opened;
  };

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "alert-engine-"));
    db = await openDatabase();
    harness = new Harness(db);
  });

  afterEach(async () => {
    await harness.engine?.stop();
    await db.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("opens on the issue's minimal rule, with the station's names and a bilingual message", async () => {
    harness.rules = [{ ...minimalRule(), id: 1, version: 1, enabled: true }];
    await harness.start();
    await harness.publish(0, AIR.id, { pm25: 120.44 });
    await harness.publish(1, AIR_2.id, { pm25: 500 });
    await harness.publish(2, AIR.id, { pm25: 90 });
    await harness.publish(3, AIR.id, { pm25: 79 });
    expect(harness.kinds()).toEqual(["open:tn-air-001:major", "clear:tn-air-001:major"]);
    expect(harness.received[0]).toEqual({
      signal: {
        kind: "open",
        ruleId: 1,
        ruleVersion: 1,
        source: AIR.id,
        subject: "pm25",
        value: 120.44,
        severity: "major",
        at: T0,
      },
      context: {
        ruleName: "PM2.5 high",
        audience: "public",
        deviceName: AIR.name,
        area: AIR.area,
        areaName: AIR.areaName,
        unit: "µg/m³",
        message: {
          vi: "Cảnh báo nghiêm trọng: Bụi PM2.5 tại Trạm Phường Tân Ninh (Phường Tân Ninh) là 120,4 µg/m³",
          en: "Major alert: PM2.5 at Trạm Phường Tân Ninh (Phường Tân Ninh) is 120.4 µg/m³",
        },
      },
    });
  });

  it("evaluates a reading only against the rules on its metric and in its scope", async () => {
    for (let i = 0; i < 2000; i++) {
      harness.rules.push(rule({ metric: "no2", condition: { type: "threshold", above: 100 } }, 100 + i));
      harness.rules.push(
        rule({ scope: { device: `other-${i}` }, condition: { type: "threshold", above: 1 } }, 5000 + i),
      );
    }
    harness.rules.push(
      rule({ scope: { area: AIR.area as string }, condition: { type: "threshold", above: 100 } }, 1),
    );
    harness.rules.push(rule({ scope: { kind: "air" }, condition: { type: "threshold", above: 100 } }, 2));
    const engine = await harness.start();

    await harness.publish(0, AIR.id, { pm25: 50 });
    expect(engine.evaluations()).toBe(2); // the area rule and the kind rule
    await harness.publish(1, AIR_2.id, { pm25: 50 });
    expect(engine.evaluations()).toBe(3); // only the kind rule
    await harness.publish(2, AIR.id, { temperature: 35, humidity: 80 });
    expect(engine.evaluations()).toBe(3); // nobody watches these
    await harness.publish(3, AIR.id, { no2: 50 });
    expect(engine.evaluations()).toBe(2003);
  });

  it("finds a station registered after the start on its first reading", async () => {
    harness.rules = [rule({ scope: { area: "25747" }, condition: { type: "threshold", above: 100 } }, 1)];
    harness.stations = [];
    await harness.start();
    harness.stations = [AIR];
    await harness.publish(0, AIR.id, { pm25: 150 });
    expect(harness.received.map(({ context }) => [context.deviceName, context.areaName])).toEqual([
      [AIR.name, AIR.areaName],
    ]);
  });

  it("looks one new station up when it can, and an unknown one not on every reading", async () => {
    harness.rules = [rule({ condition: { type: "threshold", above: 100 } }, 1)];
    harness.stations = [];
    const lookedUp: string[] = [];
    harness.lookUp = (id) => {
      lookedUp.push(id);
      return id === AIR.id ? AIR : undefined;
    };
    await harness.start();
    await harness.publish(0, AIR.id, { pm25: 150 });
    await harness.publish(0, "stranger", { pm25: 150 });
    await harness.publish(0.1, "stranger", { pm25: 150 });
    await harness.publish(0.2, AIR.id, { pm25: 150 });
    expect(lookedUp).toEqual([AIR.id, "stranger"]);
    expect(harness.received.map(({ context }) => [context.deviceName, context.area])).toEqual([
      [AIR.name, AIR.area],
      ["stranger", null],
    ]);
  });

  it("evaluates flood levels from water levels against the station's alarm levels", async () => {
    harness.rules = [
      rule(
        {
          metric: "flood_level",
          scope: { kind: "water_level" },
          condition: { type: "threshold", above: 0 },
          severity: "minor",
          escalation: [
            { severity: "major", above: 1 },
            { severity: "critical", above: 2 },
          ],
          audience: "public",
        },
        1,
      ),
    ];
    await harness.start();
    await harness.publish(0, RIVER.id, { water_level: 1.0 });
    await harness.publish(10, RIVER.id, { water_level: 1.3 });
    await harness.publish(20, RIVER.id, { water_level: 1.6 });
    await harness.publish(30, RIVER.id, { water_level: 1.9 });
    await harness.publish(40, RIVER.id, { water_level: 1.1 });
    expect(harness.kinds()).toEqual([
      "open:tn-wl-001:minor",
      "escalate:tn-wl-001:major",
      "escalate:tn-wl-001:critical",
      "clear:tn-wl-001:critical",
    ]);
    expect(harness.received[1]?.context.message.vi).toBe(
      "Cảnh báo tăng lên mức nghiêm trọng: Cấp báo động lũ tại Trạm thủy văn Gò Dầu (Xã Gò Dầu) là Báo động II",
    );
  });

  it("raises no flood alert on one absurd water level, and one on a rise the next reading confirms", async () => {
    harness.rules = [
      rule(
        {
          metric: "flood_level",
          scope: { kind: "water_level" },
          condition: { type: "threshold", above: 0 },
          severity: "major",
          audience: "public",
        },
        1,
      ),
    ];
    await harness.start();
    for (const [t, level] of [
      [0, 1.0],
      [10, 1.01],
      [20, 1.02],
      [30, 17.39],
      [40, 1.03],
    ] as const) {
      await harness.publish(t, RIVER.id, { water_level: level });
    }
    expect(harness.kinds()).toEqual([]);
    await harness.publish(50, RIVER.id, { water_level: 2.4 });
    expect(harness.kinds()).toEqual([]);
    await harness.publish(60, RIVER.id, { water_level: 2.45 });
    expect(harness.kinds()).toEqual(["open:tn-wl-001:major"]);
    expect(harness.received[0]?.signal.value).toBe(3);
  });

  it("evaluates hourly AQI from the index engine, not daily", async () => {
    harness.rules = [rule({ metric: "aqi", condition: { type: "threshold", above: 150 } }, 1)];
    const engine = await harness.start();
    const event = { station: AIR.id, ts: new Date(T0).toISOString(), aqi: 180 };
    engine.acceptAqi({ ...event, period: "day" });
    await engine.settled();
    expect(harness.received).toEqual([]);
    engine.acceptAqi({ ...event, period: "hour" });
    await engine.settled();
    expect(harness.kinds()).toEqual(["open:tn-air-001:major"]);
    expect(harness.received[0]?.context.message.en).toBe(
      "Major alert: Hourly AQI at Trạm Phường Tân Ninh (Phường Tân Ninh) is 180",
    );
  });

  it("raises nothing for a station in maintenance, and watches it again once it is back", async () => {
    harness.stations = [{ ...AIR, lifecycle: "maintenance" }];
    harness.rules = [rule({ condition: { type: "repeat", above: 100, count: 2 } }, 1)];
    const engine = await harness.start();
    await harness.publish(0, AIR.id, { pm25: 300 });
    await harness.publish(1, AIR.id, { pm25: 300 });
    await harness.publish(2, AIR.id, { pm25: 300 });
    expect(harness.received).toEqual([]);
    harness.stations = [{ ...AIR, lifecycle: "active" }];
    await engine.reloadStations();
    await harness.publish(3, AIR.id, { pm25: 300 });
    expect(harness.received).toEqual([]);
    await harness.publish(4, AIR.id, { pm25: 300 });
    expect(harness.kinds()).toEqual(["open:tn-air-001:major"]);
  });

  describe("no data", () => {
    const silence = () => rule({ scope: { kind: "air" }, condition: { type: "nodata", seconds: 300 } }, 1);

    it("waits out the grace period after a start, then raises only for the silent station", async () => {
      harness.rules = [silence()];
      await harness.start(10 * MINUTE);
      for (let minute = 0; minute <= 12; minute++) {
        await harness.publish(minute, AIR.id, { pm25: 20 });
        await harness.tickAt(minute);
        if (minute < 10) expect(harness.received, `minute ${minute}`).toEqual([]);
      }
      expect(harness.kinds()).toEqual(["open:tn-air-002:major"]);
      expect(harness.received[0]?.signal.at).toBe(T0 + 10 * MINUTE);
      expect(harness.received[0]?.context.message.en).toBe(
        "Major alert: station Trạm Phường Bình Minh (Phường Bình Minh) has stopped sending PM2.5",
      );
      await harness.publish(13, AIR_2.id, { pm25: 20 });
      expect(harness.kinds()).toEqual(["open:tn-air-002:major", "clear:tn-air-002:major"]);
    });

    it("does not raise for every station after a restart when they resume within the grace period", async () => {
      harness.rules = [silence()];
      await harness.start(10 * MINUTE);
      await harness.publish(0, AIR.id, { pm25: 20 });
      await harness.publish(0, AIR_2.id, { pm25: 20 });
      await harness.engine.stop();

      // Down for an hour; both stations resume two minutes after the restart.
      harness.now = T0 + 60 * MINUTE;
      await harness.start(10 * MINUTE);
      await harness.tickAt(61);
      await harness.publish(62, AIR.id, { pm25: 20 });
      await harness.publish(62, AIR_2.id, { pm25: 20 });
      for (let minute = 63; minute <= 75; minute++) {
        await harness.publish(minute, AIR.id, { pm25: 20 });
        await harness.publish(minute, AIR_2.id, { pm25: 20 });
        await harness.tickAt(minute);
      }
      expect(harness.received).toEqual([]);
    });

    it("counts silence from when a rule is created, not from the start of the service", async () => {
      const engine = await harness.start();
      for (let minute = 0; minute <= 20; minute++) await harness.publish(minute, AIR.id, { pm25: 20 });
      harness.rules = [rule({ scope: { device: AIR.id }, condition: { type: "nodata", seconds: 300 } }, 1)];
      await engine.reload();
      await harness.tickAt(21);
      await harness.tickAt(25);
      expect(harness.received).toEqual([]);
      await harness.tickAt(26);
      expect(harness.kinds()).toEqual(["open:tn-air-001:major"]);
    });

    it("counts a station's silence from the end of its maintenance", async () => {
      harness.rules = [silence()];
      harness.stations = [{ ...AIR, lifecycle: "maintenance" }];
      const engine = await harness.start();
      await harness.tickAt(30);
      expect(harness.received).toEqual([]);
      harness.stations = [AIR];
      await engine.reloadStations();
      await harness.tickAt(35);
      expect(harness.received).toEqual([]);
      await harness.tickAt(36);
      expect(harness.kinds()).toEqual(["open:tn-air-001:major"]);
    });
  });

  it("opens no alert at the clock's time for a backlog stamped 30 minutes ago (issue 11)", async () => {
    // The minimal rule: above 100, clear below 80, the default cooldown of 300 s.
    harness.rules = [{ ...minimalRule(), id: 1, version: 1, enabled: true }];
    harness.now = T0 + 30 * MINUTE;
    await harness.start();
    const late = async (readings: readonly [number, number][]) => {
      harness.feed.publish(
        readings.map(([offsetMs, value]) => ({ deviceId: AIR.id, metric: "pm25", ts: T0 + offsetMs, value })),
      );
      await harness.engine.settled();
    };
    await late([
      [0, 150],
      [10_000, 50],
      [20_000, 150],
    ]);
    for (const minute of [30, 31, 40, 90]) await harness.tickAt(minute);
    expect(harness.received.map(({ signal }) => [signal.kind, signal.at])).toEqual([
      ["open", T0],
      ["clear", T0 + 10_000],
    ]);
    // On the readings' time line the cooldown ends at T0 + 310 s: a breach stamped after it opens.
    await late([[330_000, 150]]);
    expect(harness.received.map(({ signal }) => [signal.kind, signal.at])).toEqual([
      ["open", T0],
      ["clear", T0 + 10_000],
      ["open", T0 + 330_000],
    ]);
  });

  describe("restart mid-duration", () => {
    const fifteenMinutes = () => rule({ condition: { type: "duration", above: 100, seconds: 900 } }, 1);

    async function tenMinutesIn(): Promise<void> {
      harness.rules = [fifteenMinutes()];
      await harness.start();
      for (const minute of [0, 5, 10]) await harness.publish(minute, AIR.id, { pm25: 150 });
      await harness.tickAt(10);
      expect(harness.received).toEqual([]);
      await harness.engine.stop();
      // A new connection to the same database file, as after a process restart.
      await db.destroy();
      db = await openDatabase();
      harness = Object.assign(new Harness(db), { rules: [fifteenMinutes()] });
    }

    /** Readings the broker kept for the ingest while the service was down, arriving now. */
    async function queued(readings: readonly [number, number][]): Promise<void> {
      harness.feed.publish(
        readings.map(([minute, value]) => ({
          deviceId: AIR.id,
          metric: "pm25",
          ts: T0 + minute * MINUTE,
          value,
        })),
      );
      await harness.engine.settled();
    }

    it("fires with the reading at minute 15 when the service comes back at minute 15", async () => {
      await tenMinutesIn();
      harness.now = T0 + 15 * MINUTE;
      await harness.start();
      expect(harness.received).toEqual([]);
      await harness.publish(15, AIR.id, { pm25: 150 });
      expect(harness.received.map(({ signal }) => [signal.kind, signal.value, signal.at])).toEqual([
        ["open", 150, T0 + 15 * MINUTE],
      ]);
    });

    it("fires at the time of the queued reading that completes it, not at the restart", async () => {
      await tenMinutesIn();
      harness.now = T0 + 20 * MINUTE;
      await harness.start();
      await harness.tickAt(20);
      expect(harness.received).toEqual([]);
      await queued([
        [12, 150],
        [15, 140],
      ]);
      expect(harness.received.map(({ signal }) => [signal.kind, signal.value, signal.at])).toEqual([
        ["open", 140, T0 + 15 * MINUTE],
      ]);
    });

    it("does not fire when the queued readings show the breach ended while the service was down", async () => {
      await tenMinutesIn();
      harness.now = T0 + 20 * MINUTE;
      await harness.start();
      await queued([
        [11, 90],
        [16, 150],
      ]);
      for (const minute of [20, 25, 40]) await harness.tickAt(minute);
      expect(harness.received).toEqual([]);
    });
  });

  describe("rule changes", () => {
    it("clears open alerts of a rule that is disabled, and of stations that left its scope", async () => {
      const wide = rule({ scope: { kind: "air" }, condition: { type: "threshold", above: 100 } }, 1);
      const other = rule({ scope: { kind: "air" }, condition: { type: "threshold", above: 100 } }, 2);
      harness.rules = [wide, other];
      const engine = await harness.start();
      await harness.publish(0, AIR.id, { pm25: 150 });
      await harness.publish(0, AIR_2.id, { pm25: 150 });
      expect(harness.received).toHaveLength(4);
      harness.received.length = 0;

      harness.now = T0 + 5 * MINUTE;
      harness.rules = [
        { ...wide, enabled: false },
        { ...other, version: 2, scope: { device: AIR.id } },
      ];
      await engine.reload();
      const cleared = harness.received
        .map(({ signal }) => [signal.kind, signal.ruleId, signal.source, signal.value, signal.at].join(" "))
        .sort();
      expect(cleared).toEqual([
        `clear 1 ${AIR.id}  ${T0 + 5 * MINUTE}`,
        `clear 1 ${AIR_2.id}  ${T0 + 5 * MINUTE}`,
        `clear 2 ${AIR_2.id}  ${T0 + 5 * MINUTE}`,
      ]);
      expect(harness.received[0]?.context.message.vi).toContain("không còn theo dõi");
      await engine.stop();
      const rows = await db.selectFrom("alert_rule_state").select(["rule_id", "source", "state"]).execute();
      expect(rows.map((row) => [row.rule_id, row.source, JSON.parse(row.state).active]).sort()).toEqual([
        [2, AIR.id, true], // still in scope: the alert stays open
        [2, AIR_2.id, false],
      ]);
    });

    it("after an operator resolves, opens again only once the cooldown has passed", async () => {
      harness.rules = [rule({ condition: { type: "threshold", above: 100 }, cooldownSeconds: 600 }, 1)];
      const engine = await harness.start();
      await harness.publish(0, AIR.id, { pm25: 150 });
      harness.now = T0 + MINUTE;
      engine.forget(1, AIR.id);
      await harness.publish(5, AIR.id, { pm25: 150 });
      expect(harness.kinds()).toEqual(["open:tn-air-001:major"]);
      await harness.publish(11, AIR.id, { pm25: 150 });
      expect(harness.kinds()).toEqual(["open:tn-air-001:major", "open:tn-air-001:major"]);
    });
  });

  it("raises a signal again when handing it over failed", async () => {
    harness.rules = [rule({ condition: { type: "threshold", above: 100 } }, 1)];
    await harness.start();
    harness.failSignals = true;
    await harness.publish(0, AIR.id, { pm25: 150 });
    expect(harness.received).toEqual([]);
    harness.failSignals = false;
    await harness.publish(1, AIR.id, { pm25: 140 });
    expect(harness.received.map(({ signal }) => [signal.kind, signal.value])).toEqual([["open", 140]]);
  });

  it("writes the evaluation state on stop, and only the state that matters right away", async () => {
    harness.rules = [rule({ condition: { type: "threshold", above: 100, forSeconds: 600 } }, 1)];
    await harness.start();
    await harness.publish(0, AIR.id, { pm25: 150 });
    const store = createAlertStateStore(db);
    expect(await store.load()).toEqual([]); // the save timer has not run yet
    await harness.engine.stop();
    const saved = await store.load();
    expect(saved).toEqual([
      {
        ruleId: 1,
        source: AIR.id,
        state: { active: false, ruleVersion: 1, breachSince: T0, lastSeen: T0, lastValue: 150 },
      },
    ]);
  });
});
