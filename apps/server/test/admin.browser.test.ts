import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import {
  screenshot,
  seriousViolations,
  signIn,
  startChat,
  startWebParley,
  type WebParley,
} from "./web-support.ts";

let web: WebParley;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  web = await startWebParley({ chunks: 5 });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  page = await context.newPage();
  await signIn(page, web.parley.url, web.admin);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

async function open(section: string, heading: string): Promise<void> {
  await page.goto(`${web.parley.url}/admin/${section}`);
  await page.getByRole("heading", { name: heading, exact: true }).waitFor();
  expect(await seriousViolations(page)).toEqual([]);
}

describe("administration in a real browser", () => {
  it("edits a model's prices", async () => {
    await open("models", "Providers & models");
    await page.getByLabel("Input price of fake/fake-model").fill("1.5");
    await page.getByLabel("Output price of fake/fake-model").fill("3");
    await page.getByRole("button", { name: "Save" }).first().click();
    await page.getByRole("button", { name: "Saved" }).waitFor();
    await screenshot(page, "admin-models");
    await page.reload();
    await expect.poll(() => page.getByLabel("Input price of fake/fake-model").inputValue()).toBe("1.5");
  });

  it("adds a provider, tests its connection, disables and deletes it", async () => {
    await open("models", "Providers & models");
    await page.getByRole("button", { name: "Add provider" }).click();
    await page.getByLabel(/^Id/).fill("second");
    await page.getByLabel("Display name (optional)").fill("Second");
    await page.getByLabel("Base URL").fill(`${web.fake.url}/v1`);
    await page.getByLabel("API key (stored encrypted, never shown again)").fill("sk-test");
    await page.getByLabel("Models (comma-separated)").fill("fake-large");
    expect(await seriousViolations(page)).toEqual([]);
    await page.locator("form.provider-form").getByRole("button", { name: "Add provider" }).click();
    const row = page.getByRole("row", { name: /Second \(second\)/ });
    await row.waitFor();
    expect(await row.getByRole("cell", { name: "stored" }).count()).toBe(1);
    await page.getByRole("rowheader", { name: "second/fake-large" }).waitFor();
    await row.getByRole("button", { name: "Test" }).click();
    await row.getByText(/answered in \d+ ms, 2 models/).waitFor();
    await screenshot(page, "admin-providers");
    await row.getByRole("button", { name: "Disable" }).click();
    await row.getByRole("button", { name: "Enable" }).waitFor();
    await row.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
    await row.waitFor({ state: "detached" });
  });

  it("edits a provider (key kept, models picked from a connection test) and a model's aliases, limits and fallbacks", async () => {
    await open("models", "Providers & models");
    await page.getByRole("button", { name: "Add provider" }).click();
    await page.getByLabel(/^Id/).fill("edited");
    await page.getByLabel("Base URL").fill(`${web.fake.url}/v1`);
    await page.getByLabel("API key (stored encrypted, never shown again)").fill("sk-edit");
    await page.getByLabel("Models (comma-separated)").fill("fake-model");
    await page.locator("form.provider-form").getByRole("button", { name: "Add provider" }).click();
    const row = page.getByRole("row", { name: /edited/ }).first();
    await row.waitFor();
    await row.getByRole("button", { name: "Edit" }).click();
    const form = page.getByRole("form", { name: "Edit provider edited" });
    await form.getByLabel("Display name").fill("Edited upstream");
    await form.getByRole("button", { name: "Test connection" }).click();
    await form.getByRole("checkbox", { name: "fake-large" }).check();
    expect(await form.getByLabel("Models (comma-separated)").inputValue()).toBe("fake-model, fake-large");
    expect(await seriousViolations(page)).toEqual([]);
    await form.getByRole("button", { name: "Save provider" }).click();
    await page.getByRole("rowheader", { name: "edited/fake-large" }).waitFor();
    const stored = await (
      await fetch(`${web.parley.url}/api/v1/providers`, {
        headers: { authorization: `Bearer ${(await web.adminSession()).token}` },
      })
    ).json();
    expect(
      (stored as { items: { id: string; name: string; hasApiKey: boolean }[] }).items.find(
        (p) => p.id === "edited",
      ),
    ).toMatchObject({
      name: "Edited upstream",
      hasApiKey: true,
    });
    // A model's less used settings.
    await page
      .getByRole("rowheader", { name: /edited\/fake-large/ })
      .getByText("Aliases, limits, fallbacks")
      .click();
    await page.getByLabel("Aliases of edited/fake-large").fill("big");
    await page.getByLabel("Fallbacks of edited/fake-large").fill("edited/fake-model");
    await page.getByLabel("Context window of edited/fake-large").fill("32000");
    await page
      .getByRole("row", { name: /edited\/fake-large/ })
      .getByRole("button", { name: "Save" })
      .click();
    await page
      .getByRole("row", { name: /edited\/fake-large/ })
      .getByRole("button", { name: "Saved" })
      .waitFor();
    const model = await (
      await fetch(`${web.parley.url}/api/v1/models?all=true`, {
        headers: { authorization: `Bearer ${(await web.adminSession()).token}` },
      })
    ).json();
    expect(
      (model as { items: { id: string }[] }).items.find((m) => m.id === "edited/fake-large"),
    ).toMatchObject({
      aliases: ["big"],
      fallbacks: ["edited/fake-model"],
      contextWindow: 32000,
    });
    await screenshot(page, "admin-provider-edit");
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
    const me = await fetch(`${web.parley.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    await page.reload();
    await page.getByRole("rowheader", { name: "ci" }).waitFor();
    expect(await page.locator("code.secret").count()).toBe(0);
  });

  it("charts usage and verifies the audit chain", async () => {
    // One AI call to have something to chart.
    await page.goto(`${web.parley.url}/`);
    await startChat(page, "count this");
    await page.getByText(/ in · \d+ out/).waitFor({ timeout: 15_000 });
    await open("usage", "Usage");
    await page.getByRole("img", { name: "Tokens by day" }).waitFor();
    await screenshot(page, "admin-usage");
    // People by name and e-mail, not ids; any range.
    await page.getByLabel("Group by").selectOption("user");
    await page.getByRole("rowheader", { name: new RegExp(`<${web.admin.email}>`) }).waitFor();
    await page.getByLabel("From", { exact: true }).fill("2020-01-01");
    await page.getByLabel("To", { exact: true }).fill("2020-01-31");
    await page.getByText("No AI calls in this range.").waitFor();
    await page.getByRole("button", { name: "Last 7 days" }).click();
    await page.getByRole("rowheader", { name: new RegExp(`<${web.admin.email}>`) }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await open("audit", "Audit log");
    await page.getByRole("button", { name: "Verify chain" }).click();
    await page.getByText(/Chain intact: \d+ entries checked/).waitFor();
    await screenshot(page, "admin-audit");
    // Filtered by action prefix and actor; the export takes the same filters.
    await page.getByLabel("Action").fill("api_key.*");
    await page.getByLabel("Actor").fill(web.admin.email.toUpperCase());
    await page.getByRole("button", { name: "Apply" }).click();
    await expect
      .poll(async () =>
        (await page.locator("tbody th[scope=row]").allInnerTexts()).every((a) => a.startsWith("api_key.")),
      )
      .toBe(true);
    expect(await page.locator("tbody tr").count()).toBeGreaterThan(0);
    const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    expect(href).toContain("action=api_key.*");
    const exported = await page.request.get(`${web.parley.url}${href ?? ""}`);
    expect(exported.status()).toBe(200);
    const lines = (await exported.text()).trim().split("\r\n");
    expect(lines[0]).toMatch(/^seq,at,actor_type/);
    expect(lines.slice(1).every((line) => line.includes(",api_key."))).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);

  it("lists and creates teams", async () => {
    await open("teams", "Teams");
    await page.getByLabel("Team name").fill("Platform");
    await page.getByRole("button", { name: "Create team" }).click();
    await page.getByText("you are admin").waitFor();
  });
});
