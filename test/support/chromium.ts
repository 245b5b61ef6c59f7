import { type Browser, chromium } from "playwright-core";

/**
 * Debian's Chromium (never a downloaded browser), headless, with the flags that keep it off a
 * closed network: no background requests, updates or sync.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-quic",
      "--disable-sync",
    ],
  });
}
