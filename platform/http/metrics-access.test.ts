/**
 * /metrics is not for the public port's visitors: on the port the health server (and the API)
 * answers, it needs METRICS_TOKEN as a bearer token, or is not served at all; the internal
 * METRICS_PORT listener serves it without a token, on 127.0.0.1 unless told.
 */
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { Counter, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../test/support/free-port.js";
import { createHealthServer, listenForMetrics } from "./health-server.js";

const TOKEN = "metrics-token-0123456789-abcdefghij";
const logger = pino({ level: "silent" });

describe("/metrics access (Fastify inject, and a real internal listener)", () => {
  const registry = new Registry();
  const servers: FastifyInstance[] = [];

  beforeAll(() => {
    new Counter({ name: "envmon_test_scrapes_total", help: "test", registers: [registry] }).inc(3);
  });

  afterAll(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  const healthServer = async (metricsToken: string | undefined) => {
    const server = await createHealthServer({ logger, checks: {}, registry, metricsToken });
    servers.push(server);
    return server;
  };
  const scrape = (server: FastifyInstance, authorization?: string) =>
    server.inject({
      method: "GET",
      url: "/metrics",
      headers: authorization === undefined ? {} : { authorization },
    });

  it("with METRICS_TOKEN: refuses no token, garbage and a wrong token with a clear 401; serves the right one", async () => {
    const server = await healthServer(TOKEN);
    const refusals: Array<[string | undefined, string]> = [
      [undefined, "/metrics needs Authorization: Bearer <METRICS_TOKEN>"],
      ["", "/metrics needs Authorization: Bearer <METRICS_TOKEN>"],
      [`Basic ${Buffer.from(`prometheus:${TOKEN}`).toString("base64")}`, "not of the form"],
      ["Bearer", "not of the form"],
      [`Bearer ${TOKEN} extra`, "not of the form"],
      [TOKEN, "not of the form"],
      ["Bearer wrong-token", "wrong metrics token"],
      [`Bearer ${TOKEN.slice(0, -1)}`, "wrong metrics token"],
      [`Bearer ${TOKEN}x`, "wrong metrics token"],
      [`Bearer ${"x".repeat(3000)}`, "wrong metrics token"],
    ];
    for (const [header, message] of refusals) {
      const response = await scrape(server, header);
      expect(response.statusCode, String(header)).toBe(401);
      expect(response.headers["www-authenticate"]).toBe('Bearer realm="envmon-metrics"');
      expect(response.json(), String(header)).toEqual({
        error: "unauthorized",
        message: expect.stringContaining(message),
      });
      expect(response.body).not.toContain("envmon_test_scrapes_total");
      expect(response.body).not.toContain(TOKEN);
    }
    for (const header of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `Bearer  ${TOKEN} `]) {
      const response = await scrape(server, header);
      expect(response.statusCode, header).toBe(200);
      expect(response.headers["content-type"]).toMatch(/^text\/plain/);
      expect(response.body).toMatch(/^envmon_test_scrapes_total 3$/m);
    }
    // The health checks stay open: container health checks send no token.
    expect((await server.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    expect((await server.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
  });

  it("without METRICS_TOKEN: /metrics is not served on that port, token or not", async () => {
    const server = await healthServer(undefined);
    for (const header of [undefined, `Bearer ${TOKEN}`]) {
      const response = await scrape(server, header);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        error: "not_found",
        message: "/metrics is not served on this port: set METRICS_TOKEN, or scrape METRICS_PORT",
      });
    }
  });

  it("METRICS_PORT: a listener on 127.0.0.1 that serves /metrics without a token, and nothing else", async () => {
    expect(
      await listenForMetrics({ METRICS_PORT: undefined, METRICS_HOST: "127.0.0.1" }, { logger, registry }),
    ).toBe(undefined);
    const port = await freePort();
    const listener = await listenForMetrics(
      { METRICS_PORT: port, METRICS_HOST: "127.0.0.1" },
      { logger, registry },
    );
    if (!listener) throw new Error("no listener");
    servers.push(listener);
    expect(listener.server.address()).toMatchObject({ address: "127.0.0.1", port });
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^envmon_test_scrapes_total 3$/m);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(404);
    // A port that is taken is reported, and nothing is left listening.
    await expect(
      listenForMetrics({ METRICS_PORT: port, METRICS_HOST: "127.0.0.1" }, { logger, registry }),
    ).rejects.toMatchObject({ code: "EADDRINUSE" });
  });
});
