import type { Logger } from "pino";
import {
  type AlertSignal,
  type EvaluationState,
  evaluate,
  initialState,
  type Sample,
  tick,
} from "../../domain/alerts/evaluator.js";
import { renderAlertMessage } from "../../domain/alerts/messages.js";
import type { AlertRule, RuleSubject } from "../../domain/alerts/rule.js";
import { buildRuleIndex, inScope, type RuleIndex } from "../../domain/alerts/rule-index.js";
import type { Clock } from "../../domain/clock.js";
import type { FloodLevels } from "../../domain/device.js";
import { floodAlarmLevel } from "../../domain/indices/flood-level.js";
import type { Reading } from "../../domain/reading.js";
import type { AlertStateStore } from "../../store/alert-state-store.js";
import type { SignalContext } from "../../store/alert-store.js";
import type { StoredReadingsFeed } from "../stored-readings-feed.js";

/** What the engine needs to know about a station. */
export interface StationInfo {
  readonly id: string;
  readonly name: string;
  readonly kind: string | null;
  readonly area: string | null;
  readonly areaName: string | null;
  readonly floodLevels: FloodLevels | null;
}

export interface AlertEngineOptions {
  /** No-data rules stay silent this long after start, so a restart raises nothing for every station. */
  readonly graceMs: number;
  /** How often durations and no-data timers are checked. */
  readonly tickMs: number;
  /** How often evaluation state is written to the database. */
  readonly saveEveryMs: number;
}

export interface AlertEngineDeps {
  readonly rules: { list(): Promise<AlertRule[]> };
  readonly feed: StoredReadingsFeed;
  readonly stations: { list(): Promise<StationInfo[]> };
  readonly states: AlertStateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Stores and delivers a signal; awaited, so transitions are stored in order. */
  readonly onSignal: (signal: AlertSignal, context: SignalContext) => Promise<void>;
}

export interface AlertEngine {
  start(): Promise<void>;
  /** Rules changed: rebuild the index (state of rules that remain is kept). */
  reload(): Promise<void>;
  /** An hourly AQI of a station (from the index engine). */
  acceptAqi(event: {
    readonly station: string;
    readonly period: string;
    readonly ts: string;
    readonly aqi: number;
  }): void;
  /** An operator resolved the alert: start afresh for this rule and station. */
  forget(ruleId: number, source: string): void;
  /** Resolves when everything received so far has been evaluated and its signals stored. */
  settled(): Promise<void>;
  readonly evaluations: () => number;
  stop(): Promise<void>;
}

const STATION_REFRESH_MS = 30_000;
const stateKey = (ruleId: number, source: string) => `${ruleId}|${source}`;

/**
 * Evaluates rules on every stored reading (and on hourly AQI), in arrival order. Per reading the
 * work is a lookup of the rules on that metric and station, not a scan of all rules.
 */
