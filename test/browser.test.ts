/**
 * End to end through a real browser: MQTT reading → service → Socket.IO → dashboard cell.
 * Needs the built dashboard (`npm test` builds first; otherwise run `npm run build`).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { connectAsync, type MqttClient } from "mqtt";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./support/chromium.js";
import { logInToDashboard } from "./support/dashboard-login.js";
import { deviceMqttOptions, type ServiceProcess, startServiceProcess } from "./support/service-process.js";

const TIMEOUT_MS = 60_000;
/** Waits inside a test end well before the test's own timeout, so a failure reports what was awaited. */
const WAIT_MS = 30_000;
const DEVICE_ID = "browser-test-aq-1";
const DEVICE_NAME = "Trạm không khí thử nghiệm trình duyệt";
const METRIC = "pm25";
const builtDashboard = fileURLToPath(new URL("../dashboard/dist/index.html", import.meta.url));

/** The dashboard shows values the way the Vietnamese locale writes them: 47,9 rather than 47.9. */
const viNumber = (value: number, decimals: number) =>
  new Intl.NumberFormat("vi-VN", { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(
    value,
  );

const isLocalOrigin = (url: string): boolean => {
  const { protocol, hostname } = new URL(url);
  if (protocol === "data:" || protocol === "blob:") return true;
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
};

describe("operations dashboard in Chromium", () => {
  let service: ServiceProcess | undefined;
  let mqttClient: MqttClient | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const requestedUrls: string[] = [];
  const consoleErrors: string[] = [];

  const publishReading = async (values: Record<string, number>) => {
    if (mqttClient === undefined) throw new Error("MQTT client not connected");
    await mqttClient.publishAsync(
      `sensors/${DEVICE_ID}/readings`,
      JSON.stringify({ ts: new Date().toISOString(), values }),
      { qos: 1 },
    );
  };

  beforeAll(async () => {
    if (!existsSync(builtDashboard)) {
      throw new Error(`${builtDashboard} is missing: run \`npm run build\` before this test`);
    }
    service = await startServiceProcess({ env: { DEMO: "0" } });
    const secret = await service.registerDevice({ id: DEVICE_ID, name: DEVICE_NAME });
    mqttClient = await connectAsync(service.mqttUrl, {
      ...deviceMqttOptions(DEVICE_ID, secret),
      reconnectPeriod: 0,
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on("request", (request) => requestedUrls.push(request.url()));
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));
  }, TIMEOUT_MS);

  afterAll(async () => {
    // Browser first, so the page does not log the service going away.
    await browser?.close();
    await mqttClient?.endAsync();
    await service?.stop();
  }, TIMEOUT_MS);

  it(
    "shows a device's reading and then updates it live without a reload",
    async () => {
      if (service === undefined) throw new Error("service not started");
      await publishReading({ [METRIC]: 12.3, temperature: 31.4 });

      await page.goto(service.httpUrl);
      // Nothing of the dashboard before the operator logs in.
      await logInToDashboard(page, { password: service.adminPassword }, WAIT_MS);
      await page.waitForSelector(`tr[data-device="${DEVICE_ID}"]`, { timeout: WAIT_MS });
      const cell = page.locator(`[data-device="${DEVICE_ID}"][data-metric="${METRIC}"]`);
      await expect.poll(() => cell.getAttribute("data-value"), { timeout: WAIT_MS }).toBe("12.3");
      await expect.poll(() => cell.textContent()).toContain(viNumber(12.3, 1));
      // Registered by the admin (an unregistered device can no longer connect): listed by its name.
      await expect
        .poll(() => page.locator(`tr[data-device="${DEVICE_ID}"]`).textContent())
        .toContain(DEVICE_NAME);
      expect(await page.locator(`tr[data-device="${DEVICE_ID}"] .badge-unregistered`).count()).toBe(0);
      expect(await page.locator("#session-user").textContent()).toBe("admin (admin)");
      // A marker on the window survives only if the page is not reloaded.
      await page.evaluate(() => {
        (window as unknown as { notReloaded?: boolean }).notReloaded = true;
      });
      await expect.poll(() => page.locator("#feed-state").getAttribute("data-state")).toBe("connected");

      await publishReading({ [METRIC]: 47.9 });

      await expect.poll(() => cell.getAttribute("data-value"), { timeout: WAIT_MS }).toBe("47.9");
      expect(await cell.textContent()).toContain(viNumber(47.9, 1));
      // Only the live path highlights a changed value; a re-rendered list would not.
      expect(await cell.getAttribute("class")).toContain("flash");
      expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
        true,
      );
    },
    TIMEOUT_MS,
  );

  it(
    "draws the selected station's last hour",
    async () => {
      await page.locator(`tr[data-device="${DEVICE_ID}"]`).click();
      await page.waitForSelector("#chart-plot .uplot canvas", { timeout: WAIT_MS });
      const metricChoices = await page
        .locator("#chart-metric option")
        .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
      expect(metricChoices).toEqual(expect.arrayContaining([METRIC, "temperature"]));
    },
    TIMEOUT_MS,
  );

  it(
    "is in Vietnamese by default and switches to English, remembering the choice",
    async () => {
      expect(await page.locator("html").getAttribute("lang")).toBe("vi");
      expect(await page.locator("h1").textContent()).toBe("Trung tâm giám sát môi trường Tây Ninh");
      expect(await page.locator("#stations thead").textContent()).toContain("Trạng thái");

      await page.getByRole("button", { name: "English" }).click();

      await expect
        .poll(() => page.locator("h1").textContent())
        .toBe("Tây Ninh Environmental Monitoring Centre");
      expect(await page.locator("html").getAttribute("lang")).toBe("en");
      expect(await page.locator("#stations thead").textContent()).toContain("Status");
      expect(await page.locator(`tr[data-device="${DEVICE_ID}"]`).textContent()).toContain(DEVICE_NAME);
      // English numbers use a decimal point.
      expect(
        await page.locator(`[data-device="${DEVICE_ID}"][data-metric="${METRIC}"]`).textContent(),
      ).toContain("47.9");

      // The session lives in the tab: a reload stays logged in.
      await page.reload();
      await page.waitForSelector(`tr[data-device="${DEVICE_ID}"]`, { timeout: WAIT_MS });
      expect(await page.locator("#login").isHidden()).toBe(true);
      expect(await page.locator("h1").textContent()).toBe("Tây Ninh Environmental Monitoring Centre");
    },
    TIMEOUT_MS,
  );

  it("made no request outside localhost and logged no errors", () => {
    expect(requestedUrls.length).toBeGreaterThan(0);
    expect(requestedUrls.filter((url) => !isLocalOrigin(url))).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
