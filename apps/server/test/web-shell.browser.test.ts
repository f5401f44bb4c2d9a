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
async function open(path: string, url = parley.url): Promise<{ page: Page; problems: string[] }> {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 760 } })).newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("requestfailed", (request) => problems.push(`failed: ${request.url()}`));
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
  });
  await page.goto(`${url}${path}`, { waitUntil: "networkidle" });
  return { page, problems };
}

describe("web shell in a real browser", () => {
  it("loads signed out without a failing request or a console error, favicon included", async () => {
    // An installation with its admin: a signed-out visitor is sent to sign in.
    const dataDir = mkdtempSync(join(tmpdir(), "parley-web-"));
    const env = {
      PARLEY_ADMIN_EMAIL: "admin@parley.test",
      PARLEY_ADMIN_PASSWORD: "correct horse battery staple",
    };
    const installed = await startParley(loadConfig({ env, flags: { port: 0, host: "127.0.0.1", dataDir } }), {
      logger: pino({ level: "silent" }),
    });
    try {
      for (const path of ["/", "/login", "/c/some-conversation", "/api/docs"]) {
        const { page, problems } = await open(path, installed.url);
        if (path !== "/api/docs") await page.getByRole("button", { name: /sign in/i }).waitFor();
        // The tab's icon, also where a page names none.
        const icon = await page.request.get(`${installed.url}/favicon.ico`);
        expect(icon.status()).toBe(200);
        expect(icon.headers()["content-type"]).toContain("image/svg+xml");
        expect(problems, path).toEqual([]);
        await page.context().close();
      }
    } finally {
      await installed.stop();
    }
  });

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
