/**
 * Alerts in a real browser: a reading over a rule's threshold appears in the operators' alert
 * panel and on the residents' page for that commune, live; the operator acknowledges it there.
 */
import { rmSync } from "node:fs";
import { connectAsync, type MqttClient } from "mqtt";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./support/chromium.js";
import { logInToDashboard } from "./support/dashboard-login.js";
import { getJson, sendJson } from "./support/http-json.js";
import { pollUntil } from "./support/poll.js";
import { deviceMqttOptions, type ServiceProcess, startServiceProcess } from "./support/service-process.js";

const TIMEOUT_MS = 90_000;
const WAIT_MS = 30_000;
// A demo station, registered with its commune by the demo fleet.
const DEMO_STATION = "tn-air-001";
// This test's own station in the same commune, registered for the metric the rule watches (the
// demo's stations are registered for their own metrics and connected with their own secrets).
const STATION = "bt-wq-001";

describe("alerts in the dashboard and on the residents' page (Chromium)", () => {
  let service: ServiceProcess;
  let device: MqttClient;
  let browser: Browser;
  let operators: Page;
  let residents: Page;
  let area: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    service = await startServiceProcess({ env: { DEMO: "1", DEMO_INTERVAL_MS: "3600000" } });
    const headers = await service.authHeaders();
    area = (await getJson<{ area: string }>(`${service.httpUrl}/api/v1/devices/${DEMO_STATION}`, headers))
      .body.area;
    expect(area).toBeTruthy();
    const secret = await service.registerDevice({
      id: STATION,
      name: "Trạm chất lượng nước thử nghiệm",
      kind: "water_quality",
      area,
      metrics: ["turbidity"],
    });
    const rule = await sendJson(
      "POST",
      `${service.httpUrl}/api/v1/rules`,
      {
        name: "Độ đục cao",
        metric: "turbidity",
        scope: { device: STATION },
        condition: { type: "threshold", above: 100, clearBelow: 50 },
        severity: "critical",
        audience: "public",
        message: { vi: "Độ đục {value} {unit} tại {station}", en: "Turbidity {value} {unit} at {station}" },
      },
      headers,
    );
    expect(rule.status).toBe(201);
    device = await connectAsync(service.mqttUrl, {
      ...deviceMqttOptions(STATION, secret),
      reconnectPeriod: 0,
    });
    browser = await launchChromium();
    operators = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    residents = await browser.newPage({ viewport: { width: 420, height: 900 } });
    for (const page of [operators, residents]) {
      page.on("pageerror", (error) => pageErrors.push(error.message));
    }
  }, TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await device?.endAsync();
    const code = await service?.stop();
    if (service) rmSync(service.dataDir, { recursive: true, force: true });
    expect(code).toBe(0);
  }, TIMEOUT_MS);

  it(
    "shows the alert live to operators and to residents of the area, and records the acknowledgement",
    async () => {
      await operators.goto(service.httpUrl);
      await logInToDashboard(operators, { password: service.adminPassword }, WAIT_MS);
      await operators.locator("#feed-state[data-state='connected']").waitFor({ timeout: WAIT_MS });
      await residents.goto(`${service.httpUrl}/public.html#area=${encodeURIComponent(area)}`);
      // Subscribed and loaded: from here a new alert for the area arrives live.
      await residents
        .locator("#alerts-section[data-live='true']:not([hidden])")
        .waitFor({ timeout: WAIT_MS });
      await residents.locator("#resident-alerts-empty:not([hidden])").waitFor({ timeout: WAIT_MS });

      await device.publishAsync(
        `sensors/${STATION}/readings`,
        JSON.stringify({ values: { turbidity: 420 } }),
        {
          qos: 1,
        },
      );

      const item = operators.locator(".alert-item[data-severity='critical']");
      await item.waitFor({ timeout: WAIT_MS });
      expect(await item.locator(".alert-message").textContent()).toMatch(/^Độ đục 420[,.]0 NTU tại /);
      expect(await item.getAttribute("data-acknowledged")).toBe("false");
      const resident = residents.locator(".resident-alert.severity-critical");
      await resident.waitFor({ timeout: WAIT_MS });
      expect(await resident.locator(".resident-alert-message").textContent()).toMatch(
        /^Độ đục 420[,.]0 NTU tại /,
      );
      // Advice for the hazard (water quality), the critical wording.
      expect(await resident.locator(".resident-alert-advice").textContent()).toMatch(/Ngừng lấy nước/);
      // The operators' card names the station, not only its id.
      expect(await item.locator(".alert-station").textContent()).toBe("Trạm chất lượng nước thử nghiệm");

      await item.locator(".alert-comment").fill("Đã báo đội kiểm tra hiện trường");
      await item.locator("button.alert-ack").click();
      await operators.locator(".alert-item[data-acknowledged='true']").waitFor({ timeout: WAIT_MS });
      expect(await item.locator(".alert-acknowledgement").textContent()).toBe(
        "Xác nhận bởi admin: “Đã báo đội kiểm tra hiện trường”",
      );

      const listed = await pollUntil("the acknowledgement stored", async () => {
        const { body } = await getJson<{ alerts: { acknowledged: boolean; metric: string; id: number }[] }>(
          `${service.httpUrl}/api/v1/alerts`,
          await service.authHeaders(),
        );
        return body.alerts.find((a) => a.metric === "turbidity" && a.acknowledged);
      });
      const detail = await getJson<{
        transitions: { transition: string; comment: string | null; actor: string | null }[];
      }>(`${service.httpUrl}/api/v1/alerts/${listed.id}`, await service.authHeaders());
      expect(detail.body.transitions.map((t) => [t.transition, t.comment])).toEqual([
        ["opened", null],
        ["acknowledged", "Đã báo đội kiểm tra hiện trường"],
      ]);
      // The acknowledgement is the logged-in operator's.
      expect(detail.body.transitions[1]?.actor).toBe("admin");

      // Clearing marks it as over on the residents' page, without the advice, until it is resolved.
      await device.publishAsync(
        `sensors/${STATION}/readings`,
        JSON.stringify({ values: { turbidity: 12 } }),
        {
          qos: 1,
        },
      );
      const over = residents.locator(".resident-alert[data-state='cleared']");
      await over.waitFor({ timeout: WAIT_MS });
      expect(await over.locator(".resident-alert-state").textContent()).toBe("Đã hết");
      expect(await over.locator(".resident-alert-advice").count()).toBe(0);
      await operators.locator(".alert-item[data-state='cleared']").waitFor({ timeout: WAIT_MS });
      expect(pageErrors).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
