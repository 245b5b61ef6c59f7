/**
 * The service as Prometheus scrapes it: with METRICS_TOKEN on the public HTTP port, or without a
 * token on the internal METRICS_PORT listener (127.0.0.1 unless METRICS_HOST says otherwise).
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./support/free-port.js";
import { getText } from "./support/http-json.js";
import { type ServiceProcess, startServiceProcess } from "./support/service-process.js";

const TEST_TIMEOUT_MS = 120_000;

describe("scraping the service's /metrics", () => {
  let service: ServiceProcess | undefined;
  let metricsPort = 0;

  const running = (): ServiceProcess => {
    if (!service) throw new Error("service not started");
    return service;
  };

  beforeAll(async () => {
    metricsPort = await freePort();
    service = await startServiceProcess({ env: { DEMO: "0", METRICS_PORT: String(metricsPort) } });
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    if (service) {
      const code = await service.stop();
      rmSync(service.dataDir, { recursive: true, force: true });
      expect(code, service.output()).toBe(0);
    }
  }, TEST_TIMEOUT_MS);

  it("refuses /metrics on the public port without the token or with a wrong one, serves it with the right one", async () => {
    const url = `${running().httpUrl}/metrics`;
    const anonymous = await getText(url);
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.text)).toEqual({
      error: "unauthorized",
      message: "/metrics needs Authorization: Bearer <METRICS_TOKEN>",
    });
    // An operator's access token is not the metrics token.
    expect((await getText(url, await running().authHeaders())).status).toBe(401);
    expect((await getText(url, { authorization: "Bearer wrong-metrics-token" })).status).toBe(401);
    const scraped = await getText(url, running().metricsHeaders());
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain("envmon_ingest_messages_total");
    // The token is a secret: the service never wrote it out.
    expect(running().output()).not.toContain(running().metricsToken);
  });

  it("serves /metrics without a token on the internal METRICS_PORT, bound to 127.0.0.1", async () => {
    const scraped = await getText(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain("envmon_broker_connected_clients");
    expect((await getText(`http://127.0.0.1:${metricsPort}/api/v1/catalogue`)).status).toBe(404);
    expect(running().output()).not.toMatch(/EADDRINUSE/);
  });
});
