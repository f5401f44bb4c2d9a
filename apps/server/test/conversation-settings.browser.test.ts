import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "./web-support.ts";

let web: WebParley;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  web = await startWebParley({ chunks: 3 });
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
  await signIn(page, web.parley.url, web.admin);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

describe("a conversation's settings in a real browser", () => {
  it("sets a system prompt, temperature and output limit that every answer then gets", async () => {
    // Set on the new-chat screen, before anything is stored: kept with the first message.
    await page
      .getByRole("button", { name: /New chat/ })
      .first()
      .click();
    await page.waitForURL((u) => u.pathname === "/");
    await page.getByRole("main").getByRole("button", { name: "Settings…" }).click();
    const dialog = page.getByRole("dialog", { name: "Conversation settings" });
    await dialog.getByLabel("System prompt").fill("Answer like a pirate.");
    await dialog.getByLabel("Temperature (0–2)").fill("0.3");
    await dialog.getByLabel("Output limit (tokens)").fill("256");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "conversation-settings");
    await dialog.getByRole("button", { name: "Save settings" }).click();
    await dialog.waitFor({ state: "detached" });
    const before = web.fake.requests.length;
    await page.getByRole("main").getByRole("button", { name: "Settings: your own" }).waitFor();
    await page.getByLabel("Message", { exact: true }).fill("Where is the treasure?");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/c\//);
    await page.getByText(/ in · \d+ out/).waitFor({ timeout: 15_000 });
    const sent = web.fake.requests.slice(before).at(-1)?.body as {
      messages: { role: string; content: unknown }[];
      temperature?: number;
      max_tokens?: number;
    };
    expect(sent.messages[0]).toMatchObject({ role: "system", content: "Answer like a pirate." });
    expect(sent).toMatchObject({ temperature: 0.3, max_tokens: 256 });
    // Opened again, the dialog shows what is stored.
    await page
      .getByRole("main")
      .getByRole("button", { name: /^Options for / })
      .click();
    await page.getByRole("menuitem", { name: "Settings…" }).click();
    await expect.poll(() => dialog.getByLabel("System prompt").inputValue()).toBe("Answer like a pirate.");
    expect(await dialog.getByLabel("Output limit (tokens)").inputValue()).toBe("256");
  }, 60_000);
});
