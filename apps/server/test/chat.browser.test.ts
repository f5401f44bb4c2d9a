import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import pino from "pino";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startParley, type RunningParley } from "../src/app/parley.ts";
import { loadConfig } from "../src/config/config.ts";
import { launchBrowser } from "./browser.ts";
import { startFakeUpstream, type FakeUpstream } from "./fake-upstream/fake-upstream.ts";

const ADMIN = { email: "web@parley.test", password: "a browser-friendly password" };
const SCREENSHOTS = process.env.PARLEY_SCREENSHOTS_DIR;
let parley: RunningParley;
let fake: FakeUpstream;
let browser: Browser;
let context: BrowserContext;
let fullText = "";

beforeAll(async () => {
  fake = await startFakeUpstream({ chunks: 30, chunkDelayMs: 80 });
  fullText =
    (
      (await await fetch(`${fake.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "fake-model@chunks=1,delay=0",
          messages: [{ role: "user", content: "x" }],
        }),
      }).then((r) => r.json())) as { choices: { message: { content: string } }[] }
    ).choices[0]?.message.content ?? "";
  const dataDir = mkdtempSync(join(tmpdir(), "parley-web-chat-"));
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
        PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 100000, aiPerMinute: 100000 } }),
      },
      flags: { port: 0, host: "127.0.0.1", dataDir },
    }),
    { logger: pino({ level: "silent" }) },
  );
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
}, 60_000);
afterAll(async () => {
  await browser.close();
  await parley.stop();
  await fake.close();
});

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help}`);
}

const answerText = (page: Page) => page.locator(".message-assistant .markdown").last().innerText();

describe("chat in a real browser", () => {
  it("renames and deletes a conversation, and signs out", async () => {
    const page = await context.newPage();
    await page.goto(`${parley.url}/login`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "New chat" }).first().click();
    await page.waitForURL(/\/c\//);
    page.once("dialog", (dialog) => void dialog.accept("Renamed chat"));
    await page.getByRole("button", { name: "Rename" }).click();
    await page.getByRole("heading", { name: "Renamed chat" }).waitFor();
    await page.getByRole("link", { name: "Renamed chat" }).waitFor();
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Delete" }).click();
    await page.waitForURL(`${parley.url}/`);
    expect(await page.getByRole("link", { name: "Renamed chat" }).count()).toBe(0);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Parley" }).waitFor();
    await page.close();
  }, 60_000);

  it("signs in, streams an answer, survives a reload mid-answer, and a second tab follows live", async () => {
    const page = await context.newPage();
    await page.goto(`${parley.url}/`);
    await page.getByRole("heading", { name: "Sign in to Parley" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "login.png") });
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "New chat" }).first().click();
    await page.waitForURL(/\/c\//);

    await page.getByLabel("Message").fill("Tell me about Parley");
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Stop" }).waitFor();
    await expect.poll(async () => (await answerText(page)).length, { timeout: 10_000 }).toBeGreaterThan(20);

    // A second tab on the same conversation follows the same answer.
    const second = await context.newPage();
    await second.goto(page.url());

    // Reload mid-answer: the text so far comes back and streaming continues, without duplicates.
    await page.reload();
    await expect.poll(() => answerText(page), { timeout: 20_000 }).toBe(fullText);
    await expect.poll(() => answerText(second), { timeout: 20_000 }).toBe(fullText);
    await page.getByText(/ in · \d+ out/).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "chat.png") });
    await second.close();
  }, 60_000);

  it("regenerates the last answer, and edits and resends the last message", async () => {
    const page = context.pages()[0];
    if (!page) throw new Error("no page");
    const answers = page.locator(".message-assistant");
    const before = await answers.count();
    await page.getByRole("button", { name: "Regenerate" }).click();
    await expect.poll(() => answers.count(), { timeout: 10_000 }).toBe(before + 1);
    await page.getByRole("button", { name: "Stop" }).waitFor();
    await page
      .getByText(/ in · \d+ out/)
      .last()
      .waitFor({ timeout: 20_000 });
    await expect
      .poll(() => page.locator('.message-assistant[data-status="completed"]').count(), { timeout: 20_000 })
      .toBe(before + 1);
    await page.getByRole("button", { name: "Edit and resend" }).click();
    expect(await page.getByLabel("Message").inputValue()).toBe("Tell me about Parley");
    await page.getByLabel("Message").fill("Tell me more about Parley");
    await page.keyboard.press("Enter");
    await page.getByText("Tell me more about Parley").waitFor();
    await expect
      .poll(() => page.locator('.message-assistant[data-status="completed"]').count(), { timeout: 20_000 })
      .toBe(before + 2);
  }, 60_000);

  it("switches to the dark theme and remembers it, still without accessibility violations", async () => {
    const page = context.pages()[0];
    if (!page) throw new Error("no page");
    await page.getByLabel("Theme").selectOption("dark");
    await page.reload();
    await page.getByRole("button", { name: "New chat" }).first().waitFor();
    expect(await page.evaluate("document.documentElement.dataset.theme")).toBe("dark");
    const background = await page.evaluate(
      "getComputedStyle(document.documentElement).getPropertyValue('--bg').trim()",
    );
    expect(background).toBe("#131417");
    expect(await seriousViolations(page)).toEqual([]);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "chat-dark.png") });
    await page.getByLabel("Theme").selectOption("system");
  }, 60_000);

  it("stops an answer with the Stop button and keeps the partial text", async () => {
    const page = context.pages()[0];
    if (!page) throw new Error("no page");
    await page.getByLabel("Message").fill("Another question, please");
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Stop" }).waitFor();
    await expect.poll(async () => (await answerText(page)).length, { timeout: 10_000 }).toBeGreaterThan(10);
    await page.getByRole("button", { name: "Stop" }).click();
    await page.getByText("Stopped.").waitFor({ timeout: 10_000 });
    const partial = await answerText(page);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(fullText.length);
  }, 60_000);

  it("renders model output as markdown without letting it inject markup", async () => {
    fake.configure({
      text: '| a | b |\n|---|---|\n| 1 | 2 |\n\n<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> done',
      chunks: 4,
      chunkDelayMs: 0,
    });
    const page = context.pages()[0];
    if (!page) throw new Error("no page");
    const before = page.url();
    await page.getByRole("button", { name: "New chat" }).first().click();
    await page.waitForURL((url) => url.toString() !== before && url.pathname.startsWith("/c/"));
    await page.getByRole("heading", { name: "New conversation" }).waitFor();
    await page.getByLabel("Message").fill("markdown please");
    await page.keyboard.press("Enter");
    await page.locator(".message-assistant table").waitFor({ timeout: 15_000 });
    await page.getByText(/ in · \d+ out/).waitFor();
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await page.locator(".message-assistant img").count()).toBe(0);
  }, 60_000);
});
