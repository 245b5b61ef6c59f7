/**
 * The indices in a real browser: a backlog uploaded over MQTT becomes an hourly AQI in the service,
 * and the operators' map, list, legend and chart and the residents' page show it in the category's
 * colour; a water level above a station's alarm level I shows its flood badge, live.
 * Needs the built dashboard (`npm test` builds first; otherwise run `npm run build`).
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectAsync, type MqttClient } from "mqtt";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceProfile } from "../devices/model/device.js";
import { createDeviceRegistry } from "../devices/store/device-registry.js";
import { HOUR_MS } from "../kernel/time.js";
import { openSqliteDatabase } from "../platform/sqlite/sqlite-database.js";
import { openServiceMetadata } from "../service/metadata.js";
import { launchChromium } from "./support/chromium.js";
import { logInToDashboard } from "./support/dashboard-login.js";
import { getJson } from "./support/http-json.js";
import { pollUntil } from "./support/poll.js";
import { deviceMqttOptions, type ServiceProcess, startServiceProcess } from "./support/service-process.js";

const TIMEOUT_MS = 90_000;
const WAIT_MS = 30_000;
const builtDashboard = fileURLToPath(new URL("../dashboard/dist/public.html", import.meta.url));

const AREA = "phuong-thu-nghiem";
const AREA_NAME = "Phường Thử Nghiệm";
const air: DeviceProfile = {
  id: "bt-air-1",
  name: "Quan trắc không khí thử nghiệm",
  kind: "air",
  area: AREA,
  areaName: AREA_NAME,
  lat: 11.2,
  lon: 106.2,
  metrics: ["pm25", "pm10"],
};
const river: DeviceProfile = {
  id: "bt-wl-1",
  name: "Mực nước sông thử nghiệm",
  kind: "water_level",
  area: AREA,
  areaName: AREA_NAME,
  lat: 10.9,
  lon: 106.3,
  metrics: ["water_level"],
  floodLevels: { I: 1.5, II: 2, III: 2.5 },
};

/**
 * Expectations written from Decision 1459/QĐ-TCMT, not computed with the service's code: PM2.5
 * steady at 60 µg/m³ for the last four hours has a NowCast of 60, between breakpoints 50 (index 100)
 * and 80 (index 150): 100 + 50 × 10 / 30 = 116.7 → 117, category Kém, RGB 255,126,0.
 */
const STEADY_PM25 = 60;
const EXPECTED_AQI = 117;
const POOR = { key: "poor", vi: "Kém", en: "Poor", css: "rgb(255, 126, 0)" };
/** After the last three hours are replaced by 200 µg/m³ the AQI is well inside Rất xấu (201–300). */
const VERY_BAD = { key: "very_bad", css: "rgb(143, 63, 151)" };
const LEGEND = [
  ["0–50", "Tốt", "rgb(0, 228, 0)"],
  ["51–100", "Trung bình", "rgb(255, 255, 0)"],
  ["101–150", "Kém", "rgb(255, 126, 0)"],
  ["151–200", "Xấu", "rgb(255, 0, 0)"],
  ["201–300", "Rất xấu", "rgb(143, 63, 151)"],
  ["301–500", "Nguy hại", "rgb(126, 0, 35)"],
];

const isLocalOrigin = (url: string): boolean => {
  const { protocol, hostname } = new URL(url);
  if (protocol === "data:" || protocol === "blob:") return true;
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
};

/** The registry as an operator would have set it up: the service finds these stations on start. */
async function registerStations(dataDir: string, profiles: readonly DeviceProfile[]): Promise<void> {
  const metadata = await openServiceMetadata(openSqliteDatabase(dataDir));
  await createDeviceRegistry(metadata, { now: () => Date.now() }).register(profiles);
  await metadata.destroy();
}

/** Readings every 5 minutes through each given closed hour (a device uploading its backlog). */
function hourlyBacklog(hours: readonly number[], pm25: number) {
  return hours.flatMap((hourStart) =>
    Array.from({ length: 12 }, (_, i) => ({
      ts: hourStart + i * 5 * 60_000,
      values: { pm25, pm10: pm25 * 1.5 },
    })),
  );
}

