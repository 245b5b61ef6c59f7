/**
 * Alerts end to end: a reading sent with mosquitto_pub crosses a rule, and the `alert` event
 * reaches operators on /ops and residents of that area on /public, not residents elsewhere;
 * a reconnecting client replays exactly what it missed.
 */
import { rmSync } from "node:fs";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertEventPayload } from "../kernel/api-contract.js";
import { runCommand } from "./support/command-line-client.js";
import { getJson, sendJson } from "./support/http-json.js";
import { pollUntil } from "./support/poll.js";
import { mosquittoDeviceArgs, type ServiceProcess, startServiceProcess } from "./support/service-process.js";

const TEST_TIMEOUT_MS = 120_000;
// A demo station, registered with its commune by the demo fleet.
const DEMO_STATION = "tn-air-001";
// This test's own water-quality station in the same commune, so public alerts have an area. The
// demo fleet's stations are registered for their own metrics and connected with their own
// secrets: the readings here come from a station registered for the metrics the rules watch.
const STATION = "e2e-wq-001";

interface Watcher {
  readonly socket: Socket;
  readonly events: AlertEventPayload[];
}

describe("alerts from a published reading to operators and residents", () => {
  let service: ServiceProcess;
  let area: string;
  let stationSecret: string;
  /** The admin's access token, for the API and the /ops handshake. */
  let token: string;
  const authorized = () => ({ authorization: `Bearer ${token}` });
  const sockets: Socket[] = [];
  const api = (path: string) => `${service.httpUrl}${path}`;

  function watch(namespace: "/ops" | "/public", lastAlertId?: number): Watcher {
    const socket = io(`${service.httpUrl}${namespace}`, {
      transports: ["websocket"],
      reconnection: false,
      auth: {
        ...(namespace === "/ops" ? { token } : {}),
        ...(lastAlertId === undefined ? {} : { lastAlertId }),
      },
    });
    sockets.push(socket);
    const events: AlertEventPayload[] = [];
    socket.on("alert", (event: AlertEventPayload) => events.push(event));
    return { socket, events };
  }

  async function resident(areas: string[]): Promise<Watcher> {
    const watcher = watch("/public");
    expect(await watcher.socket.timeout(15_000).emitWithAck("subscribe", { areas })).toEqual({ ok: true });
    return watcher;
  }

  async function createRule(rule: object): Promise<number> {
    const created = await sendJson<{ id: number }>("POST", api("/api/v1/rules"), rule, authorized());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id;
  }

  const publish = async (values: Record<string, number>) => {
    const port = new URL(service.mqttUrl).port;
    const message = JSON.stringify({ values });
    const result = await runCommand("mosquitto_pub", [
      ...["-h", "127.0.0.1", "-p", port, "-q", "1", ...mosquittoDeviceArgs(STATION, stationSecret)],
      ...["-t", `sensors/${STATION}/readings`, "-m", message],
    ]);
    expect(result.code, result.stderr).toBe(0);
  };

  beforeAll(async () => {
    // The demo fleet registers the stations; a long interval keeps it from publishing during the test.
    service = await startServiceProcess({ env: { DEMO: "1", DEMO_INTERVAL_MS: "3600000" } });
    token = await service.login();
    const device = await getJson<{ area: string }>(api(`/api/v1/devices/${DEMO_STATION}`), authorized());
    area = device.body.area;
    expect(area).toBeTruthy();
    stationSecret = await service.registerDevice({
      id: STATION,
      name: "Trạm chất lượng nước thử nghiệm",
      kind: "water_quality",
      area,
      metrics: ["coliform", "cod", "bod5", "nh4"],
    });
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    const code = await service.stop();
    rmSync(service.dataDir, { recursive: true, force: true });
    expect(code, service.output()).toBe(0);
  }, TEST_TIMEOUT_MS);

  it("accepts the issue's minimal rule as written", async () => {
    const rule = {
      name: "PM2.5 high",
      metric: "pm25",
      scope: { device: DEMO_STATION },
      condition: { type: "threshold", above: 100, clearBelow: 80, forSeconds: 0 },
      severity: "major",
      audience: "public",
    };
    const id = await createRule(rule);
    const stored = await getJson<Record<string, unknown>>(api(`/api/v1/rules/${id}`), authorized());
    expect(stored.body).toMatchObject({ ...rule, id, version: 1, enabled: true });
    // Disabled again so the demo station's own PM2.5 cannot raise alerts during the rest of the test.
    expect((await sendJson("POST", api(`/api/v1/rules/${id}/disable`), undefined, authorized())).status).toBe(
      200,
    );
  });

  it("refuses a garbage rule with a readable 400", async () => {
    const answer = await sendJson<{ error: string; message: string }>(
      "POST",
      api("/api/v1/rules"),
      {
        name: "x",
        metric: "coliform",
        condition: { type: "threshold", above: 10, below: 5 },
        severity: "dire",
        audience: "public",
      },
      authorized(),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.message).toContain("severity must be one of minor, major, critical");
  });

  it(
    "delivers the alert to /ops and to residents of the area only, then the acknowledgement",
    async () => {
      await createRule({
        name: "Coliform high",
        metric: "coliform",
        scope: { device: STATION },
        condition: { type: "threshold", above: 1000, clearBelow: 500 },
        severity: "critical",
        audience: "public",
        message: { vi: "Coliform {value} {unit} tại {station}", en: "Coliform {value} {unit} at {station}" },
      });
      const operator = watch("/ops");
      const neighbour = await resident([area]);
      const elsewhere = await resident(["not-this-area"]);
      await pollUntil("the operator's socket", () => operator.socket.connected || undefined);

      await publish({ coliform: 5000 });

      const opened = await pollUntil("the alert on /ops", () => operator.events[0]);
      expect(opened).toMatchObject({
        transition: "opened",
        state: "active",
        acknowledged: false,
        severity: "critical",
        metric: "coliform",
        value: 5000,
        deviceId: STATION,
        area,
        message: { en: expect.stringContaining("Coliform 5000 MPN/100 mL at") },
      });
      expect(opened.at).toMatch(/Z$/);
      const publicCopy = await pollUntil("the alert on /public", () => neighbour.events[0]);
      expect(publicCopy).toMatchObject({ id: opened.id, alertId: opened.alertId, transition: "opened" });

      const ack = await sendJson<AlertEventPayload>(
        "POST",
        api(`/api/v1/alerts/${opened.alertId}/ack`),
        { comment: "Đã cử người kiểm tra" },
        authorized(),
      );
      expect(ack.status).toBe(200);
      const acknowledged = await pollUntil("the acknowledgement on /ops", () =>
        operator.events.find((e) => e.transition === "acknowledged"),
      );
      expect(acknowledged).toMatchObject({
        alertId: opened.alertId,
        acknowledged: true,
        comment: "Đã cử người kiểm tra",
        // Traceable to the operator who logged in.
        actor: "admin",
      });
      const residentAck = await pollUntil("the acknowledgement on /public", () =>
        neighbour.events.find((e) => e.transition === "acknowledged"),
      );
      expect(residentAck.comment).toBeNull();
      expect(residentAck.actor).toBeNull();
      // Everything the neighbour got has been delivered by now; the other area got none of it.
      expect(elsewhere.events).toEqual([]);

      const again = await sendJson<{ error: string }>(
        "POST",
        api(`/api/v1/alerts/${opened.alertId}/ack`),
        {},
        authorized(),
      );
      expect(again.status).toBe(409);

      const listed = await getJson<{ alerts: { id: number; acknowledged: boolean }[] }>(
        api("/api/v1/alerts"),
        authorized(),
      );
      expect(listed.body.alerts).toContainEqual(
        expect.objectContaining({ id: opened.alertId, acknowledged: true }),
      );
      const publicList = await getJson<{ alerts: { id: number }[] }>(
        api(`/api/v1/public/alerts?area=${area}`),
      );
      expect(publicList.body.alerts.map((a) => a.id)).toContain(opened.alertId);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "replays exactly the missed alerts to a client that reconnects with lastAlertId",
    async () => {
      const first = watch("/ops");
      await pollUntil("the operator's socket", () => first.socket.connected || undefined);
      await publish({ coliform: 10 }); // clears the coliform alert of the previous test
      const cleared = await pollUntil("the clearing", () =>
        first.events.find((e) => e.transition === "cleared"),
      );
      first.socket.close();

      for (const [metric, above] of [
        ["cod", 50],
        ["bod5", 30],
        ["nh4", 1],
      ] as const) {
        await createRule({
          name: `${metric} high`,
          metric,
          scope: { device: STATION },
          condition: { type: "threshold", above },
          severity: "major",
          audience: "operators",
        });
      }
      await publish({ cod: 120, bod5: 80, nh4: 5 });
      const missed = await pollUntil("three alerts stored", async () => {
        const { body } = await getJson<{ alerts: { metric: string }[] }>(api("/api/v1/alerts"), authorized());
        return body.alerts.filter((a) => ["cod", "bod5", "nh4"].includes(a.metric)).length === 3
          ? body
          : undefined;
      });
      expect(missed.alerts.length).toBeGreaterThanOrEqual(3);

      const back = watch("/ops", cleared.id);
      const replayed = await pollUntil("the replay", () =>
        back.events.length >= 3 ? back.events : undefined,
      );
      // Nothing more arrives: let a live event have every chance to be sent twice.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(back.events.map((e) => [e.transition, e.metric])).toEqual([
        ["opened", "cod"],
        ["opened", "bod5"],
        ["opened", "nh4"],
      ]);
      const ids = replayed.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(ids[0]).toBeGreaterThan(cleared.id);

      // The operators-only alerts never reach residents, not even in a replay from the start.
      const replayAll = await resident([area]);
      const fromStart = watch("/public", 0);
      expect(await fromStart.socket.timeout(15_000).emitWithAck("subscribe", { areas: [area] })).toEqual({
        ok: true,
      });
      await pollUntil("the public replay", () => (fromStart.events.length > 0 ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(fromStart.events.every((e) => e.audience === "public")).toBe(true);
      expect(replayAll.events).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
