import type { Browser, BrowserContext, Page } from "playwright-core";
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
let context: BrowserContext;
let page: Page;
let fullText = "";

beforeAll(async () => {
  web = await startWebParley({ chunks: 30, chunkDelayMs: 80 });
  fullText = await web.fullAnswer();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

const url = () => web.parley.url;
const answers = (p: Page) => p.locator(".message-assistant");
const answerText = (p: Page) => p.locator(".message-assistant .markdown").last().innerText();
const completedAnswers = (p: Page) => p.locator('.message-assistant[data-status="completed"]').count();

describe("chat in a real browser", () => {
  it("shows sign-in to a visitor, then an empty state that starts a chat", async () => {
    await page.goto(`${url()}/`);
    await page.getByRole("heading", { name: "Sign in to Parley" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "login");
    await signIn(page, url(), web.admin);
    await page.getByRole("heading", { name: "What are we working on?" }).waitFor();
    expect(await page.getByText("No conversations yet.").count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "chat-empty");
  });

  it("streams an answer, survives a reload mid-answer, and a second tab follows live", async () => {
    await startChat(page, "Tell me about Parley");
    await page.getByRole("button", { name: "Stop" }).waitFor();
    await expect.poll(async () => (await answerText(page)).length, { timeout: 10_000 }).toBeGreaterThan(20);
    // The first message named the conversation.
    await page.getByRole("heading", { name: "Tell me about Parley" }).waitFor();
    await page.getByRole("link", { name: "Tell me about Parley" }).waitFor();

    const second = await context.newPage();
    await second.goto(page.url());
    await page.reload();
    // Right after the reload the text so far is back, and streaming goes on.
    await expect.poll(async () => (await answerText(page)).length, { timeout: 5_000 }).toBeGreaterThan(20);
    await expect.poll(() => answerText(page), { timeout: 20_000 }).toBe(fullText);
    await expect.poll(() => answerText(second), { timeout: 20_000 }).toBe(fullText);
    await page.getByText(/ in · \d+ out/).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await second.close();
  }, 60_000);

  it("stops an answer with the Stop button and keeps the partial text", async () => {
    await page.getByLabel("Message", { exact: true }).fill("Another question, please");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("button", { name: "Stop" }).waitFor();
    await expect.poll(async () => (await answerText(page)).length, { timeout: 10_000 }).toBeGreaterThan(10);
    await page.getByRole("button", { name: "Stop" }).click();
    await page.getByText("Stopped.").waitFor({ timeout: 10_000 });
    const partial = await answerText(page);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(fullText.length);
    await page.getByRole("button", { name: "Send" }).waitFor();
  }, 60_000);

  it("regenerates an answer in place", async () => {
    const before = await answers(page).count();
    await page.getByRole("button", { name: "Regenerate" }).last().click();
    await page.getByRole("button", { name: "Stop" }).waitFor();
    await expect.poll(() => completedAnswers(page), { timeout: 20_000 }).toBe(before);
    expect(await answers(page).count()).toBe(before);
    expect(await answerText(page)).toBe(fullText);
    expect(await page.getByText("Stopped.").count()).toBe(0);
  }, 60_000);

  it("edits a sent message inline, replacing it and what followed", async () => {
    await page.getByRole("button", { name: "Edit" }).last().click();
    const editor = page.getByLabel("Edit message");
    expect(await editor.inputValue()).toBe("Another question, please");
    await editor.fill("A better question");
    await page.getByRole("button", { name: "Save and send" }).click();
    await page.locator(".message-user").getByText("A better question").waitFor();
    await expect.poll(() => completedAnswers(page), { timeout: 20_000 }).toBe(2);
    expect(await page.getByText("Another question, please").count()).toBe(0);
    expect(await page.locator(".message").count()).toBe(4);
    await screenshot(page, "chat");
  }, 60_000);

  it("renames and deletes a conversation through accessible dialogs", async () => {
    // "New chat" stores nothing until the first message.
    const listed = await page.getByRole("navigation").getByRole("link").count();
    await page.getByRole("button", { name: "New chat" }).first().click();
    await page.waitForURL(`${url()}/`);
    expect(await page.getByRole("navigation").getByRole("link").count()).toBe(listed);
    await startChat(page, "Plans for the release");
    await page.getByRole("heading", { name: "Plans for the release" }).waitFor();
    await page.getByRole("main").getByRole("button", { name: "Options for Plans for the release" }).click();
    await page.getByRole("menuitem", { name: "Rename" }).click();
    const dialog = page.getByRole("dialog", { name: "Rename conversation" });
    await dialog.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByLabel("Title").fill("Release planning");
    await dialog.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "Release planning" }).waitFor();
    await page.getByRole("link", { name: "Release planning" }).waitFor();

    // Delete from the sidebar's menu, with a keyboard-reachable confirmation.
    await page.getByRole("navigation").getByRole("button", { name: "Options for Release planning" }).click();
    await page.getByRole("menuitem", { name: "Delete" }).click();
    const confirm = page.getByRole("alertdialog", { name: "Delete this conversation?" });
    await confirm.waitFor();
    await confirm.getByRole("button", { name: "Delete" }).click();
    await page.waitForURL(`${url()}/`);
    expect(await page.getByRole("link", { name: "Release planning" }).count()).toBe(0);
  }, 60_000);

  it("exports a conversation as a Markdown file", async () => {
    await page.getByRole("link", { name: "Tell me about Parley" }).click();
    await page.getByRole("main").getByRole("button", { name: "Options for Tell me about Parley" }).click();
    const download = page.waitForEvent("download");
    await page.getByRole("menuitem", { name: "Export as Markdown" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe("Tell me about Parley.md");
    const text = await new Response(await file.createReadStream()).text();
    expect(text.startsWith("# Tell me about Parley\n")).toBe(true);
    expect(text).toContain("**You**");
    expect(text).toContain("A better question");
    expect(text).toContain(fullText);
    expect(text).not.toContain("Another question, please");
  });

  it("searches conversations by title (and messages: message-search.browser.test.ts)", async () => {
    const search = page.getByLabel("Search conversations");
    await search.fill("parley");
    // The title hit first; the messages that hold the word follow.
    await page.getByRole("link", { name: "Tell me about Parley", exact: true }).waitFor();
    await search.fill("no such chat");
    await page.getByText("No messages match “no such chat”.").waitFor();
    await search.fill("");
  });

  it("switches to the dark theme and remembers it, without accessibility violations", async () => {
    await page.getByRole("link", { name: "Tell me about Parley" }).click();
    await page
      .getByText(/ in · \d+ out/)
      .first()
      .waitFor();
    await page.getByLabel("Theme").selectOption("dark");
    await page.reload();
    await page
      .getByText(/ in · \d+ out/)
      .first()
      .waitFor();
    expect(await page.evaluate("document.documentElement.dataset.theme")).toBe("dark");
    expect(
      await page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--bg').trim()"),
    ).toBe("#121212");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "chat-dark");
    await page.getByLabel("Theme").selectOption("system");
  }, 60_000);

  it("signs out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Parley" }).waitFor();
    await page.goto(`${url()}/`);
    await page.getByRole("heading", { name: "Sign in to Parley" }).waitFor();
  });
});
