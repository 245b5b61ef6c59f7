import { afterAll, describe, expect, it, vi } from "vitest";
import { acquireInfluxServer, type InfluxServer, requireInfluxOrSkip } from "./support/influxdb-server.js";

const server = await acquireInfluxServer();
requireInfluxOrSkip(server, "test/influxdb-server.test.ts");

afterAll(async () => {
  await server?.stop();
});

async function writeLines(target: InfluxServer, bucket: string, lines: string): Promise<Response> {
  const query = new URLSearchParams({ org: target.org, bucket, precision: "ms" });
  return fetch(`${target.url}/api/v2/write?${query}`, {
    method: "POST",
    headers: { authorization: `Token ${target.token}`, "content-type": "text/plain; charset=utf-8" },
    body: lines,
  });
}

/** InfluxQL over GET /query, as the store reads; rows of the first series, times in epoch ms. */
async function influxql(target: InfluxServer, db: string, q: string): Promise<unknown[][]> {
  const query = new URLSearchParams({ db, q, epoch: "ms" });
  const response = await fetch(`${target.url}/query?${query}`, {
    headers: { authorization: `Token ${target.token}`, accept: "application/json" },
  });
  const body = (await response.json()) as {
    results?: { error?: string; series?: { values: unknown[][] }[] }[];
    error?: string;
  };
  if (!response.ok || body.error || body.results?.[0]?.error) {
    throw new Error(`InfluxQL ${q} failed: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.results?.[0]?.series?.[0]?.values ?? [];
}

async function refusesConnections(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2_000) });
    return false;
  } catch {
    return true;
  }
}

describe("requireInfluxOrSkip", () => {
  it("fails the run when no server is found and CI=true", () => {
    expect(() => requireInfluxOrSkip(undefined, "suite", { CI: "true" })).toThrow(/CI=true requires one/);
  });

  it("warns loudly and tells the caller to skip outside CI", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      expect(requireInfluxOrSkip(undefined, "suite", {})).toBe(false);
      expect(warn.mock.calls[0]?.[0]).toMatch(/SKIPPED: suite/);
    } finally {
      warn.mockRestore();
    }
  });

  it("refuses incomplete INFLUX_* settings with a clear message", async () => {
    await expect(acquireInfluxServer({ INFLUX_URL: "http://127.0.0.1:1", INFLUX_ORG: "o" })).rejects.toThrow(
      /INFLUX_TOKEN is required with INFLUX_URL; INFLUX_BUCKET is required with INFLUX_URL/,
    );
  });
});

describe.skipIf(!server)("a real InfluxDB server", () => {
  const influx = server as InfluxServer;
  const ts = Date.UTC(2026, 10, 22, 3, 0, 0);

  it("is healthy and reports its version", async () => {
    const response = await fetch(`${influx.url}/health`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe("pass");
    expect(influx.version).toMatch(/^\d+\.\d+/);
  });

  it("takes line protocol on /api/v2/write and answers InfluxQL on /query with db=<bucket>", async () => {
    const response = await writeLines(
      influx,
      influx.bucket,
      `fixture,device=tn-001 pm25=35.2,temperature=31.4 ${ts}`,
    );
    expect(response.status).toBe(204);
    const rows = await influxql(
      influx,
      influx.bucket,
      `SELECT pm25, temperature FROM fixture WHERE device = 'tn-001'`,
    );
    expect(rows).toEqual([[ts, 35.2, 31.4]]);
  });

  it("creates buckets that InfluxQL reaches by name (automatic DBRP mapping)", async () => {
    await influx.createBucket("rollups_fixture", 400 * 24 * 3600);
    await influx.createBucket("rollups_fixture", 400 * 24 * 3600); // idempotent
    const response = await writeLines(influx, "rollups_fixture", `hourly,device=tn-002 pm25_mean=12.5 ${ts}`);
    expect(response.status).toBe(204);
    expect(await influxql(influx, "rollups_fixture", "SELECT pm25_mean FROM hourly")).toEqual([[ts, 12.5]]);
  });

  it("keeps its data across pause() and resume(), and refuses connections while paused", async () => {
    if (influx.source === "env") {
      await expect(influx.pause()).rejects.toThrow(/external/);
      return;
    }
    const before = await writeLines(influx, influx.bucket, `outage,device=tn-003 pm25=1 ${ts}`);
    expect(before.status).toBe(204);
    await influx.pause();
    expect(await refusesConnections(influx.url)).toBe(true);
    await influx.resume();
    const after = await writeLines(influx, influx.bucket, `outage,device=tn-003 pm25=2 ${ts + 1000}`);
    expect(after.status).toBe(204);
    expect(await influxql(influx, influx.bucket, "SELECT pm25 FROM outage")).toEqual([
      [ts, 1],
      [ts + 1000, 2],
    ]);
  });

  it("serves the same server through the INFLUX_* settings, where pause() is refused", async () => {
    const external = await acquireInfluxServer({
      INFLUX_URL: `${influx.url}/`,
      INFLUX_TOKEN: influx.token,
      INFLUX_ORG: influx.org,
      INFLUX_BUCKET: influx.bucket,
    });
    expect(external?.source).toBe("env");
    expect(external?.url).toBe(influx.url);
    expect(external?.version).toBe(influx.version);
    await expect(external?.pause()).rejects.toThrow(/external/);
    await external?.stop(); // leaves the server running
    expect((await fetch(`${influx.url}/ping`)).status).toBe(204);
  });
});