export function createAlertEngine(options: AlertEngineOptions, deps: AlertEngineDeps): AlertEngine {
  const { clock, logger } = deps;
  let index: RuleIndex = buildRuleIndex([]);
  const states = new Map<string, { ruleId: number; source: string; state: EvaluationState }>();
  const dirty = new Set<string>();
  const stations = new Map<string, StationInfo>();
  let stationsLoadedAt = Number.NEGATIVE_INFINITY;
  let startedAt = 0;
  let evaluations = 0;
  let queue: Promise<void> = Promise.resolve();
  let unsubscribe: (() => void) | undefined;
  let tickTimer: NodeJS.Timeout | undefined;
  let saveTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const enqueue = (work: () => Promise<void>) => {
    queue = queue
      .then(work)
      .catch((err: unknown) => logger.error({ err }, "alert engine: evaluation failed"));
    return queue;
  };

  async function refreshStations(force = false) {
    if (!force && clock.now() - stationsLoadedAt < STATION_REFRESH_MS) return;
    stationsLoadedAt = clock.now();
    for (const station of await deps.stations.list()) stations.set(station.id, station);
  }

  async function station(id: string): Promise<StationInfo> {
    if (!stations.has(id)) await refreshStations(true);
    return stations.get(id) ?? { id, name: id, kind: null, area: null, areaName: null, floodLevels: null };
  }

  function stateOf(rule: AlertRule, source: string): EvaluationState {
    return states.get(stateKey(rule.id, source))?.state ?? initialState();
  }

  async function apply(
    rule: AlertRule,
    info: StationInfo,
    next: { state: EvaluationState; signals: AlertSignal[] },
  ) {
    const key = stateKey(rule.id, info.id);
    states.set(key, { ruleId: rule.id, source: info.id, state: next.state });
    dirty.add(key);
    for (const signal of next.signals) {
      const message = renderAlertMessage(rule, signal, info);
      await deps.onSignal(signal, { area: info.area, audience: rule.audience, message });
    }
  }

  async function evaluateSample(subject: RuleSubject, info: StationInfo, sample: Sample) {
    for (const rule of index.rulesFor(subject, info)) {
      evaluations++;
      await apply(rule, info, evaluate(rule, info.id, stateOf(rule, info.id), sample));
    }
  }

  async function onReadings(readings: readonly Reading[]) {
    for (const reading of readings) {
      const floodWatched = reading.metric === "water_level" && index.watches("flood_level");
      if (!index.watches(reading.metric) && !floodWatched) continue;
      const info = await station(reading.deviceId);
      const sample = { ts: reading.ts, value: reading.value };
      await evaluateSample(reading.metric, info, sample);
      if (floodWatched && info.floodLevels) {
        const level = floodAlarmLevel(reading.value, info.floodLevels);
        await evaluateSample("flood_level", info, { ts: reading.ts, value: level });
      }
    }
  }

  async function onTick() {
    const now = clock.now();
    const context = { startedAt, graceMs: options.graceMs };
    await refreshStations();
    for (const rule of index.withCondition("nodata")) {
      for (const info of stations.values()) {
        if (!inScope(rule, info)) continue;
        await apply(rule, info, tick(rule, info.id, stateOf(rule, info.id), now, context));
      }
    }
    for (const type of ["threshold", "duration"] as const) {
      for (const rule of index.withCondition(type)) {
        for (const entry of states.values()) {
          if (entry.ruleId !== rule.id || entry.state.breachSince === undefined) continue;
          const result = tick(rule, entry.source, entry.state, now, context);
          if (result.signals.length > 0) await apply(rule, await station(entry.source), result);
        }
      }
    }
  }

  async function save() {
    if (dirty.size === 0) return;
    const entries = [...dirty].flatMap((key) => {
      const entry = states.get(key);
      return entry ? [entry] : [];
    });
    dirty.clear();
    await deps.states.save(entries, clock.now());
  }

  async function loadRules() {
    const rules = await deps.rules.list();
    index = buildRuleIndex(rules);
    const ids = new Set(rules.map((r) => r.id));
    for (const [key, entry] of states) if (!ids.has(entry.ruleId)) states.delete(key);
    await deps.states.keepOnly([...ids]);
  }

  return {
    async start() {
      startedAt = clock.now();
      for (const entry of await deps.states.load()) states.set(stateKey(entry.ruleId, entry.source), entry);
      await loadRules();
      await refreshStations(true);
      unsubscribe = deps.feed.subscribe((readings) => {
        if (index.size > 0) void enqueue(() => onReadings(readings));
      });
      tickTimer = setInterval(() => void enqueue(onTick), options.tickMs);
      saveTimer = setInterval(() => void enqueue(save), options.saveEveryMs);
      // A duration that completed while the service was down fires now, not a tick later.
      await enqueue(onTick);
    },

    reload: () => enqueue(loadRules),

    acceptAqi(event) {
      if (event.period !== "hour" || !index.watches("aqi")) return;
      void enqueue(async () => {
        const info = await station(event.station);
        await evaluateSample("aqi", info, { ts: Date.parse(event.ts), value: event.aqi });
      });
    },

    forget(ruleId, source) {
      void enqueue(async () => {
        const key = stateKey(ruleId, source);
        const previous = states.get(key)?.state;
        states.set(key, {
          ruleId,
          source,
          state: { active: false, lastSeen: previous?.lastSeen, lastClearedAt: clock.now() },
        });
        dirty.add(key);
      });
    },

    settled: () => queue,
    evaluations: () => evaluations,

    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe?.();
      clearInterval(tickTimer);
      clearInterval(saveTimer);
      await queue;
      await save();
    },
  };
}
