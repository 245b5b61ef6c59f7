/**
 * "Where is it bad now" in Chromium: the attention strip, the list's worst-first order, sorting and
 * filtering, markers drawn worst on top in their kind's shape, and "AQI pending, first value about
 * HH:MM" for a new air station on the operators' and residents' pages, at 1280 and 390 px.
 * Needs the built dashboard (`npm test` builds first; otherwise run `npm run build`).
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseCsv } from "csv-parse/sync";
import { connectAsync } from "mqtt";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOUR_MS } from "../kernel/time.js";
import { launchChromium } from "./support/chromium.js";
import { logInToDashboard } from "./support/dashboard-login.js";
import { getJson } from "./support/http-json.js";
import { pollUntil } from "./support/poll.js";
import {
  deviceMqttOptions,
  type ServiceProcess,
  startServiceProcess,
  type TestDeviceProfile,
} from "./support/service-process.js";

const TIMEOUT_MS = 120_000;
const WAIT_MS = 30_000;
const builtDashboard = fileURLToPath(new URL("../dashboard/dist/index.html", import.meta.url));

const place = { area: "xa-kiem-tra", areaName: "Xã Kiểm Tra" };
const quietPlace = { area: "phuong-moi", areaName: "Phường Mới" };
const airVeryBad: TestDeviceProfile = {
  id: "wf-air-very-bad",
  name: "Không khí KCN (rất xấu)",
  kind: "air",
  ...place,
  lat: 11.2,
  lon: 106.2,
  metrics: ["pm25", "pm10"],
};
// Same place as the very bad one, so their markers overlap: the worse must be drawn on top.
const airPoor: TestDeviceProfile = { ...airVeryBad, id: "wf-air-poor", name: "Không khí chợ (kém)" };
const airNew: TestDeviceProfile = {
  ...airVeryBad,
  ...quietPlace,
  id: "wf-air-new",
  name: "Không khí trạm mới",
  lat: 11.4,
};
const river: TestDeviceProfile = {
  id: "wf-river",
  name: "Mực nước sông (báo động III)",
  kind: "water_level",
  ...place,
  lat: 11.0,
  lon: 106.3,
  metrics: ["water_level"],
  floodLevels: { I: 1.5, II: 2, III: 2.5 },
};

/** Every 5 minutes through each hour, PM2.5 steady: the NowCast of a steady series is that value. */
function backlog(hours: readonly number[], pm25: number) {
  return hours.flatMap((hourStart) =>
    Array.from({ length: 12 }, (_, i) => ({ ts: hourStart + i * 5 * 60_000, values: { pm25, pm10: pm25 } })),
  );
}

