/**
 * Two nodes behind Debian's HAProxy (MQTT as TCP) on one PostgreSQL, one Redis and one InfluxDB:
 * stations publish through HAProxy and land on both nodes; the node holding the alert lease is
 * killed with SIGKILL mid-stream; its stations reconnect through HAProxy to the other node. Every
 * acknowledged reading is stored, none twice, and each station's alert is opened once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./support/free-port.js";
import { sendJson } from "./support/http-json.js";
import { acquireInfluxServer, type InfluxServer, requireInfluxOrSkip } from "./support/influxdb-server.js";
import { type PostgresServer, startPostgresServer } from "./support/postgres-server.js";
import { type RedisServer, startRedisServer } from "./support/redis-server.js";
import { deviceMqttOptions, type ServiceProcess, startServiceProcess } from "./support/service-process.js";
import { waitUntil } from "./support/wait-until.js";

const TIMEOUT_MS = 240_000;
const STATIONS = 12;

/** HAProxy in TCP mode in front of the nodes' MQTT ports, checking each node's /readyz. */
async function startHaproxy(
  nodes: readonly ServiceProcess[],
): Promise<{ mqttUrl: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "envmon-haproxy-"));
  const port = await freePort();
  const servers = nodes.map((node, i) => {
    const mqttPort = new URL(node.mqttUrl).port;
    const httpPort = new URL(node.httpUrl).port;
    return `  server node${i} 127.0.0.1:${mqttPort} check port ${httpPort} inter 500ms fall 1 rise 2`;
  });
  const config = [
    "defaults",
    "  mode tcp",
    "  timeout connect 2s",
    "  timeout client 1m",
    "  timeout server 1m",
    "frontend mqtt",
    `  bind 127.0.0.1:${port}`,
    "  default_backend nodes",
    "backend nodes",
    "  balance roundrobin",
    "  option httpchk GET /readyz",
    ...servers,
    "",
  ].join("\n");
  writeFileSync(join(dir, "haproxy.cfg"), config);
  const child: ChildProcess = spawn("haproxy", ["-db", "-f", join(dir, "haproxy.cfg")], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    mqttUrl: `mqtt://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const influx: InfluxServer | undefined = await acquireInfluxServer();
const influxAvailable = requireInfluxOrSkip(influx, "test/cluster-failover.test.ts");

describe.skipIf(!influxAvailable)("failover behind HAProxy: kill -9 of a node mid-stream", () => {
  let postgres: PostgresServer;
  let redis: RedisServer;
  let haproxy: { mqttUrl: string; stop(): Promise<void> } | undefined;
  let databaseUrl: string;
  const nodes: ServiceProcess[] = [];
  const clients: MqttClient[] = [];
  const bucket = `cluster_${Date.now()}`;

  beforeAll(async () => {
    const server = influx as InfluxServer;
    await server.createBucket(bucket);
    await server.createBucket(`${bucket}_hourly`);
    [postgres, redis] = await Promise.all([startPostgresServer(), startRedisServer()]);
    databaseUrl = await postgres.createDatabase();
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      INFLUX_URL: server.url,
      INFLUX_TOKEN: server.token,
      INFLUX_ORG: server.org,
      INFLUX_BUCKET: bucket,
      JWT_SECRET: randomBytes(32).toString("base64url"),
      DEVICE_SECRET_KEY: randomBytes(32).toString("base64url"),
      MQTT_SERVICE_PASSWORD: randomBytes(16).toString("base64url"),
      BOOTSTRAP_ADMIN_PASSWORD: randomBytes(12).toString("base64url"),
    };
    nodes.push(await startServiceProcess({ env }));
    nodes.push(await startServiceProcess({ env }));
    haproxy = await startHaproxy(nodes);
  }, TIMEOUT_MS);

  afterAll(async () => {
    for (const client of clients) client.end(true);
    await haproxy?.stop();
    for (const node of nodes) {
      await node.stop("SIGKILL");
      rmSync(node.dataDir, { recursive: true, force: true });
    }
    await redis?.stop();
    await postgres?.stop();
    await influx?.stop();
  }, TIMEOUT_MS);

  it(
    "every acknowledged reading stored once, each station's alert opened once",
    async () => {
      const [nodeA, nodeB] = nodes as [ServiceProcess, ServiceProcess];
      const rule = {
        name: "PM2.5 cao",
        metric: "pm25",
        scope: {},
        condition: { type: "threshold", above: 100, clearBelow: 80, forSeconds: 0 },
        severity: "major",
        audience: "operators",
      };
      expect(
        (await sendJson("POST", `${nodeB.httpUrl}/api/v1/rules`, rule, await nodeB.authHeaders())).status,
      ).toBe(201);
      const base = Date.now() - 3_600_000;
      const acknowledged = new Map<string, Set<number>>();
      let stopped = false;
      for (let i = 0; i < STATIONS; i += 1) {
        const id = `failover-${i}`;
        const secret = await nodeB.registerDevice({ id });
        const acked = new Set<number>();
        acknowledged.set(id, acked);
        const client = mqtt.connect(haproxy?.mqttUrl ?? "", {
          ...deviceMqttOptions(id, secret),
          protocolVersion: 4,
          reconnectPeriod: 300,
          connectTimeout: 5_000,
        });
        client.on("error", () => {});
        clients.push(client);
        let next = 0;
        // One reading in flight; a reading not acknowledged is sent again (same ts) after reconnecting.
        const send = (ts: number) => {
          if (stopped) return;
          const payload = JSON.stringify({ ts, values: { pm25: 150 } });
          client.publish(`sensors/${id}/readings`, payload, { qos: 1 }, (error) => {
            if (error) {
              setTimeout(() => send(ts), 200);
              return;
            }
            acked.add(ts);
            setTimeout(() => send(base + ++next * 1000), 50);
          });
        };
        client.once("connect", () => send(base));
      }
      const total = () => [...acknowledged.values()].reduce((sum, s) => sum + s.size, 0);
      await waitUntil(
        "readings acknowledged by both nodes",
        () => (total() >= STATIONS * 3 ? true : undefined),
        {
          timeoutMs: 60_000,
        },
      );
      // The first node took the alert lease; it dies without a word.
      nodeA.child.kill("SIGKILL");
      const atKill = total();
      await waitUntil(
        "the stations to carry on through the other node",
        () => (total() >= atKill + STATIONS * 5 ? true : undefined),
        { timeoutMs: 60_000 },
      );
      // Long enough for the lease to move (under 10 s) and the new holder to judge new readings.
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      stopped = true;
      await new Promise((resolve) => setTimeout(resolve, 1_000));

      for (const [id, acked] of acknowledged) {
        const query = `device=${id}&metric=pm25&from=${base}&to=${Date.now() + 60_000}`;
        const response = await fetch(`${nodeB.httpUrl}/api/v1/readings?${query}`, {
          headers: await nodeB.authHeaders(),
        });
        expect(response.status).toBe(200);
        const body = (await response.json()) as { points: Array<{ ts: string }> };
        const stored = body.points.map((p) => Date.parse(p.ts));
        expect(stored.length, `${id}: a point stored twice`).toBe(new Set(stored).size);
        const storedSet = new Set(stored);
        expect(
          [...acked].filter((ts) => !storedSet.has(ts)),
          `${id}: acknowledged but not stored`,
        ).toEqual([]);
      }

      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query(
          "SELECT a.source, t.kind, count(*)::int AS n FROM alert_transitions t JOIN alerts a ON a.id = t.alert_id GROUP BY a.source, t.kind ORDER BY a.source",
        );
        expect(rows).toHaveLength(STATIONS);
        for (const row of rows) expect(row, JSON.stringify(row)).toMatchObject({ kind: "opened", n: 1 });
      } finally {
        await client.end();
      }
      console.info(`acknowledged ${total()} readings, ${atKill} before the kill`);
    },
    TIMEOUT_MS,
  );
});