describe("indices on the operators' and residents' pages in Chromium", () => {
  let service: ServiceProcess | undefined;
  /** One connection per station: a device may publish only on its own topics. */
  const mqttClients = new Map<string, MqttClient>();
  let browser: Browser | undefined;
  let page: Page;
  let residentPage: Page;
  const requestedUrls: string[] = [];
  const residentApiPaths: string[] = [];
  const consoleErrors: string[] = [];
  const closedHours: number[] = [];

  const publish = async (deviceId: string, payload: unknown) => {
    const client = mqttClients.get(deviceId);
    if (client === undefined) throw new Error(`${deviceId} is not connected`);
    await client.publishAsync(`sensors/${deviceId}/readings`, JSON.stringify(payload), { qos: 1 });
  };

  const watch = (target: Page) => {
    target.on("request", (request) => requestedUrls.push(request.url()));
    target.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    target.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));
  };

  beforeAll(async () => {
    if (!existsSync(builtDashboard)) {
      throw new Error(`${builtDashboard} is missing: run \`npm run build\` before this test`);
    }
    const dataDir = mkdtempSync(join(tmpdir(), "envmon-browser-indices-"));
    await registerStations(dataDir, [air, river]);
    service = await startServiceProcess({
      dataDir,
      env: { DEMO: "0", INDEX_TICK_MS: "500", INDEX_GRACE_MS: "0" },
    });
    const running = service;
    // Registered in the database before the start, the stations have no broker secret yet: the
    // admin issues one for each through the API.
    for (const { id } of [air, river]) {
      const issued = await fetch(`${running.httpUrl}/api/v1/devices/${id}/secret`, {
        method: "POST",
        headers: await running.authHeaders(),
      });
      const answer = (await issued.json()) as { secret: string };
      expect(issued.status, JSON.stringify(answer)).toBe(200);
      const { secret } = answer;
      mqttClients.set(
        id,
        await connectAsync(running.mqttUrl, { ...deviceMqttOptions(id, secret), reconnectPeriod: 0 }),
      );
    }

    const currentHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    closedHours.push(...[4, 3, 2, 1].map((back) => currentHour - back * HOUR_MS));
    await publish(air.id, hourlyBacklog(closedHours, STEADY_PM25));
    await publish(river.id, { ts: Date.now(), values: { water_level: 1.72 } });
    const httpUrl = service.httpUrl;
    const headers = await service.authHeaders();
    await pollUntil(
      "the backlog's hourly AQI in /api/v1/aqi/latest",
      async () => {
        const { body } = await getJson<{ stations: { station: string; aqi: number }[] }>(
          `${httpUrl}/api/v1/aqi/latest`,
          headers,
        );
        return body.stations.find((s) => s.station === air.id && s.aqi === EXPECTED_AQI);
      },
      { timeoutMs: WAIT_MS },
    );

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    watch(page);
    residentPage = await browser.newPage({ viewport: { width: 390, height: 844 } });
    watch(residentPage);
    residentPage.on("request", (request) => {
      const { pathname } = new URL(request.url());
      if (pathname.startsWith("/api/")) residentApiPaths.push(pathname);
    });
  }, TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([...mqttClients.values()].map((client) => client.endAsync()));
    await service?.stop();
  }, TIMEOUT_MS);

  const marker = () => page.locator(`path.station-marker[data-station="${air.id}"]`);
  const markerFill = () => marker().evaluate((element) => getComputedStyle(element).fill);

  it(
    "colours the air station's marker and list row by its AQI category, with the six-category legend",
    async () => {
      if (service === undefined) throw new Error("service not started");
      await page.goto(service.httpUrl);
      await logInToDashboard(page, { password: service.adminPassword }, WAIT_MS);
      await expect
        .poll(() => marker().getAttribute("data-aqi-category"), { timeout: WAIT_MS })
        .toBe(POOR.key);
      expect(await marker().getAttribute("data-aqi")).toBe(String(EXPECTED_AQI));
      expect(await markerFill()).toBe(POOR.css);

      const chip = page.locator(`tr[data-device="${air.id}"] .aqi-chip`);
      expect(await chip.getAttribute("data-aqi")).toBe(String(EXPECTED_AQI));
      expect(await chip.evaluate((element) => getComputedStyle(element).backgroundColor)).toBe(POOR.css);
      const cell = page.locator(`tr[data-device="${air.id}"] .index-cell`);
      expect(await cell.textContent()).toContain(POOR.vi);
      expect(await cell.textContent()).toContain("PM2.5");
      // The advice for both audiences is in the cell's tooltip.
      expect(await cell.locator(".index-aqi").getAttribute("title")).toMatch(/Người dân: .+\nNhóm nhạy cảm/);

      const bands = page.locator("#map-legend .aqi-legend-band");
      expect(await bands.count()).toBe(6);
      const shown = await bands.evaluateAll((items) =>
        items.map((item) => {
          const swatch = item.querySelector(".aqi-legend-swatch") as HTMLElement;
          return [
            swatch.textContent,
            item.querySelector(".aqi-legend-name")?.textContent,
            getComputedStyle(swatch).backgroundColor,
          ];
        }),
      );
      expect(shown).toEqual(LEGEND);
    },
    TIMEOUT_MS,
  );

  it(
    "shows the water-level station's flood level I badge on the map and in the list, and level II live",
    async () => {
      const rowBadge = page.locator(`tr[data-device="${river.id}"] .flood-badge`);
      await expect.poll(() => rowBadge.getAttribute("data-flood-level"), { timeout: WAIT_MS }).toBe("1");
      expect(await rowBadge.textContent()).toBe("Báo động I");
      expect(await rowBadge.evaluate((element) => getComputedStyle(element).backgroundColor)).toBe(
        "rgb(255, 214, 0)",
      );
      const mapBadge = page.locator(`.flood-map-badge [data-station="${river.id}"]`);
      expect(await mapBadge.getAttribute("data-flood-level")).toBe("1");
      expect(await mapBadge.textContent()).toBe("I");

      await publish(river.id, { ts: Date.now(), values: { water_level: 2.1 } });
      await expect.poll(() => rowBadge.getAttribute("data-flood-level"), { timeout: WAIT_MS }).toBe("2");
      expect(await rowBadge.textContent()).toBe("Báo động II");
      expect(await mapBadge.textContent()).toBe("II");
    },
    TIMEOUT_MS,
  );

  it(
    "draws the selected air station's hourly AQI and recolours it live when a recomputed hour arrives",
    async () => {
      await page.locator(`tr[data-device="${air.id}"]`).click();
      await page.waitForSelector("#aqi-chart-plot .uplot canvas", { timeout: WAIT_MS });
      expect(await page.locator("#aqi-detail .aqi-chip").getAttribute("data-aqi")).toBe(String(EXPECTED_AQI));
      expect(await page.locator("#aqi-detail").textContent()).toContain("Nhóm nhạy cảm");

      // Late data for the last three hours: the service recomputes them and pushes the new AQI.
      await publish(air.id, hourlyBacklog(closedHours.slice(1), 200));
      await expect
        .poll(() => marker().getAttribute("data-aqi-category"), { timeout: WAIT_MS })
        .toBe(VERY_BAD.key);
      expect(await markerFill()).toBe(VERY_BAD.css);
      await expect
        .poll(() => page.locator("#aqi-detail .aqi-chip").getAttribute("data-category"), { timeout: WAIT_MS })
        .toBe(VERY_BAD.key);
    },
    TIMEOUT_MS,
  );

  it(
    "shows residents the AQI and flood level of the area they pick, on a phone, using public routes only",
    async () => {
      if (service === undefined) throw new Error("service not started");
      await residentPage.goto(`${service.httpUrl}/public.html`);
      await expect
        .poll(() => residentPage.locator(`#area-select option[value="${AREA}"]`).textContent(), {
          timeout: WAIT_MS,
        })
        .toBe(AREA_NAME);
      await residentPage.selectOption("#area-select", AREA);

      const banner = residentPage.locator(`.aqi-card[data-station="${air.id}"] .aqi-banner`);
      await expect.poll(() => banner.getAttribute("data-category"), { timeout: WAIT_MS }).toBe(VERY_BAD.key);
      expect(await banner.evaluate((element) => getComputedStyle(element).backgroundColor)).toBe(
        VERY_BAD.css,
      );
      const card = residentPage.locator(`.aqi-card[data-station="${air.id}"]`);
      expect(await card.textContent()).toContain("Rất xấu");
      expect(await card.textContent()).toContain("Bụi mịn PM2.5");
      expect(await card.textContent()).toContain("Nhóm nhạy cảm");
      const flood = residentPage.locator(`.flood-card[data-station="${river.id}"] .flood-badge`);
      expect(await flood.getAttribute("data-flood-level")).toBe("2");
      expect(await residentPage.locator("#resident-legend .aqi-legend-band").count()).toBe(6);
      // Nothing wider than the phone's screen.
      expect(await residentPage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );
      expect(residentPage.url()).toContain(`#area=${AREA}`);

      await residentPage.getByRole("button", { name: "English" }).click();
      await expect.poll(() => card.textContent()).toContain("Very bad");
      expect(await residentPage.locator("html").getAttribute("lang")).toBe("en");

      expect(residentApiPaths.length).toBeGreaterThan(0);
      expect(residentApiPaths.filter((path) => !path.startsWith("/api/v1/public/"))).toEqual([]);
    },
    TIMEOUT_MS,
  );

  it("made no request outside localhost and logged no errors", () => {
    expect(requestedUrls.filter((url) => !isLocalOrigin(url))).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
