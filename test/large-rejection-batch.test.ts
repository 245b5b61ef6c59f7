import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { deviceMqttOptions, type ServiceProcess, startServiceProcess } from "./support/service-process.js";
import { waitUntil } from "./support/wait-until.js";

// A station whose firmware sends four metrics the catalogue does not know uploads a full backlog:
// 4000 refusals in one message. They must be kept, and nothing else may wait behind them.
describe("a backlog with thousands of refused values", () => {
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    expect(await service?.stop(), service?.output()).toBe(0);
  });

  it("dead-letters every refusal, stores the good values beside them and keeps ingesting", async () => {
    service = await startServiceProcess();
    const headers = await service.authHeaders();
    const api = (path: string) => fetch(`${service?.httpUrl}${path}`, { headers }).then((r) => r.json());
    // Registered for the one metric of the five it sends that the catalogue knows.
    const stationSecret = await service.registerDevice({
      id: "tn-met-950",
      kind: "weather",
      metrics: ["temperature"],
    });
    const nextSecret = await service.registerDevice({ id: "tn-air-951", metrics: ["pm25"] });
    const client = await mqtt.connectAsync(service.mqttUrl, deviceMqttOptions("tn-met-950", stationSecret));
    const start = Date.now() - 1000 * 60_000;
    const backlog = Array.from({ length: 1000 }, (_, i) => ({
      ts: start + i * 60_000,
      values: { temperature: 30, battery: 3.7, wind_speed: 2, wind_dir: 180, solar: 400 },
    }));
    await client.publishAsync("sensors/tn-met-950/readings", JSON.stringify(backlog), { qos: 1 });
    await client.endAsync();
    // The next device has its own connection (a device publishes only on its own topics); its
    // reading reaches the ingest after the backlog, so it is stored only if the refusals hold nothing up.
    const next = await mqtt.connectAsync(service.mqttUrl, deviceMqttOptions("tn-air-951", nextSecret));
    await next.publishAsync("sensors/tn-air-951/readings", JSON.stringify({ values: { pm25: 17.5 } }), {
      qos: 1,
    });
    await next.endAsync();

    const latest = await waitUntil("the next device's reading is stored", async () => {
      const body = (await api("/api/v1/latest?device=tn-air-951")) as { devices: unknown[] };
      return body.devices.length > 0 ? body : undefined;
    });
    expect(latest).toMatchObject({
      devices: [{ deviceId: "tn-air-951", values: { pm25: { value: 17.5 } } }],
    });

    const metrics = await fetch(`${service.httpUrl}/metrics`, { headers: service.metricsHeaders() }).then(
      (r) => r.text(),
    );
    expect(metrics).toMatch(/envmon_ingest_rejected_total\{reason="unknown_metric"\} 4000\b/);
    const temperatures = (await api(
      `/api/v1/readings?device=tn-met-950&metric=temperature&from=${start}&to=${Date.now()}&step=1d`,
    )) as { points: Array<{ count: number }> };
    expect(temperatures.points.reduce((n, p) => n + p.count, 0)).toBe(1000);
    const refused = (await api("/api/v1/rejected?device=tn-met-950&limit=1000")) as {
      rejected: Array<{ reason: string }>;
      nextBefore: number | null;
    };
    expect(refused.rejected).toHaveLength(1000);
    expect(refused.nextBefore).not.toBeNull();
    expect(new Set(refused.rejected.map((r) => r.reason))).toEqual(new Set(["unknown_metric"]));
  });
});
