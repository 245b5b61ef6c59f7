/**
 * Two service nodes sharing one PostgreSQL (DATABASE_URL) and one Redis (REDIS_URL), each with its
 * own broker, ingest and API: a dashboard on node B sees the readings and the alert of a station
 * connected to node A; a rule created through node B is applied by node A's engine at once; the
 * alert's transition is stored once.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { connectAsync, type MqttClient } from "mqtt";
import pg from "pg";
import { createClient } from "redis";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AlertEventPayload, LIVE_READINGS_EVENT } from "../kernel/api-contract.js";
import { sendJson } from "./support/http-json.js";
import { type PostgresServer, startPostgresServer } from "./support/postgres-server.js";
import { type RedisServer, startRedisServer } from "./support/redis-server.js";
import { deviceMqttOptions, type ServiceProcess, startServiceProcess } from "./support/service-process.js";
import { waitUntil } from "./support/wait-until.js";

const TIMEOUT_MS = 180_000;
const STATION = "cluster-air-001";

describe("two nodes on one PostgreSQL and one Redis", () => {
  let postgres: PostgresServer;
  let redis: RedisServer;
  let databaseUrl: string;
  const nodes: ServiceProcess[] = [];
  let device: MqttClient | undefined;
  let dashboard: Socket | undefined;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgresServer(), startRedisServer()]);
    databaseUrl = await postgres.createDatabase();
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      JWT_SECRET: randomBytes(32).toString("base64url"),
      DEVICE_SECRET_KEY: randomBytes(32).toString("base64url"),
      BOOTSTRAP_ADMIN_PASSWORD: randomBytes(12).toString("base64url"),
      LIVE_THROTTLE_MS: "0",
    };
    // One after the other: the first creates the schema and the admin, the second finds them.
    nodes.push(await startServiceProcess({ env }));
    nodes.push(await startServiceProcess({ env }));
  }, TIMEOUT_MS);

  afterAll(async () => {
    dashboard?.close();
    await device?.endAsync();
    for (const node of nodes) {
      const killed = node.child.signalCode === "SIGKILL";
      const code = await node.stop();
      rmSync(node.dataDir, { recursive: true, force: true });
      if (!killed) expect(code, node.output()).toBe(0);
    }
    await redis?.stop();
    await postgres?.stop();
  }, TIMEOUT_MS);

  it(
    "a dashboard on node B sees readings and the alert of a station on node A, stored once",
    async () => {
      const [nodeA, nodeB] = nodes as [ServiceProcess, ServiceProcess];
      // Registered through node B, connected to node A: one registry for both.
      const secret = await nodeB.registerDevice({ id: STATION });
      const readings: Array<{ deviceId: string; values: Record<string, number> }> = [];
      const alerts: AlertEventPayload[] = [];
      dashboard = io(`${nodeB.httpUrl}/ops`, {
        transports: ["websocket"],
        reconnection: false,
        auth: await nodeB.socketAuth({ lastAlertId: 0 }),
      });
      dashboard.on(LIVE_READINGS_EVENT, (frame: typeof readings) => readings.push(...frame));
      dashboard.on("alert", (event: AlertEventPayload) => alerts.push(event));
      expect(await dashboard.timeout(15_000).emitWithAck("subscribe", { all: true })).toEqual({ ok: true });

      // The rule goes in through node B; node A's engine must know it when the reading arrives.
      const rule = {
        name: "PM2.5 cao (cụm)",
        metric: "pm25",
        scope: { device: STATION },
        condition: { type: "threshold", above: 100, clearBelow: 80, forSeconds: 0 },
        severity: "major",
        audience: "operators",
      };
      const created = await sendJson<{ id: number }>(
        "POST",
        `${nodeB.httpUrl}/api/v1/rules`,
        rule,
        await nodeB.authHeaders(),
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      // Node A hears of it through Redis and reloads at once; give the notice a moment to travel.
      await new Promise((resolve) => setTimeout(resolve, 500));

      device = await connectAsync(nodeA.mqttUrl, {
        ...deviceMqttOptions(STATION, secret),
        protocolVersion: 4,
      });
      await device.publishAsync(`sensors/${STATION}/readings`, JSON.stringify({ values: { pm25: 42 } }), {
        qos: 1,
      });
      await device.publishAsync(`sensors/${STATION}/readings`, JSON.stringify({ values: { pm25: 150 } }), {
        qos: 1,
      });

      await waitUntil("node B's dashboard to see both readings", () =>
        readings.filter((r) => r.deviceId === STATION).length >= 2 ? true : undefined,
      );
      expect(readings.filter((r) => r.deviceId === STATION).map((r) => r.values.pm25)).toEqual([42, 150]);
      const opened = await waitUntil("node B's dashboard to see the alert", () =>
        alerts.find((a) => a.deviceId === STATION && a.transition === "opened"),
      );
      expect(opened).toMatchObject({ ruleId: created.body.id, value: 150, state: "active" });

      // Stored once, in the one database; delivered once to this screen.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query("SELECT kind FROM alert_transitions");
        expect(rows).toEqual([{ kind: "opened" }]);
      } finally {
        await client.end();
      }
      expect(alerts.filter((a) => a.id === opened.id)).toHaveLength(1);
    },
    TIMEOUT_MS,
  );

  it(
    "kill -9 of the node doing the alert work: the other takes the lease within 10 s and carries on",
    async () => {
      const [nodeA, nodeB] = nodes as [ServiceProcess, ServiceProcess];
      const leaseHolder = async () => {
        const answer = await fetchRedis(redis.url, "envmon:lease:alerts");
        return answer?.split("|")[0];
      };
      const before = await leaseHolder();
      expect(before).toBeTruthy();
      // Node A started first and took the lease; it dies without a word.
      await device?.endAsync(true);
      device = undefined;
      const killedAt = Date.now();
      nodeA.child.kill("SIGKILL");
      const after = await waitUntil(
        "another node to hold the alert lease",
        async () => {
          const holder = await leaseHolder();
          return holder && holder !== before ? holder : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      const movedWithinMs = Date.now() - killedAt;
      expect(after).not.toBe(before);
      expect(movedWithinMs).toBeLessThan(10_000);

      // The station reconnects to node B; a clearing and a new breach are judged there, once each.
      const secret = await nodeB.registerDevice({ id: "cluster-air-002" });
      device = await connectAsync(nodeB.mqttUrl, {
        ...deviceMqttOptions("cluster-air-002", secret),
        protocolVersion: 4,
      });
      const seen: AlertEventPayload[] = [];
      dashboard?.on("alert", (event: AlertEventPayload) => seen.push(event));
      const rule = {
        name: "PM2.5 cao (sau khi đổi nút)",
        metric: "pm25",
        scope: { device: "cluster-air-002" },
        condition: { type: "threshold", above: 100, clearBelow: 80, forSeconds: 0 },
        severity: "major",
        audience: "operators",
      };
      const created = await sendJson(
        "POST",
        `${nodeB.httpUrl}/api/v1/rules`,
        rule,
        await nodeB.authHeaders(),
      );
      expect(created.status).toBe(201);
      for (const pm25 of [150, 60]) {
        await device.publishAsync("sensors/cluster-air-002/readings", JSON.stringify({ values: { pm25 } }), {
          qos: 1,
        });
      }
      await waitUntil("the opening and the clearing on node B's dashboard", () =>
        seen.filter((a) => a.deviceId === "cluster-air-002").length >= 2 ? true : undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query(
          "SELECT t.kind FROM alert_transitions t JOIN alerts a ON a.id = t.alert_id WHERE a.source = $1 ORDER BY t.id",
          ["cluster-air-002"],
        );
        expect(rows).toEqual([{ kind: "opened" }, { kind: "cleared" }]);
      } finally {
        await client.end();
      }
      expect(seen.filter((a) => a.deviceId === "cluster-air-002").map((a) => a.transition)).toEqual([
        "opened",
        "cleared",
      ]);
      console.info(`alert lease moved ${movedWithinMs} ms after kill -9`);
    },
    TIMEOUT_MS,
  );
});

/** One GET against Redis, as a separate client. */
async function fetchRedis(url: string, key: string): Promise<string | null> {
  const client = createClient({ url });
  await client.connect();
  try {
    return await client.get(key);
  } finally {
    await client.quit();
  }
}
