import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../test/support/redis-server.js";
import { waitUntil } from "../../test/support/wait-until.js";
import { type ClusterBus, connectClusterBus } from "./cluster-bus.js";

describe("cluster bus (real Redis)", () => {
  let redis: RedisServer;
  const buses: ClusterBus[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    for (const bus of buses) await bus.close();
    await redis.stop();
  });

  it("tells every other node, never the one that published; garbage on the channel is ignored", async () => {
    const warnings: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      buses.push(
        await connectClusterBus(redis.url, { warn: (_o: unknown, m: string) => warnings.push(m) } as never),
      );
    }
    const [a, b, c] = buses as [ClusterBus, ClusterBus, ClusterBus];
    const heard: string[] = [];
    a.subscribe("rules", (m) => heard.push(`a:${JSON.stringify(m)}`));
    b.subscribe("rules", (m) => heard.push(`b:${JSON.stringify(m)}`));
    c.subscribe("devices", (m) => heard.push(`c:${JSON.stringify(m)}`));
    await new Promise((r) => setTimeout(r, 100)); // subscriptions reach Redis
    await a.publish("rules", { changed: 7 });
    await a.publish("devices", "tn-air-001");
    await c.client.publish("envmon:rules", "{not json");
    await waitUntil("b and c to hear", () => (heard.length >= 2 ? heard : undefined));
    await new Promise((r) => setTimeout(r, 100));
    expect(heard.sort()).toEqual(['b:{"changed":7}', 'c:"tn-air-001"']);
    expect(warnings).toContain("unreadable message on the cluster bus; ignored");
    expect(new Set(buses.map((bus) => bus.nodeId)).size).toBe(3);
  });
});
