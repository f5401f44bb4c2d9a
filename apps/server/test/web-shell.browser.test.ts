import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startParley, type RunningParley } from "../src/app/parley.ts";
import { loadConfig } from "../src/config/config.ts";
import { launchBrowser } from "./browser.ts";
import { screenshot, seriousViolations } from "./web-support.ts";

let parley: RunningParley;
let browser: Browser;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "parley-web-"));
  parley = await startParley(loadConfig({ env: {}, flags: { port: 0, host: "127.0.0.1", dataDir } }), {
    logger: pino({ level: "silent" }),
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser.close();
  await parley.stop();
});

/** Opens `path` and collects console errors and failed requests (CSP violations show up there). */
async function open(path: string): Promise<{ page: Page; problems: string[] }> {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 760 } })).newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("requestfailed", (request) => problems.push(`failed: ${request.url()}`));
  await page.goto(`${parley.url}${path}`, { waitUntil: "networkidle" });
  return { page, problems };
}

describe("web shell in a real browser", () => {
  it("shows the server's mode and every component's readiness at /status", async () => {
    const { page, problems } = await open("/status");
    await page.getByRole("status").filter({ hasText: "ready" }).waitFor();
    expect(await page.getByText("embedded").isVisible()).toBe(true);
    for (const name of ["database", "bus", "registry"]) {
      expect(await page.locator("li", { hasText: name }).textContent()).toContain("up");
    }
    await screenshot(page, "status", true);
    expect(problems).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("renders the API reference at /api/docs under its content security policy", async () => {
    const { page, problems } = await open("/api/docs");
    await page.getByText("/api/v1/system/info").first().waitFor({ timeout: 15_000 });
    await screenshot(page, "api-docs");
    expect(problems.filter((p) => /Content Security Policy|Refused/.test(p))).toEqual([]);
  });

  it("serves deep links of the app with the app itself, which sends a fresh installation to setup", async () => {
    const { page } = await open("/c/some-conversation");
    expect(await page.title()).toBe("Parley");
    await page.getByRole("heading", { name: "Set up Parley" }).waitFor();
  });
});
