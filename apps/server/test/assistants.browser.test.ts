import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "./web-support.ts";

let web: WebParley;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // The answer repeats the system prompt it got, so the assistant's instructions show in the chat.
  web = await startWebParley({
    chunks: 3,
    textFor: (body) => {
      const messages = (body as { messages: { role: string; content: string }[] }).messages;
      return `As instructed: ${messages.find((m) => m.role === "system")?.content ?? "nothing"}`;
    },
  });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  page = await context.newPage();
  await signIn(page, web.parley.url, web.admin);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

describe("assistants in a real browser", () => {
  it("shows an empty gallery, creates an assistant, and chats with it", async () => {
    await page.goto(`${web.parley.url}/assistants`);
    await page.getByRole("heading", { name: "Assistants", exact: true }).waitFor();
    await page.getByText("No assistants yet.").waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("link", { name: "New assistant" }).click();
    await page.getByRole("heading", { name: "New assistant" }).waitFor();
    await page.getByLabel("Name").fill("Release notes");
    await page.getByLabel("Icon").fill("📝");
    await page.getByLabel("Description").fill("Turns merged PRs into release notes");
    await page.getByLabel("Instructions").fill("Write crisp release notes.");
    await page.getByLabel("Temperature").fill("0.3");
    await page.getByLabel(/Starter prompts/).fill("Summarise this week\nDraft a changelog");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "assistant-editor");
    await page.getByRole("button", { name: "Create assistant" }).click();
    await page.getByText("assistant/release-notes").waitFor();
    await page
      .getByRole("navigation", { name: "Assistants" })
      .getByRole("link", { name: /Release notes/ })
      .waitFor();

    // Changes are kept.
    await page.getByLabel("Temperature").fill("");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").getByText("Saved.").waitFor();
    await page.reload();
    await expect.poll(() => page.getByLabel("Temperature").inputValue()).toBe("");
    await expect.poll(() => page.getByLabel("Instructions").inputValue()).toBe("Write crisp release notes.");

    // Try it, without keeping a conversation: streamed through /v1 as assistant/release-notes.
    await page.getByLabel("Question").fill("Anything new?");
    await page.getByRole("button", { name: "Ask" }).click();
    await expect
      .poll(() => page.getByLabel("Preview answer").innerText())
      .toBe("As instructed: Write crisp release notes.");
    expect(await seriousViolations(page)).toEqual([]);

    // A chat with it answers with its instructions.
    await page.getByRole("button", { name: "Start a chat" }).click();
    // The new chat names the assistant; its starter prompts fill the message box.
    await page.waitForURL((u) => u.pathname === "/" && u.searchParams.has("assistant"));
    await page.getByRole("main").locator(".assistant-chip").filter({ hasText: "Release notes" }).waitFor();
    await page
      .getByRole("list", { name: "Starter prompts" })
      .getByRole("button", { name: "Draft a changelog" })
      .click();
    await expect
      .poll(() => page.getByRole("textbox", { name: /message/i }).inputValue())
      .toBe("Draft a changelog");
    expect(await seriousViolations(page)).toEqual([]);
    // Sent, the conversation is stored, held with the assistant (named in its header).
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/c\//);
    await page
      .locator(".conversation-header")
      .getByRole("link", { name: /Release notes/ })
      .waitFor();
    await page.getByText("As instructed: Write crisp release notes.").waitFor();
    await screenshot(page, "assistant-chat");
  });

  it("offers assistants on the empty chat screen, and duplicates and deletes one", async () => {
    await page.goto(`${web.parley.url}/`);
    await page.getByRole("heading", { name: "Or start with an assistant" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole("button", { name: /Release notes/ }).click();
    await page.waitForURL((u) => u.searchParams.has("assistant"));
    await page.getByRole("button", { name: "Chat without an assistant" }).waitFor();

    await page.goto(`${web.parley.url}/assistants`);
    await page.getByRole("listitem").filter({ hasText: "Release notes" }).getByRole("link").click();
    await page.getByRole("button", { name: "Duplicate" }).click();
    await page.getByRole("heading", { name: /Release notes \(copy\)/ }).waitFor();
    await page.getByText("assistant/release-notes-copy").waitFor();
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("heading", { name: "Assistants", exact: true }).waitFor();
    await expect
      .poll(() =>
        page.getByRole("navigation", { name: "Assistants" }).getByRole("link", { name: /copy/ }).count(),
      )
      .toBe(0);
  });
});
