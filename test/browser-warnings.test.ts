/**
 * The agencies' warnings in a real browser: an issuer drafts a level-3 flood warning on the
 * operators' warnings screen and cannot publish it; an approver of the same agency publishes it
 * there; the residents' page of one of its communes shows it in the level's colour and name.
 * Screenshots at 1920×1080, 1280×800 and 390×844 go to SHOTS_DIR when it is set.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./support/chromium.js";
import { logInToDashboard } from "./support/dashboard-login.js";
import { sendJson } from "./support/http-json.js";
import { randomPassword, type ServiceProcess, startServiceProcess } from "./support/service-process.js";

const WAIT_MS = 30_000;
const WIDTHS = [
  { width: 1920, height: 1080 },
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;
const SHOTS_DIR = process.env.SHOTS_DIR;

describe("agency warnings: draft, approve, publish, and the residents' page (Chromium)", () => {
  let service: ServiceProcess;
  let browser: Browser;
  const passwords = { issuer: randomPassword(), approver: randomPassword() };
  const pageErrors: string[] = [];

  async function shoot(page: Page, name: string) {
    if (!SHOTS_DIR) return;
    mkdirSync(SHOTS_DIR, { recursive: true });
    for (const size of WIDTHS) {
      await page.setViewportSize(size);
      await page.waitForTimeout(150);
      await page.screenshot({ path: join(SHOTS_DIR, `${name}-${size.width}.png`), fullPage: true });
    }
  }

  async function logIn(username: "issuer" | "approver") {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(`${service.httpUrl}/warnings.html`);
    await logInToDashboard(page, { username: `kttv-${username}`, password: passwords[username] }, WAIT_MS);
    return page;
  }

  beforeAll(async () => {
    service = await startServiceProcess({ env: { DEMO: "1", DEMO_INTERVAL_MS: "3600000" } });
    const headers = await service.authHeaders();
    for (const role of ["issuer", "approver"] as const) {
      const created = await sendJson(
        "POST",
        `${service.httpUrl}/api/v1/users`,
        { username: `kttv-${role}`, role: "viewer", password: passwords[role] },
        headers,
      );
      expect(created.status).toBe(201);
    }
    const agency = await sendJson<{ id: number }>(
      "POST",
      `${service.httpUrl}/api/v1/agencies`,
      {
        code: "kttv-tay-ninh",
        name: { vi: "Đài Khí tượng Thủy văn tỉnh Tây Ninh", en: "Tây Ninh Hydro-Meteorological Station" },
        hazards: ["flood", "heavy_rain"],
        communes: ["tan-ninh", "go-dau", "trang-bang"],
      },
      headers,
    );
    expect(agency.status).toBe(201);
    for (const role of ["issuer", "approver"] as const) {
      const member = await sendJson(
        "PUT",
        `${service.httpUrl}/api/v1/agencies/${agency.body.id}/members/kttv-${role}`,
        { role },
        headers,
      );
      expect(member.status).toBe(200);
    }
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it("lets the issuer draft but not publish, and the approver publish; residents see the level's colour", async () => {
    const issuer = await logIn("issuer");
    await issuer.locator("#draft-form").waitFor({ state: "visible", timeout: WAIT_MS });
    await issuer.locator("#draft-level").selectOption("3");
    await issuer.locator("#draft-communes input[value='tan-ninh']").check();
    await issuer.locator("#draft-communes input[value='go-dau']").check();
    await issuer.locator("#draft-headline").fill("Lũ trên sông Vàm Cỏ Đông vượt báo động III");
    await issuer.locator("#draft-headline-en").fill("Flood on the Vàm Cỏ Đông above alarm level III");
    await issuer
      .locator("#draft-description")
      .fill("Mực nước tại trạm Gò Dầu lên nhanh, dự báo vượt báo động III trong 12 giờ tới.");
    await issuer
      .locator("#draft-instruction")
      .fill("Di dời người và tài sản lên nơi cao; không qua đường ngập sâu.");
    await issuer.locator("#draft-form button[type='submit']").click();
    const draftItem = issuer.locator(".warning-item[data-state='draft']");
    await draftItem.waitFor({ timeout: WAIT_MS });
    expect(await draftItem.locator(".level-badge").textContent()).toContain("Cấp độ 3 – rủi ro lớn");
    // The issuer may discard it but has no publish button.
    expect(await draftItem.locator("button[data-action='publish']").count()).toBe(0);
    expect(await draftItem.locator("button[data-action='cancel']").count()).toBe(1);
    await issuer.setViewportSize({ width: 1280, height: 800 });
    await shoot(issuer, "warnings-issuer-draft");
    await issuer.close();

    const approver = await logIn("approver");
    const toPublish = approver.locator(".warning-item[data-state='draft']");
    await toPublish.waitFor({ timeout: WAIT_MS });
    await toPublish.locator("button[data-action='publish']").click();
    const published = approver.locator(".warning-item[data-state='published']");
    await published.waitFor({ timeout: WAIT_MS });
    expect(await published.textContent()).toContain("Phát hành: kttv-approver");
    await shoot(approver, "warnings-approver-published");
    await approver.close();

    const resident = await browser.newPage({ viewport: { width: 390, height: 844 } });
    resident.on("pageerror", (error) => pageErrors.push(error.message));
    await resident.goto(`${service.httpUrl}/public.html#area=tan-ninh`);
    const card = resident.locator(".resident-warning");
    await card.waitFor({ timeout: WAIT_MS });
    expect(await card.locator(".resident-warning-level").textContent()).toContain("Cấp độ 3 – rủi ro lớn");
    await shoot(resident, "residents-warning");
    // The card in level 3's colour, da cam (#ff9a2e); re-rendered when the live feed connects.
    await resident.waitForFunction(
      () => {
        const shown = document.querySelector(".resident-warning");
        return shown !== null && getComputedStyle(shown).backgroundColor === "rgb(255, 154, 46)";
      },
      undefined,
      { timeout: WAIT_MS },
    );
    await resident.goto(`${service.httpUrl}/public.html#area=trang-bang`);
    await resident.reload();
    await resident.locator("#area-select").waitFor();
    await resident.waitForTimeout(1000);
    expect(await resident.locator(".resident-warning").count()).toBe(0);
    await resident.close();
    expect(pageErrors).toEqual([]);
  });
});
