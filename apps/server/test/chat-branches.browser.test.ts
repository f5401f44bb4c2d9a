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
let conversationUrl = "";

beforeAll(async () => {
  // Each answer names what it answers, so two versions of a question have different answers.
  web = await startWebParley({
    chunks: 3,
    textFor: (body) => {
      const messages = (body as { messages: { content: string }[] }).messages;
      return `Answer to: ${messages.at(-1)?.content ?? "?"}`;
    },
  });
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
  await signIn(page, web.parley.url, web.admin);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

const question = (p: Page) => p.locator(".message-user").last();
const answer = (p: Page) => p.locator(".message-assistant").last();
const completed = (p: Page) => p.locator('.message-assistant[data-status="completed"]').count();
const focusedLabel = (p: Page) =>
  p.evaluate<string>('document.activeElement?.getAttribute("aria-label") ?? ""');

describe("versions of a message in a real browser", () => {
  it("keeps the original question behind < 1/2 > after an edit, and switches back to it and its answer", async () => {
    await startChat(page, "What is a branch?");
    conversationUrl = page.url();
    await answer(page).getByText("Answer to: What is a branch?").waitFor({ timeout: 15_000 });
    // A single version shows no switcher.
    expect(await page.getByRole("group", { name: /^Version / }).count()).toBe(0);

    await question(page).getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("Edit message").fill("What is a git branch?");
    await page.getByRole("button", { name: "Save and send" }).click();
    await answer(page).getByText("Answer to: What is a git branch?").waitFor({ timeout: 15_000 });
    const versions = question(page).getByRole("group", { name: "Version 2 of 2" });
    await versions.waitFor();
    expect(await versions.innerText()).toContain("2/2");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "chat-versions");

    // A second tab follows the switch live.
    const second = await page.context().newPage();
    await second.goto(conversationUrl);
    await question(second).getByRole("group", { name: "Version 2 of 2" }).waitFor();

    await versions.getByRole("button", { name: "Previous version" }).click();
    await question(page).getByRole("group", { name: "Version 1 of 2" }).waitFor();
    expect(await question(page).locator(".user-text").innerText()).toBe("What is a branch?");
    expect(await answer(page).locator(".markdown").innerText()).toBe("Answer to: What is a branch?");
    expect(await page.getByText("What is a git branch?").count()).toBe(0);
    await question(second).getByText("What is a branch?").waitFor({ timeout: 10_000 });
    expect(await answer(second).locator(".markdown").innerText()).toBe("Answer to: What is a branch?");
    await second.close();
    // After a reload the chosen version is still the one shown.
    await page.reload();
    await question(page).getByRole("group", { name: "Version 1 of 2" }).waitFor();
    expect(await question(page).locator(".user-text").innerText()).toBe("What is a branch?");
  }, 60_000);

  it("switches with the keyboard alone, keeping focus on the arrows", async () => {
    const next = question(page).getByRole("button", { name: "Next version" });
    await next.focus();
    await page.keyboard.press("Enter");
    await question(page).getByRole("group", { name: "Version 2 of 2" }).waitFor();
    await answer(page).getByText("Answer to: What is a git branch?").waitFor();
    // The last version has no next one: focus moves to the other arrow, not to the page.
    await expect.poll(() => focusedLabel(page)).toBe("Previous version");
    await page.keyboard.press("Enter");
    await question(page).getByRole("group", { name: "Version 1 of 2" }).waitFor();
    await expect.poll(() => focusedLabel(page)).toBe("Next version");
  }, 60_000);

  it("shows a regenerated answer as the newest version, n/n", async () => {
    await answer(page).getByRole("button", { name: "Regenerate" }).click();
    await answer(page).getByRole("group", { name: "Version 2 of 2" }).waitFor({ timeout: 15_000 });
    await expect.poll(() => completed(page), { timeout: 15_000 }).toBe(1);
    await answer(page).getByRole("button", { name: "Previous version" }).click();
    await answer(page).getByRole("group", { name: "Version 1 of 2" }).waitFor();
  }, 60_000);

  it("fits a phone screen", async () => {
    const phone = await (
      await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
    ).newPage();
    await signIn(phone, web.parley.url, web.admin);
    await phone.goto(conversationUrl);
    const versions = question(phone).getByRole("group", { name: "Version 1 of 2" });
    await versions.waitFor();
    const box = await versions.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
    expect(await seriousViolations(phone)).toEqual([]);
    await screenshot(phone, "chat-versions-phone");
    await versions.getByRole("button", { name: "Next version" }).click();
    await question(phone).getByRole("group", { name: "Version 2 of 2" }).waitFor();
    await phone.close();
  }, 60_000);
});
