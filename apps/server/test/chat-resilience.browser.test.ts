import type { APIResponse, Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { seedConversation } from "./chat/chat-factories.ts";
import { TcpProxy } from "./tcp-proxy.ts";
import {
  screenshot,
  seriousViolations,
  signIn,
  startChat,
  startWebParley,
  type WebParley,
} from "./web-support.ts";

let web: WebParley;
let proxy: TcpProxy;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let fullText = "";
let base = "";

beforeAll(async () => {
  web = await startWebParley({ chunks: 40, chunkDelayMs: 100 });
  fullText = await web.fullAnswer();
  // The browser reaches Parley through a TCP proxy: stopping it is a dropped network.
  proxy = await TcpProxy.start(Number(new URL(web.parley.url).port));
  base = `http://127.0.0.1:${proxy.port}`;
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  page = await context.newPage();
  await signIn(page, base, web.admin);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await proxy.stop();
  await web.stop();
});

const answerText = (p: Page) => p.locator(".message-assistant .markdown").last().innerText();

async function startAnswer(question: string): Promise<void> {
  await startChat(page, question);
  await expect.poll(async () => (await answerText(page)).length, { timeout: 10_000 }).toBeGreaterThan(20);
}

describe("chat resilience in a real browser", () => {
  it("reconnects by itself after the network drops and resumes without duplicate text", async () => {
    await startAnswer("Survive a flaky network");
    await proxy.stop();
    await page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor();
    await screenshot(page, "chat-reconnecting");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await proxy.start();
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor({ timeout: 15_000 });
    await expect.poll(() => answerText(page), { timeout: 20_000 }).toBe(fullText);
    await page.getByText(/ in · \d+ out/).waitFor();
  }, 60_000);

  it("renews an expired session when the stream reconnects, and resumes", async () => {
    await startAnswer("Survive an expired session");
    // The access token is gone (as after 15 minutes); the refresh token is still there.
    await context.clearCookies({ name: "parley_access" });
    await proxy.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await proxy.start();
    await expect.poll(() => answerText(page), { timeout: 25_000 }).toBe(fullText);
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor({ timeout: 15_000 });
  }, 60_000);

  // A slow network: the page's conversation is the one the server gave while the answer streamed,
  // and the event stream opens once the answer has completed (the race of a loaded machine, every
  // time); the conversation reaches the page before the stream opens, or after.
  it.each(["before", "after"] as const)(
    "shows an answer that finished while the page was loading, its conversation arriving %s the stream opened",
    async (arrives) => {
      await startAnswer(`Finish while I reload, ${arrives}`);
      const id = new URL(page.url()).pathname.split("/").pop() ?? "";
      const conversationUrl = `${base}/api/v1/conversations/${id}`;
      const answerStatus = async (response: APIResponse) => {
        const body = (await response.json()) as { messages: { role: string; status: string }[] };
        return body.messages.findLast((m) => m.role === "assistant")?.status;
      };
      const early = await context.request.get(conversationUrl);
      expect(await answerStatus(early)).toBe("streaming");
      let completed: Promise<void> | undefined;
      const untilCompleted = () =>
        (completed ??= expect
          .poll(async () => answerStatus(await context.request.get(conversationUrl)), {
            timeout: 20_000,
            interval: 100,
          })
          .toBe("completed"));
      let first = true;
      await page.route(
        (url) => url.pathname === `/api/v1/conversations/${id}`,
        async (route) => {
          if (!first) return route.continue();
          first = false;
          await untilCompleted();
          if (arrives === "after") await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
          return route.fulfill({ response: early });
        },
      );
      await page.route(
        (url) => url.pathname === `/api/v1/conversations/${id}/events`,
        async (route) => {
          await untilCompleted();
          await route.continue();
        },
      );
      await page.reload();
      await expect.poll(() => answerText(page), { timeout: 10_000 }).toBe(fullText);
      await page.locator('.message-assistant[data-status="completed"]').waitFor();
      await page.getByRole("button", { name: "Send" }).waitFor();
      await page.unrouteAll();
    },
    60_000,
  );

  it("renders a 2,000-message conversation with only the visible rows in the page", async () => {
    const { userId } = await web.adminSession();
    const id = await seedConversation(web.parley.platform.database.db, {
      userId,
      exchanges: 1000,
    });

    await page.goto(`${base}/c/${id}`);
    // Opens at the newest message.
    await page.getByText("Question 1000", { exact: true }).waitFor();
    await page.getByText(/^Answer 1000:/).waitFor();
    const rendered = await page.locator(".message").count();
    expect(rendered).toBeGreaterThan(2);
    expect(rendered).toBeLessThan(60);
    expect(await page.locator(".messages").getAttribute("aria-label")).toBe("Messages");
    expect(await page.locator(".message").last().getAttribute("aria-setsize")).toBe("2000");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "chat-long");

    // Scroll through to the very first message: rows come and go, the page stays small.
    await page.locator(".messages-scroller").hover();
    let counts: number[] = [];
    for (let i = 0; i < 200 && (await page.getByText("Question 1", { exact: true }).count()) === 0; i++) {
      await page.mouse.wheel(0, -4000);
      await page.waitForTimeout(50);
      counts = [...counts, await page.locator(".message").count()];
    }
    await page.getByText("Question 1", { exact: true }).waitFor();
    expect(Math.max(...counts)).toBeLessThan(60);
    // "Latest" jumps back to the bottom.
    await page.getByRole("button", { name: "Latest" }).click();
    await page.getByText("Question 1000", { exact: true }).waitFor();

    // Sending from far up the history brings the reader to the new exchange.
    await page.mouse.wheel(0, -20_000);
    await page.getByRole("button", { name: "Latest" }).waitFor();
    await page.getByLabel("Message", { exact: true }).fill("Question 1001");
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.getByText("Question 1001", { exact: true }).isVisible(), { timeout: 10_000 })
      .toBe(true);
    await expect.poll(() => page.getByRole("button", { name: "Latest" }).count()).toBe(0);
    // …and keeps following the answer as it streams.
    await page
      .getByText(/ in · \d+ out/)
      .last()
      .waitFor({ timeout: 15_000 });
    expect(
      await page
        .getByText(/ in · \d+ out/)
        .last()
        .isVisible(),
    ).toBe(true);
  }, 90_000);
});
