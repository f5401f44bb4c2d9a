import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { startFakeBotApi, type FakeBotApi } from "./telegram/fake-bot-api.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "./web-support.ts";

let web: WebParley;
let tg: FakeBotApi;
let browser: Browser;
let page: Page;
let assistantId: string;

beforeAll(async () => {
  tg = await startFakeBotApi();
  web = await startWebParley({ chunks: 3 }, { PARLEY_TELEGRAM_API_URL: tg.url });
  const { token } = await web.adminSession();
  const call = async (path: string, body: unknown) => {
    const res = await fetch(`${web.parley.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return (await res.json()) as { id: string };
  };
  const team = await call("/api/v1/teams", { name: "Support" });
  assistantId = (await call("/api/v1/assistants", { name: "Helpdesk", teamId: team.id })).id;
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
  await signIn(page, web.parley.url, web.admin);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
  await tg.close();
});

describe("a team assistant's Telegram bots in a real browser", () => {
  it("connects a bot (a wrong token explained), shows its status, and disconnects it", async () => {
    await page.goto(`${web.parley.url}/assistants/${assistantId}`);
    await page.getByRole("heading", { name: "Telegram" }).waitFor();
    await page.getByText("No bot connected.").waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel("Bot token from BotFather").fill("123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    await page.getByRole("button", { name: "Connect bot" }).click();
    await page.getByText("Telegram does not know this token").waitFor();

    const token = tg.addBot("helpdesk_browser_bot");
    await page.getByLabel("Bot token from BotFather").fill(token);
    await page.getByLabel(/^Mode(?!l)/).selectOption("polling");
    await page.getByRole("button", { name: "Connect bot" }).click();
    await page.getByRole("link", { name: "@helpdesk_browser_bot" }).waitFor();
    await page.getByText("Working, no message yet").waitFor();
    expect(await page.getByLabel("Bot token from BotFather").inputValue()).toBe("");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "assistant-telegram", true);

    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Disconnect @helpdesk_browser_bot" }).click();
    await page.getByText("No bot connected.").waitFor();
  });
});
