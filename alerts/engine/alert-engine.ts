import type { Logger } from "pino";
import type { DeviceLifecycle, FloodLevels } from "../../devices/index.js";
import { floodAlarmLevel } from "../../indices/index.js";
import type { Clock } from "../../kernel/clock.js";
import { createPlausibilityGate, type PlausibilityGate } from "../../kernel/plausibility.js";
import type { Reading } from "../../kernel/reading.js";
import {
  type AlertSignal,
  afterResolve,
  type Evaluation,
  type EvaluationState,
  evaluate,
  initialState,
  type Sample,
  tick,
  withdraw,
} from "../model/evaluator.js";
import { type Bilingual, renderAlertMessage, subjectLabel } from "../model/messages.js";
import type { AlertRule, Audience, RuleSubject } from "../model/rule.js";
import { buildRuleIndex, inScope, type RuleIndex } from "../model/rule-index.js";
import type { AlertStateStore, StoredEvaluationState } from "../store/alert-state-store.js";

/** What the engine needs to know about a station. */
export interface StationInfo {
  readonly id: string;
  readonly name: string;
  readonly kind: string | null;
  readonly area: string | null;
  readonly areaName: string | null;
  readonly floodLevels: FloodLevels | null;
  /** Stations in maintenance (or decommissioned) raise nothing; absent means active. */
  readonly lifecycle?: DeviceLifecycle;
}

/** Everything a signal's recipient needs beyond the signal: a superset of the alert store's SignalContext. */
export interface AlertSignalContext {
  readonly ruleName: string;
  readonly audience: Audience;
  readonly deviceName: string;
  readonly area: string | null;
  readonly areaName: string | null;
  /** Unit of the subject ("" for AQI and flood levels). */
  readonly unit: string;
  readonly message: Bilingual;
}

export interface AlertEngineOptions {
  /** No-data rules stay silent this long after start, so a restart raises nothing for every station (ALERT_NODATA_GRACE_MS). */
  readonly graceMs: number;
  /** How often no-data rules are checked (the only ones the clock drives; the rest move with readings). */
  readonly tickMs: number;
  /** How often changed evaluation state (an opening, a duration under way, a streak) is written. */
  readonly saveEveryMs: number;
  /** How often the station list is read again (lifecycle, area, flood levels); default 30 s. */
  readonly stationRefreshMs?: number;
}

/** An hourly (or daily) AQI of a station, as the index engine announces it (LiveAqi). */
export interface AqiSample {
  readonly station: string;
  readonly period: "hour" | "day";
  /** ISO 8601. */
  readonly ts: string;
  readonly aqi: number;
}

export interface AlertEngineDeps {
  /** Every rule not deleted, enabled or not. */
  readonly rules: { list(): Promise<readonly AlertRule[]> };
  /**
   * The stations: the list is read at start and every `stationRefreshMs`; `get` looks up one the
   * list did not have yet (a station registered since), so its first reading finds its area.
   */
  readonly stations: {
    list(): Promise<readonly StationInfo[]>;
    get?(id: string): Promise<StationInfo | undefined>;
  };
  readonly states: AlertStateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Stores and delivers a signal; awaited, so transitions are stored in order. If it throws, the
   * engine keeps its previous state, so the next reading (or tick, for no data) raises it again.
   */
  readonly onSignal: (signal: AlertSignal, context: AlertSignalContext) => Promise<void>;
}

export interface AlertEngine {
  /** Loads state and rules, starts the timers. */
  start(): Promise<void>;
  /** Readings just made durable (the service's fan-out calls it); ignored before start and after stop. */
  acceptStored(readings: readonly Reading[]): void;
  /** Rules changed: rebuild the index. Alerts of rules now disabled, deleted or out of scope clear. */
  reload(): Promise<void>;
  /** Stations changed (lifecycle, area, flood levels): read them again now rather than within 30 s. */
  reloadStations(): Promise<void>;
  /** An AQI of a station from the index engine; hourly ones are evaluated. */
  acceptAqi(event: AqiSample): void;
  /** An operator resolved the open alert: start afresh for this rule and station (cooldown runs). */
  forget(ruleId: number, source: string): void;
  /** The timer's work now (no data): the timer calls it; tests call it. */
  tick(): Promise<void>;
  /** Resolves when everything received so far has been evaluated and its signals handed over. */
  settled(): Promise<void>;
  /** Rule evaluations so far (one per rule per sample). */
  readonly evaluations: () => number;
  stop(): Promise<void>;
}