describe("worst first on the operators' page", () => {
  let service: ServiceProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const consoleErrors: string[] = [];

  const publish = async (profile: TestDeviceProfile, secret: string, payload: unknown) => {
    const client = await connectAsync(service?.mqttUrl ?? "", {
      ...deviceMqttOptions(profile.id, secret),
      reconnectPeriod: 0,
    });
    await client.publishAsync(`sensors/${profile.id}/readings`, JSON.stringify(payload), { qos: 1 });
    await client.endAsync();
  };

  beforeAll(async () => {
    if (!existsSync(builtDashboard)) {
      throw new Error(`${builtDashboard} is missing: run \`npm run build\` before this test`);
    }
    service = await startServiceProcess({ env: { DEMO: "0", INDEX_TICK_MS: "500", INDEX_GRACE_MS: "0" } });
    const running = service;
    const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const closed = [4, 3, 2, 1].map((back) => hour - back * HOUR_MS);
    // PM2.5 200 µg/m³ → VN_AQI 270 (Rất xấu); 60 µg/m³ → 117 (Kém).
    await publish(airVeryBad, await running.registerDevice(airVeryBad), backlog(closed, 200));
    await publish(airPoor, await running.registerDevice(airPoor), backlog(closed, 60));
    await publish(airNew, await running.registerDevice(airNew), { ts: Date.now(), values: { pm25: 20 } });
    await publish(river, await running.registerDevice(river), {
      ts: Date.now(),
      values: { water_level: 2.7 },
    });
    const headers = await running.authHeaders();
    await pollUntil(
      "both backlogs' hourly AQI",
      async () => {
        const { body } = await getJson<{ stations: { station: string }[] }>(
          `${running.httpUrl}/api/v1/aqi/latest`,
          headers,
        );
        return body.stations.length === 2 ? true : undefined;
      },
      { timeoutMs: WAIT_MS },
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(running.httpUrl);
    await logInToDashboard(page, { password: running.adminPassword }, WAIT_MS);
  }, TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  }, TIMEOUT_MS);

  const visibleRowIds = () =>
    page
      .locator("#stations tbody tr[data-device]:not([hidden])")
      .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.device));

  it(
    "puts the flood alarm and the very bad AQI on the attention strip and at the top of the list",
    async () => {
      const strip = page.locator("#attention-list button[data-station]");
      await expect
        .poll(
          () => strip.evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.station)),
          {
            timeout: WAIT_MS,
          },
        )
        .toEqual([river.id, airVeryBad.id]);
      expect(await page.locator("#attention-empty").isHidden()).toBe(true);
      await expect
        .poll(visibleRowIds, { timeout: WAIT_MS })
        .toEqual([river.id, airVeryBad.id, airPoor.id, airNew.id]);
      expect(await page.locator("#station-count").textContent()).toBe("4/4 trạm");

      // A click on the strip selects the station everywhere.
      await strip.nth(1).click();
      expect(await page.locator(`tr[data-device="${airVeryBad.id}"]`).getAttribute("aria-current")).toBe(
        "true",
      );
      expect(page.url()).toContain(`#station=${airVeryBad.id}`);

      // Nothing scrolls sideways on a 1280 px screen.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    },
    TIMEOUT_MS,
  );

  it(
    "sorts by AQI and filters by kind, commune, status and text",
    async () => {
      await page.selectOption("#station-sort", "aqi");
      expect((await visibleRowIds()).slice(0, 2)).toEqual([airVeryBad.id, airPoor.id]);
      await page.selectOption("#filter-kind", "water_level");
      expect(await visibleRowIds()).toEqual([river.id]);
      await page.selectOption("#filter-kind", "");
      await page.selectOption("#filter-area", quietPlace.area);
      expect(await visibleRowIds()).toEqual([airNew.id]);
      expect(await page.locator("#station-count").textContent()).toBe("1/4 trạm");
      await page.selectOption("#filter-area", "");
      // The test's stations disconnected after publishing.
      await page.selectOption("#filter-status", "online");
      expect(await visibleRowIds()).toEqual([]);
      await page.selectOption("#filter-status", "");
      await page.fill("#station-search", "chợ");
      expect(await visibleRowIds()).toEqual([airPoor.id]);
      await page.fill("#station-search", "");
      await page.selectOption("#station-sort", "worst");
      expect(await visibleRowIds()).toEqual([river.id, airVeryBad.id, airPoor.id, airNew.id]);
    },
    TIMEOUT_MS,
  );

  it(
    "draws the worse of two overlapping markers on top, each kind in its own shape",
    async () => {
      const iconOf = (id: string) => page.locator(`.station-icon:has(path[data-station="${id}"])`);
      const zOf = async (id: string) =>
        Number(await iconOf(id).evaluate((icon) => getComputedStyle(icon).zIndex));
      expect(await zOf(airVeryBad.id)).toBeGreaterThan(await zOf(airPoor.id));
      const veryBad = page.locator(`path.station-marker[data-station="${airVeryBad.id}"]`);
      expect(await veryBad.evaluate((path) => getComputedStyle(path).fill)).toBe("rgb(143, 63, 151)");
      // Status is an outline in a neutral tone, never an index colour: the poor station went offline.
      const poor = page.locator(`path.station-marker[data-station="${airPoor.id}"]`);
      expect(await poor.evaluate((path) => getComputedStyle(path).stroke)).toBe("rgb(123, 135, 148)");
      expect(await poor.evaluate((path) => getComputedStyle(path).strokeDasharray)).not.toBe("none");
      const shape = (id: string) =>
        page.locator(`path.station-marker[data-station="${id}"]`).getAttribute("d");
      expect(await shape(river.id)).not.toBe(await shape(airPoor.id));
      expect(await shape(airNew.id)).toBe(await shape(airPoor.id));
      // A station without an index is white, not the colour of any category.
      const newFill = page.locator(`path.station-marker[data-station="${airNew.id}"]`);
      expect(await newFill.evaluate((path) => getComputedStyle(path).fill)).toBe("rgb(255, 255, 255)");
    },
    TIMEOUT_MS,
  );

  it(
    "shows a 7-day chart of hourly means and downloads what it shows as CSV; a custom range is checked",
    async () => {
      if (service === undefined) throw new Error("service not started");
      await page.locator(`tr[data-device="${airVeryBad.id}"]`).click();
      await page.selectOption("#chart-metric", "pm25");
      await page.selectOption("#chart-range", "7d");
      await expect
        .poll(() => page.locator("#chart-status").textContent(), { timeout: WAIT_MS })
        .toBe("Giá trị trung bình mỗi 1h");
      await page.waitForSelector("#chart-plot .uplot canvas", { timeout: WAIT_MS });
      const downloading = page.waitForEvent("download");
      await page.locator("#chart-csv").click();
      const download = await downloading;
      expect(download.suggestedFilename()).toMatch(
        /^wf-air-very-bad_pm25_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.csv$/,
      );
      const text = readFileSync(await download.path(), "utf8");
      expect(text.startsWith("\uFEFF")).toBe(true);
      const rows = parseCsv(text, { columns: true, bom: true }) as Record<string, string>[];
      // The same hourly means as the API's JSON: four hours of 200 µg/m³.
      const { body } = await getJson<{ points: { ts: string; mean: number }[] }>(
        `${service.httpUrl}/api/v1/readings?device=${airVeryBad.id}&metric=pm25&step=1h&from=${Date.now() - 7 * 24 * HOUR_MS}`,
        await service.authHeaders(),
      );
      expect(rows.map((row) => [row.time_utc, Number(row.mean)])).toEqual(
        body.points.map((p) => [p.ts, p.mean]),
      );
      expect(rows).toHaveLength(4);

      // A custom range that ends before the data: nothing to draw, said so.
      await page.selectOption("#chart-range", "custom");
      await page.fill("#chart-from", "2026-01-01T00:00");
      await page.fill("#chart-to", "2026-01-02T00:00");
      await page.locator("#chart-to").dispatchEvent("change");
      await expect
        .poll(() => page.locator("#chart-status").textContent(), { timeout: WAIT_MS })
        .toContain("Không có dữ liệu trong khoảng thời gian này.");
      await page.fill("#chart-to", "2025-01-01T00:00");
      await page.locator("#chart-to").dispatchEvent("change");
      await expect.poll(() => page.locator("#chart-status").textContent()).toContain("không hợp lệ");
      await page.selectOption("#chart-range", "1h");
    },
    TIMEOUT_MS,
  );

  it(
    "says when a new air station's first AQI is due, on the operators' list and the residents' page at 390 px",
    async () => {
      const pending = page.locator(`tr[data-device="${airNew.id}"] .index-pending`);
      await expect
        .poll(() => pending.textContent(), { timeout: WAIT_MS })
        .toMatch(/^Đang chờ AQI, giá trị đầu tiên khoảng \d\d:\d\d$/);
      const phone = await browser?.newPage({ viewport: { width: 390, height: 844 } });
      if (phone === undefined || service === undefined) throw new Error("browser not started");
      await phone.goto(`${service.httpUrl}/public.html#area=${quietPlace.area}`);
      const card = phone.locator(`.aqi-pending-card[data-station="${airNew.id}"]`);
      await expect
        .poll(() => card.textContent(), { timeout: WAIT_MS })
        .toMatch(/giá trị đầu tiên khoảng \d\d:\d\d/);
      expect(await phone.locator("#air-cards").textContent()).not.toContain("chưa có trạm");
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

      // The operators' page on the phone: the list is there and nothing scrolls sideways.
      await phone.goto(service.httpUrl);
      await logInToDashboard(phone, { password: service.adminPassword }, WAIT_MS);
      await expect
        .poll(() => phone.locator(`tr[data-device="${river.id}"]`).isVisible(), { timeout: WAIT_MS })
        .toBe(true);
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await phone.close();
      expect(consoleErrors).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
