import type { Page } from "playwright-core";

/**
 * Logs in through the operators' dashboard login form (#login), as an operator would, and waits
 * until the form has gone. The page must be on the dashboard already.
 */
export async function logInToDashboard(
  page: Page,
  credentials: { readonly username?: string; readonly password: string },
  timeoutMs = 30_000,
): Promise<void> {
  const dialog = page.locator("#login");
  await dialog.waitFor({ state: "visible", timeout: timeoutMs });
  await page.locator("#login-username").fill(credentials.username ?? "admin");
  await page.locator("#login-password").fill(credentials.password);
  await page.locator("#login-form button[type='submit']").click();
  await dialog.waitFor({ state: "hidden", timeout: timeoutMs });
}
