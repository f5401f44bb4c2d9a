import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import pino from "pino";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startParley, type RunningParley } from "../src/app/parley.ts";
import { loadConfig } from "../src/config/config.ts";
import { launchBrowser } from "./browser.ts";
import { startFakeUpstream, type FakeUpstream } from "./fake-upstream/fake-upstream.ts";

const ADMIN = { email: "boss@parley.test", password: "administrate all the things" };
const SCREENSHOTS = process.env.PARLEY_SCREENSHOTS_DIR;
let parley: RunningParley;
let fake: FakeUpstream;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  fake = await startFakeUpstream({ chunks: 5 });
  parley = await startParley(
    loadConfig({
      env: {
        PARLEY_ADMIN_EMAIL: ADMIN.email,
        PARLEY_ADMIN_PASSWORD: ADMIN.password,
        PARLEY_OLLAMA_DETECT: "false",
        PARLEY_PROVIDERS: JSON.stringify([
          {
            id: "fake",
            name: "Fake",
            type: "openai-compatible",
            baseURL: `${fake.url}/v1`,
            models: ["fake-model"],
          },
        ]),
      },
      flags: { port: 0, host: "127.0.0.1", dataDir: mkdtempSync(join(tmpdir(), "parley-admin-")) },
    }),
    { logger: pino({ level: "silent" }) },
  );
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  page = await context.newPage();
  await page.goto(`${parley.url}/login`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "New chat" }).first().waitFor();
}, 60_000);
afterAll(async () => {
  await browser.close();
  await parley.stop();
  await fake.close();
});

async function open(section: string, heading: string): Promise<void> {
  await page.goto(`${parley.url}/admin/${section}`);
  await page.getByRole("heading", { name: heading, exact: true }).waitFor();
  const violations = (await new AxeBuilder({ page }).analyze()).violations.filter(
    (v) => v.impact === "serious" || v.impact === "critical",
  );
  expect(violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

describe("administration in a real browser", () => {
  it("edits a model's prices", async () => {
    await open("models", "Providers & models");
    await page.getByLabel("Input price of fake/fake-model").fill("1.5");
    await page.getByLabel("Output price of fake/fake-model").fill("3");
    await page.getByRole("button", { name: "Save" }).first().click();
    await page.getByRole("button", { name: "Saved" }).waitFor();
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "admin-models.png") });
    await page.reload();
    await expect.poll(() => page.getByLabel("Input price of fake/fake-model").inputValue()).toBe("1.5");
  });

  it("adds a user and changes their role", async () => {
    await open("users", "Users");
    await page.getByLabel("Email", { exact: true }).fill("new.dev@parley.test");
    await page.getByLabel("Name", { exact: true }).fill("New Dev");
    await page.getByLabel("Password", { exact: true }).fill("a new dev password");
    await page.getByRole("button", { name: "Add user" }).click();
    await page.getByRole("rowheader", { name: "new.dev@parley.test" }).waitFor();
    await page.getByLabel("Role of new.dev@parley.test").selectOption("operator");
    await expect.poll(() => page.getByLabel("Role of new.dev@parley.test").inputValue()).toBe("operator");
  });

  it("creates an API key shown once, which then works", async () => {
    await open("keys", "API keys");
    await page.getByLabel("Key name").fill("ci");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.locator("code.secret").innerText()).trim();
    expect(key).toMatch(/^pk_/);
    const me = await fetch(`${parley.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    await page.reload();
    await page.getByRole("rowheader", { name: "ci" }).waitFor();
    expect(await page.locator("code.secret").count()).toBe(0);
  });

  it("charts usage and verifies the audit chain", async () => {
    // One AI call to have something to chart.
    await page.goto(`${parley.url}/`);
    await page.getByRole("button", { name: "New chat" }).first().click();
    await page.waitForURL(/\/c\//);
    await page.getByLabel("Message").fill("count this");
    await page.keyboard.press("Enter");
    await page.getByText(/ in · \d+ out/).waitFor({ timeout: 15_000 });
    await open("usage", "Usage");
    await page.getByRole("img", { name: "Tokens by day" }).waitFor();
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "admin-usage.png") });
    await open("audit", "Audit log");
    await page.getByRole("button", { name: "Verify chain" }).click();
    await page.getByText(/Chain intact: \d+ entries checked/).waitFor();
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "admin-audit.png") });
  }, 60_000);

  it("lists and creates teams", async () => {
    await open("teams", "Teams");
    await page.getByLabel("Team name").fill("Platform");
    await page.getByRole("button", { name: "Create team" }).click();
    await page.getByText("you are admin").waitFor();
  });
});