interface StateEntry {
  readonly ruleId: number;
  readonly source: string;
  state: EvaluationState;
}

const DEFAULT_STATION_REFRESH_MS = 30_000;
/** A station found nowhere is looked up again after this long (not on each of its readings). */
const UNKNOWN_STATION_RETRY_MS = 30_000;
/** Changes that only move `lastSeen`/`lastValue` are written this often (and on stop). */
const LAZY_SAVE_MS = 60_000;

const stateKey = (ruleId: number, source: string) => `${ruleId}|${source}`;

/** Whether the change matters after a restart beyond the time and value of the newest sample. */
function materiallyChanged(before: EvaluationState | undefined, after: EvaluationState): boolean {
  if (before === undefined) return true;
  return (
    before.active !== after.active ||
    before.severity !== after.severity ||
    before.ruleVersion !== after.ruleVersion ||
    before.openedAt !== after.openedAt ||
    before.breachSince !== after.breachSince ||
    before.streak !== after.streak ||
    before.window !== after.window ||
    before.lastClearedAt !== after.lastClearedAt
  );
}

const placeholderStation = (id: string): StationInfo => ({
  id,
  name: id,
  kind: null,
  area: null,
  areaName: null,
  floodLevels: null,
});

/**
 * Evaluates rules on every stored reading (and on hourly AQI), in arrival order, one at a time.
 * Per reading the work is a lookup of the rules on that metric and station (buildRuleIndex), not
 * a scan of all rules; readings of metrics no rule watches cost one map lookup.
 */
