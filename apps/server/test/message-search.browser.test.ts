import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { seedConversation } from "./chat/chat-factories.ts";
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
  web = await startWebParley({
    chunks: 3,
    textFor: () => "A quokka is a small marsupial that lives on Rottnest Island. <b>Not bold</b>.",
  });
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await signIn(page, web.parley.url, web.admin);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

const searchBox = () => page.getByRole("searchbox", { name: "Search conversations" });
const results = () => page.getByRole("region", { name: "Search results" });

describe("message search in the sidebar", () => {
  it("finds a word of an answer, marks it in the snippet, and opens the conversation on that answer", async () => {
    await startChat(page, "Tell me about Australian animals");
    await page.locator('.message-assistant[data-status="completed"]').waitFor({ timeout: 20_000 });
    await page.goto(`${web.parley.url}/`);

    await searchBox().fill("quokk");
    const hit = results().getByRole("link", { name: /Tell me about Australian animals/ });
    await hit.waitFor();
    // The match is a <mark> built from the ranges; the markup in the answer stays text.
    expect(await results().locator("mark").allInnerTexts()).toEqual(["quokk"]);
    expect(await results().locator(".hit-snippet").innerText()).toContain("<b>Not bold</b>");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "message-search");

    // Keyboard: Down from the box reaches the hit, Enter opens it.
    await searchBox().focus();
    await page.keyboard.press("ArrowDown");
    expect(await page.evaluate("document.activeElement?.closest('.search-results') !== null")).toBe(true);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/c\/[^?]+\?m=/);
    const found = page.locator(".message.message-found");
    await found.waitFor();
    expect(await found.innerText()).toContain("quokka");
    expect(await found.getAttribute("class")).toContain("message-assistant");
    expect(await seriousViolations(page)).toEqual([]);

    await searchBox().fill("wombatzzz");
    await results().getByText("No messages match “wombatzzz”.").waitFor();
  }, 60_000);

  it("scrolls a long, virtualized conversation to the message found", async () => {
    const { userId } = await web.adminSession();
    await seedConversation(web.parley.platform.database.db, {
      userId,
      exchanges: 600,
      title: "Long history",
    });
    await page.goto(`${web.parley.url}/`);
    await searchBox().fill("question 517");
    const hit = results().getByRole("link", { name: /Long history/ });
    await hit.waitFor();
    expect(await results().locator("mark").allInnerTexts()).toEqual(["Question", "517"]);
    await hit.click();
    const found = page.locator(".message.message-found");
    await found.waitFor();
    expect(await found.innerText()).toContain("Question 517");
    // It is in view (not left at the bottom of the 1,200 messages), and focused.
    await expect
      .poll(() =>
        page.evaluate(`(() => {
          const box = document.querySelector(".message-found").getBoundingClientRect();
          const view = document.querySelector(".messages-scroller").getBoundingClientRect();
          return box.bottom > view.top && box.top < view.bottom;
        })()`),
      )
      .toBe(true);
    expect(await page.evaluate("document.activeElement?.classList.contains('message-found')")).toBe(true);
    await screenshot(page, "message-search-opened");
  }, 60_000);
});
