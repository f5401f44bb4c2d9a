import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { startFakeUpstream } from "./fake-upstream/fake-upstream.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "./web-support.ts";

/** What a model might answer: rich markdown, plus attempts to inject markup and script. */
const MARKDOWN = [
  "Here is a comparison:",
  "",
  "| Gateway | Streams/s |",
  "|---|---|",
  "| Parley | 800 |",
  "",
  "```ts",
  "const answer: number = 42; // the answer",
  "```",
  "",
  '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>',
  "[click me](javascript:window.__pwned=3) ![tracker](http://127.0.0.1:9/pixel.png)",
  "",
  "- [x] done",
].join("\n");

let web: WebParley;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  // A provider that is stopped: its port answers nothing.
  const stopped = await startFakeUpstream();
  const stoppedUrl = stopped.url;
  await stopped.close();
  web = await startWebParley(
    {
      chunks: 20,
      chunkDelayMs: 60,
      textFor: (body) => {
        const messages = body.messages as { content: unknown }[];
        return JSON.stringify(messages.at(-1)?.content).includes("markdown")
          ? MARKDOWN
          : "A plain answer from the fake model, streamed in small pieces for the test.";
      },
    },
    {
      PARLEY_PROVIDERS: JSON.stringify([
        { id: "fake", name: "Fake", type: "openai-compatible", baseURL: "FAKE", models: ["fake-model"] },
        {
          id: "down",
          name: "Stopped",
          type: "openai-compatible",
          baseURL: `${stoppedUrl}/v1`,
          models: ["fake-model"],
        },
      ]),
      PARLEY_AI_MAX_RETRIES: "0",
      PARLEY_RATE_LIMITS: JSON.stringify({
        admin: { apiPerMinute: 100000, aiPerMinute: 100000 },
        developer: { apiPerMinute: 100000, aiPerMinute: 1 },
      }),
    },
  );
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: web.parley.url });
  page = await context.newPage();
  await signIn(page, web.parley.url, web.admin);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

const lastAnswer = (p: Page) => p.locator(".message-assistant").last();

/** Waits until the last answer is `status` (completed by default). */
async function settled(p: Page, status = "completed"): Promise<void> {
  await expect.poll(() => lastAnswer(p).getAttribute("data-status"), { timeout: 15_000 }).toBe(status);
}

/** Opens the new-chat screen (the conversation is stored by the first `ask`). */
async function newChat(p: Page): Promise<void> {
  await p
    .getByRole("button", { name: /New chat/ })
    .first()
    .click();
  await p.waitForURL((u) => u.pathname === "/");
  await p.getByLabel("Message", { exact: true }).waitFor();
}

async function ask(p: Page, question: string): Promise<void> {
  await p.getByLabel("Message", { exact: true }).fill(question);
  await p.keyboard.press("Enter");
}