export function createAlertEngine(options: AlertEngineOptions, deps: AlertEngineDeps): AlertEngine {
  const { clock, logger } = deps;
  const stationRefreshMs = options.stationRefreshMs ?? DEFAULT_STATION_REFRESH_MS;
  let index: RuleIndex = buildRuleIndex([]);
  const states = new Map<string, StateEntry>();
  /** Keys to write at the next save, and keys whose change can wait for the lazy save. */
  const dirty = new Set<string>();
  const lazyDirty = new Set<string>();
  const stations = new Map<string, StationInfo>();
  /** When each station last left maintenance: its silence counts from then. */
  const maintenanceEnded = new Map<string, number>();
  /** When each rule began to be watched (created or enabled while running): silence counts from then. */
  const ruleWatchedSince = new Map<number, number>();
  /** Stations looked up and not found, with when. */
  const lookedUpUnknown = new Map<string, number>();
  let stationsLoadedAt = Number.NEGATIVE_INFINITY;
  let startedAt = 0;
  let evaluations = 0;
  let queue: Promise<void> = Promise.resolve();
  const timers: NodeJS.Timeout[] = [];
  let started = false;
  let stopped = false;

  const enqueue = (work: () => Promise<void>): Promise<void> => {
    queue = queue.then(work).catch((err: unknown) => logger.error({ err }, "work failed"));
    return queue;
  };

  async function refreshStations(): Promise<void> {
    const now = clock.now();
    stationsLoadedAt = now;
    const list = await deps.stations.list();
    const seen = new Set<string>();
    for (const info of list) {
      seen.add(info.id);
      const before = stations.get(info.id);
      if (before?.lifecycle === "maintenance" && info.lifecycle !== "maintenance") {
        maintenanceEnded.set(info.id, now);
      }
      stations.set(info.id, info);
    }
    for (const id of stations.keys()) if (!seen.has(id)) stations.delete(id);
    lookedUpUnknown.clear();
  }

  /**
   * The station from the cache; one not there is looked up (with `get`, else by reading the list
   * again), and a station still unknown is not looked up again for a while.
   */
  async function station(id: string): Promise<StationInfo> {
    const known = stations.get(id);
    if (known) return known;
    const now = clock.now();
    if (now - (lookedUpUnknown.get(id) ?? Number.NEGATIVE_INFINITY) < UNKNOWN_STATION_RETRY_MS) {
      return placeholderStation(id);
    }
    if (deps.stations.get) {
      const found = await deps.stations.get(id);
      if (found) stations.set(id, found);
    } else {
      await refreshStations();
    }
    const info = stations.get(id);
    if (info) return info;
    lookedUpUnknown.set(id, now);
    return placeholderStation(id);
  }

  const muted = (info: StationInfo) => info.lifecycle !== undefined && info.lifecycle !== "active";

  function stateOf(ruleId: number, source: string): EvaluationState {
    return states.get(stateKey(ruleId, source))?.state ?? initialState();
  }

  function commit(rule: AlertRule, source: string, state: EvaluationState): void {
    const key = stateKey(rule.id, source);
    const entry = states.get(key);
    if (materiallyChanged(entry?.state, state)) {
      dirty.add(key);
      lazyDirty.delete(key);
    } else if (!dirty.has(key)) {
      lazyDirty.add(key);
    }
    if (entry) entry.state = state;
    else states.set(key, { ruleId: rule.id, source, state });
  }

  /** Hands the signals over, then keeps the new state; if handing over fails, the old state stays. */
  async function apply(rule: AlertRule, info: StationInfo, next: Evaluation): Promise<void> {
    for (const signal of next.signals) {
      const message = renderAlertMessage(rule, signal, info);
      const context: AlertSignalContext = {
        ruleName: rule.name,
        audience: rule.audience,
        deviceName: info.name,
        area: info.area,
        areaName: info.areaName,
        unit: signal.subject === "flood_level" ? "" : subjectLabel(signal.subject).unit,
        message,
      };
      try {
        await deps.onSignal(signal, context);
      } catch (err) {
        logger.error({ err, signal }, "signal not stored; it will be raised again");
        return;
      }
    }
    commit(rule, info.id, next.state);
  }

  async function evaluateSample(subject: RuleSubject, info: StationInfo, sample: Sample): Promise<void> {
    const rules = index.rulesFor(subject, info);
    if (rules.length === 0) return;
    const quiet = muted(info);
    // The clock only serves no-data rules (when the station was last heard); the rest use sample.ts.
    const receivedAt = clock.now();
    for (const rule of rules) {
      evaluations++;
      const previous = stateOf(rule.id, info.id);
      const next = evaluate(rule, info.id, previous, sample, { muted: quiet, receivedAt });
      if (next.state !== previous || next.signals.length > 0) await apply(rule, info, next);
    }
  }

  /** One plausibility gate per station and metric: a spike alarms nobody until the next reading confirms it. */
  const gates = new Map<string, PlausibilityGate>();
  const believable = (reading: Reading): boolean => {
    const key = `${reading.deviceId}\u0000${reading.metric}`;
    let gate = gates.get(key);
    if (gate === undefined) {
      gate = createPlausibilityGate(reading.metric);
      gates.set(key, gate);
    }
    if (gate.accept(reading.value).flag === "good") return true;
    logger.warn(
      { device: reading.deviceId, metric: reading.metric, value: reading.value, ts: reading.ts },
      "suspect value held until the next reading confirms it",
    );
    return false;
  };

  async function onReadings(readings: readonly Reading[]): Promise<void> {
    for (const reading of readings) {
      const floodWatched = reading.metric === "water_level" && index.watches("flood_level");
      if (!floodWatched && !index.watches(reading.metric)) continue;
      // A confirmed step is evaluated with the reading that confirms it.
      if (!believable(reading)) continue;
      const info = stations.get(reading.deviceId) ?? (await station(reading.deviceId));
      const sample = { ts: reading.ts, value: reading.value };
      await evaluateSample(reading.metric, info, sample);
      if (floodWatched && info.floodLevels) {
        const level = floodAlarmLevel(reading.value, info.floodLevels);
        await evaluateSample("flood_level", info, { ts: reading.ts, value: level });
      }
    }
  }

  async function onTick(): Promise<void> {
    const now = clock.now();
    if (now - stationsLoadedAt >= stationRefreshMs) await refreshStations();
    const context = { startedAt, graceMs: options.graceMs };
    // Only no-data rules: durations, cooldowns and schedules move with the readings' own times, and
    // the clock is not that time line (a backlog stamped 30 minutes ago would open "now").
    for (const rule of index.withCondition("nodata")) {
      const { scope } = rule;
      const candidates =
        scope.device !== undefined
          ? [stations.get(scope.device) ?? placeholderStation(scope.device)]
          : [...stations.values()].filter((info) => inScope(rule, info));
      for (const info of candidates) {
        if (muted(info)) continue;
        const watchingSince = Math.max(
          maintenanceEnded.get(info.id) ?? Number.NEGATIVE_INFINITY,
          ruleWatchedSince.get(rule.id) ?? Number.NEGATIVE_INFINITY,
        );
        const result = tick(rule, info.id, stateOf(rule.id, info.id), now, { ...context, watchingSince });
        if (result.signals.length > 0) await apply(rule, info, result);
      }
    }
  }

  function takeEntries(keys: Set<string>): StoredEvaluationState[] {
    const entries: StoredEvaluationState[] = [];
    for (const key of keys) {
      const entry = states.get(key);
      if (entry) entries.push({ ruleId: entry.ruleId, source: entry.source, state: entry.state });
    }
    keys.clear();
    return entries;
  }

  async function save(includeLazy: boolean): Promise<void> {
    const entries = takeEntries(dirty);
    if (includeLazy) entries.push(...takeEntries(lazyDirty));
    if (entries.length === 0) return;
    try {
      await deps.states.save(entries, clock.now());
    } catch (err) {
      // Written again at the next save.
      for (const entry of entries) dirty.add(stateKey(entry.ruleId, entry.source));
      throw err;
    }
  }

  /**
   * Rebuilds the index. An open alert whose rule is now disabled, deleted, or no longer covers
   * the station clears (nothing else would ever clear it); its state is dropped.
   */
  async function loadRules(): Promise<void> {
    const listed = await deps.rules.list();
    const next = buildRuleIndex(listed);
    const listedById = new Map(listed.map((rule) => [rule.id, rule]));
    const now = clock.now();
    for (const [key, entry] of [...states]) {
      const rule = next.get(entry.ruleId);
      const info = await station(entry.source);
      if (rule && inScope(rule, info)) continue;
      if (entry.state.active) {
        const former = index.get(entry.ruleId) ?? listedById.get(entry.ruleId);
        if (former) {
          await apply(former, info, withdraw(former, entry.source, entry.state, now));
          if (states.get(key)?.state.active) continue; // not handed over: tried again at the next reload
        } else {
          logger.warn({ ruleId: entry.ruleId, source: entry.source }, "open alert of an unknown rule");
        }
      }
      lazyDirty.delete(key);
      if (rule) {
        // Still enabled, but the station left its scope: it starts afresh should it come back.
        entry.state = initialState();
        dirty.add(key);
      } else {
        states.delete(key);
        dirty.delete(key);
      }
    }
    const watchedSince = new Map<number, number>();
    for (const rule of listed) {
      if (rule.enabled)
        watchedSince.set(rule.id, (index.get(rule.id) && ruleWatchedSince.get(rule.id)) ?? now);
    }
    ruleWatchedSince.clear();
    for (const [id, since] of watchedSince) ruleWatchedSince.set(id, since);
    index = next;
    await deps.states.keepOnly(listed.filter((rule) => rule.enabled).map((rule) => rule.id));
  }

  return {
    async start() {
      if (started) throw new Error("alert engine already started");
      started = true;
      startedAt = clock.now();
      for (const entry of await deps.states.load()) {
        states.set(stateKey(entry.ruleId, entry.source), { ...entry });
      }
      await refreshStations();
      await loadRules();
      const every = (ms: number, work: () => Promise<void>) => {
        const timer = setInterval(() => void enqueue(work), ms);
        timer.unref();
        timers.push(timer);
      };
      every(options.tickMs, onTick);
      every(options.saveEveryMs, () => save(false));
      every(LAZY_SAVE_MS, () => save(true));
      // No data is checked at once (silent within the grace period). A duration under way before the
      // restart completes with the reading that reaches its end, queued by the broker meanwhile or new.
      await enqueue(onTick);
    },

    acceptStored(readings) {
      if (!started || stopped || index.size === 0) return;
      void enqueue(() => onReadings(readings));
    },

    reload: () => enqueue(loadRules),

    reloadStations: () => enqueue(refreshStations),

    acceptAqi(event) {
      if (stopped || event.period !== "hour" || !index.watches("aqi")) return;
      const ts = Date.parse(event.ts);
      if (!Number.isFinite(ts) || !Number.isFinite(event.aqi)) return;
      void enqueue(async () => {
        await evaluateSample("aqi", await station(event.station), { ts, value: event.aqi });
      });
    },

    forget(ruleId, source) {
      const at = clock.now();
      void enqueue(async () => {
        const rule = index.get(ruleId);
        // A rule no longer watched has its state dropped at the reload that withdrew it.
        if (!rule) return;
        const key = stateKey(ruleId, source);
        const state = afterResolve(rule, stateOf(ruleId, source), at);
        const entry = states.get(key);
        if (entry) entry.state = state;
        else states.set(key, { ruleId, source, state });
        dirty.add(key);
      });
    },

    tick: () => enqueue(onTick),

    settled: () => queue,

    evaluations: () => evaluations,

    async stop() {
      if (stopped) return;
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await queue;
      if (started) await save(true);
    },
  };
}
