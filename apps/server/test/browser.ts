import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium; tests never download a browser. */
export const CHROMIUM_PATH = process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Launches headless Chromium the way this project's machines allow (no sandbox as root, no
 * background networking on a closed network).
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-gpu",
      "--no-first-run",
    ],
  });
}
