import mqtt from "mqtt";
import { io } from "socket.io-client";
import { afterAll, describe, expect, it } from "vitest";
import { deviceMqttOptions, type ServiceProcess, startServiceProcess } from "./support/service-process.js";

describe("shutdown while screens and devices stay connected and keep reconnecting", () => {
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    if (service?.child.exitCode === null) service.child.kill("SIGKILL");
  });

  it("exits cleanly on SIGTERM within the shutdown timeout", async () => {
    service = await startServiceProcess({ env: { SHUTDOWN_TIMEOUT_MS: "20000" } });
    const secret = await service.registerDevice({ id: "tn-air-900" });
    // Both clients reconnect at once when dropped, as an operations-centre screen and a device do.
    const screen = io(`${service.httpUrl}/ops`, {
      transports: ["websocket"],
      reconnectionDelay: 50,
      auth: await service.socketAuth(),
    });
    const subscribed: unknown = await screen.timeout(15_000).emitWithAck("subscribe", { all: true });
    expect(subscribed).toEqual({ ok: true });
    const device = await mqtt.connectAsync(service.mqttUrl, {
      ...deviceMqttOptions("tn-air-900", secret),
      reconnectPeriod: 50,
    });
    await device.publishAsync("sensors/tn-air-900/readings", JSON.stringify({ values: { pm25: 12 } }), {
      qos: 1,
    });

    const startedAt = Date.now();
    const code = await service.stop("SIGTERM");
    const tookMs = Date.now() - startedAt;
    screen.close();
    await device.endAsync(true);

    expect(code, service.output()).toBe(0);
    expect(service.output()).not.toMatch(/shutdown took longer/);
    // Far below SHUTDOWN_TIMEOUT_MS: the process did not wait for its own deadline.
    expect(tookMs).toBeLessThan(15_000);
  });
});