describe("chat content and failure states in a real browser", () => {
  it("renders markdown with tables and highlighted code, copies code, and never runs model output", async () => {
    await newChat(page);
    // The picked model is remembered for the next new chats.
    await page.getByRole("combobox", { name: "Model" }).selectOption("fake/fake-model");
    await expect
      .poll(() => page.getByRole("combobox", { name: "Model" }).inputValue())
      .toBe("fake/fake-model");
    await ask(page, "markdown please");
    await lastAnswer(page).locator("table").waitFor({ timeout: 15_000 });
    await page.getByText(/ in · \d+ out/).waitFor();
    const answer = lastAnswer(page);
    expect(await answer.locator("td").first().innerText()).toBe("Parley");
    await answer.locator("code .hljs-keyword").first().waitFor();
    expect(await answer.locator('input[type="checkbox"]').count()).toBe(1);
    // Nothing the model wrote ran or became markup; its image is a link, never loaded.
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await answer.locator("img, script").count()).toBe(0);
    expect(await answer.getByRole("link", { name: "click me" }).getAttribute("href")).toBe("");
    expect(await answer.getByRole("link", { name: /image: tracker/ }).getAttribute("href")).toBe(
      "http://127.0.0.1:9/pixel.png",
    );
    await answer.locator(".code-block").getByRole("button", { name: "Copy" }).click();
    await answer.getByText("Copied").waitFor();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(
      "const answer: number = 42; // the answer\n",
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "chat-markdown");
  }, 60_000);

  it("explains a provider failure and retries it", async () => {
    web.fake.fail("500", { times: 1 });
    await ask(page, "this one fails");
    const alert = lastAnswer(page).getByRole("alert");
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.innerText()).toContain("The provider failed");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "chat-failed");
    await page.getByRole("button", { name: "Retry" }).click();
    await settled(page, "streaming");
    await settled(page);
  }, 60_000);

  it("explains an answer cut off mid-stream", async () => {
    web.fake.fail("cut", { times: 1 });
    await ask(page, "this one is cut");
    const alert = lastAnswer(page).getByRole("alert");
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.innerText()).toContain("The answer was cut off");
    // The text that arrived before the cut stays visible.
    expect((await lastAnswer(page).locator(".markdown").innerText()).length).toBeGreaterThan(0);
  }, 60_000);

  it("says when the provider is stopped, and retries with another model", async () => {
    await newChat(page);
    await expect
      .poll(() => page.getByRole("combobox", { name: "Model" }).inputValue())
      .toBe("fake/fake-model");
    await page.getByRole("combobox", { name: "Model" }).selectOption("down/fake-model");
    await expect
      .poll(() => page.getByRole("combobox", { name: "Model" }).inputValue())
      .toBe("down/fake-model");
    await ask(page, "anyone there?");
    const alert = lastAnswer(page).getByRole("alert");
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.innerText()).toContain("Could not reach provider down");
    await page.getByRole("combobox", { name: "Model" }).selectOption("fake/fake-model");
    await expect
      .poll(() => page.getByRole("combobox", { name: "Model" }).inputValue())
      .toBe("fake/fake-model");
    await page.getByRole("button", { name: "Retry" }).click();
    await settled(page, "streaming");
    await settled(page);
    expect(await lastAnswer(page).locator(".role").innerText()).toBe("fake/fake-model");
  }, 60_000);

  it("tells a user who hits their AI rate limit to slow down", async () => {
    const create = await page.evaluate(`fetch("/api/v1/users", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": document.cookie.match(/parley_csrf=([^;]+)/)[1] },
      body: JSON.stringify({ email: "dev@parley.test", name: "Dev", password: "developer password 1", globalRole: "developer" }),
    }).then((r) => r.status)`);
    expect(create).toBe(201);
    const dev = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const devPage = await dev.newPage();
    await signIn(devPage, web.parley.url, { email: "dev@parley.test", password: "developer password 1" });
    await newChat(devPage);
    await devPage.getByRole("combobox", { name: "Model" }).selectOption("fake/fake-model");
    await expect
      .poll(() => devPage.getByRole("combobox", { name: "Model" }).inputValue())
      .toBe("fake/fake-model");
    await ask(devPage, "first");
    await devPage.getByText(/ in · \d+ out/).waitFor({ timeout: 15_000 });
    await ask(devPage, "second");
    const alert = lastAnswer(devPage).getByRole("alert");
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.innerText()).toContain("Slow down");
    await dev.close();
  }, 60_000);

  it("works with the keyboard alone: new chat, send, stop, regenerate, search", async () => {
    const before = page.url();
    await page.keyboard.press("Control+Shift+O");
    await page.waitForURL((u) => u.pathname === "/");
    await expect.poll(() => page.evaluate("document.activeElement?.id")).toBe("composer");
    await page.keyboard.type("Typed without a mouse");
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => u.toString() !== before && u.pathname.startsWith("/c/"));
    await page.getByText("Esc stops the answer").waitFor();
    await page.keyboard.press("Escape");
    await page.getByText("Stopped.").waitFor({ timeout: 10_000 });
    // Shift+Tab walks back from the message box to the answer's actions.
    let focused = "";
    for (let i = 0; i < 12 && focused !== "Regenerate"; i++) {
      await page.keyboard.press("Shift+Tab");
      focused = String(await page.evaluate("document.activeElement?.textContent?.trim()"));
    }
    expect(focused).toBe("Regenerate");
    await page.keyboard.press("Enter");
    await settled(page, "streaming");
    await settled(page);
    await page.keyboard.press("Control+K");
    await expect
      .poll(() => page.evaluate("document.activeElement?.getAttribute('aria-label')"))
      .toBe("Search conversations");
  }, 60_000);

  it("fits a phone: the conversation list is a drawer, the composer stays in reach", async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
    });
    const p = await phone.newPage();
    await signIn(p, web.parley.url, web.admin);
    expect(await p.locator("aside").count()).toBe(0);
    await p.getByRole("button", { name: "Open conversations" }).click();
    const drawer = p.getByRole("dialog", { name: "Conversations" });
    await drawer.waitFor();
    expect(await seriousViolations(p)).toEqual([]);
    await screenshot(p, "chat-phone-drawer");
    await drawer.getByRole("link", { name: "markdown please" }).click();
    await drawer.waitFor({ state: "hidden" });
    await lastAnswer(p).waitFor();
    const width = Number(await p.evaluate("document.documentElement.scrollWidth"));
    expect(width).toBeLessThanOrEqual(390);
    const composer = await p.getByLabel("Message", { exact: true }).boundingBox();
    expect(composer && composer.y + composer.height).toBeLessThanOrEqual(844);
    expect(await seriousViolations(p)).toEqual([]);
    await screenshot(p, "chat-phone");
    await phone.close();
  }, 60_000);
});
