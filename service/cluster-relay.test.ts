import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertEventPayload } from "../kernel/api-contract.js";
import type { Reading } from "../kernel/reading.js";
import { type ClusterBus, connectClusterBus } from "../platform/cluster/cluster-bus.js";
import { type RedisServer, startRedisServer } from "../test/support/redis-server.js";
import { waitUntil } from "../test/support/wait-until.js";
import { createClusterRelay } from "./cluster-relay.js";

const transition: AlertEventPayload = {
  id: 41,
  alertId: 7,
  ruleId: 3,
  transition: "opened",
  state: "active",
  acknowledged: false,
  severity: "major",
  audience: "public",
  metric: "pm25",
  value: 150,
  deviceId: "tn-air-001",
  area: "tan-ninh",
  message: { vi: "Bụi mịn cao", en: "High PM2.5" },
  actor: null,
  comment: null,
  at: "2026-12-06T03:00:00.000Z",
};

/** Listener sets that a test can fire, standing in for this node's stores' change notices. */
function localSources() {
  const sets = {
    transitions: new Set<(t: AlertEventPayload) => void>(),
    rules: new Set<() => void>(),
    devices: new Set<(id: string) => void>(),
  };
  const on =
    <T>(set: Set<T>) =>
    (listener: T) => {
      set.add(listener);
      return () => set.delete(listener);
    };
  return {
    stores: {
      alerts: { onTransition: on(sets.transitions) },
      rules: { onChange: on(sets.rules) },
      registry: { onChange: on(sets.devices) },
    },
    fire: {
      transition: (t: AlertEventPayload) => {
        for (const l of sets.transitions) l(t);
      },
      rule: () => {
        for (const l of sets.rules) l();
      },
      device: (id: string) => {
        for (const l of sets.devices) l(id);
      },
    },
  };
}

describe("cluster relay (real Redis)", () => {
  let redis: RedisServer;
  const buses: ClusterBus[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    for (const bus of buses) await bus.close();
    await redis.stop();
  });

  it("relays transitions, readings, AQIs, rule and device changes; garbage is dropped with a warning", async () => {
    const warnings: unknown[] = [];
    const logger = { warn: (fields: unknown) => warnings.push(fields) };
    const [busA, busB] = [
      await connectClusterBus(redis.url, logger as never),
      await connectClusterBus(redis.url, logger as never),
    ];
    buses.push(busA, busB);
    const a = localSources();
    const relayA = createClusterRelay(busA, a.stores, logger as never);
    const relayB = createClusterRelay(busB, localSources().stores, logger as never);
    const heard: string[] = [];
    relayB.remoteTransitions((t) => heard.push(`transition ${t.id}`));
    relayB.onRemoteRuleChange(() => heard.push("rules"));
    relayB.onRemoteDeviceChange((id) => heard.push(`device ${id}`));
    relayB.onRemoteReadings((readings) => heard.push(`readings ${readings.length}`));
    relayB.onRemoteAqi((event) => heard.push(`aqi ${event.station} ${event.aqi}`));
    await new Promise((resolve) => setTimeout(resolve, 150));

    a.fire.transition(transition);
    a.fire.rule();
    a.fire.device("tn-air-002");
    const readings: Reading[] = [{ deviceId: "tn-air-001", metric: "pm25", ts: 1, value: 35 }];
    relayA.shareStored(readings);
    relayA.shareAqi({ station: "tn-air-001", period: "hour", ts: "2026-12-06T03:00:00.000Z", aqi: 87 });
    // What a broken or hostile publisher could put on the same channels.
    const garbage: Array<[string, unknown]> = [
      ["alert-transitions", { ...transition, id: "41" }],
      ["device-changed", "../../etc/passwd"],
      ["stored-readings", [{ deviceId: "tn-air-001", metric: "plutonium", ts: 1, value: 1 }]],
      ["stored-aqi", { station: "tn-air-001", period: "week", ts: "x", aqi: 1 }],
    ];
    for (const [channel, message] of garbage) await busA.publish(channel, message);

    await waitUntil("B to hear A's five notices", () => (heard.length >= 5 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard.sort()).toEqual([
      "aqi tn-air-001 87",
      "device tn-air-002",
      "readings 1",
      "rules",
      "transition 41",
    ]);
    expect(warnings).toHaveLength(garbage.length);
    relayA.close();
    relayB.close();
  });
});
