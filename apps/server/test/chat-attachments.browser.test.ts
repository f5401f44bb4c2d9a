import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "./web-support.ts";

let web: WebParley;
let browser: Browser;
let page: Page;

/** One transparent pixel. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

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

const sentContent = () =>
  JSON.stringify(
    (web.fake.requests.at(-1)?.body as { messages: { role: string; content: unknown }[] }).messages.findLast(
      (m) => m.role === "user",
    )?.content,
  );

describe("files attached to messages in a real browser", () => {
  it("attaches a file to the first message, shows it with the message, and the model reads it", async () => {
    await page.goto(`${web.parley.url}/`);
    await page.getByLabel("Files to attach").setInputFiles({
      name: "release-notes.md",
      mimeType: "text/markdown",
      buffer: Buffer.from("# 2.0\n- Faster search\n- Dark theme"),
    });
    const chips = page.getByRole("list", { name: "Attached files" });
    await chips.getByText("release-notes.md").waitFor();
    await expect.poll(() => chips.getByText(/\d+ B/).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel("Message", { exact: true }).fill("What changed in 2.0?");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/c\//);
    const sent = page.getByRole("list", { name: "Files sent with this message" });
    await sent.getByRole("link", { name: /release-notes\.md/ }).waitFor();
    await page.getByText(/ in · \d+ out/).waitFor({ timeout: 15_000 });
    expect(sentContent()).toContain("Faster search");
    // The box is empty again, with no file left attached.
    expect(await page.getByRole("list", { name: "Attached files" }).count()).toBe(0);
  }, 60_000);

  it("says when the model does not read images, and sends the image once one does", async () => {
    await page
      .getByLabel("Files to attach")
      .setInputFiles({ name: "pixel.png", mimeType: "image/png", buffer: PNG });
    await page.getByRole("list", { name: "Attached files" }).getByText(/\d+ B/).waitFor();
    await page.getByLabel("Message", { exact: true }).fill("What is in this picture?");
    await page.keyboard.press("Enter");
    await page.getByRole("alert").filter({ hasText: "does not read images" }).waitFor();
    await screenshot(page, "chat-attachments-refused");
    // Said to read images (as an administrator would in its settings), the same file goes.
    const said = await page.evaluate(`fetch("/api/v1/models/fake/fake-model", {
      method: "PATCH",
      headers: { "content-type": "application/json", "x-csrf-token": document.cookie.match(/parley_csrf=([^;]+)/)[1] },
      body: JSON.stringify({ imageInput: true }),
    }).then((r) => r.status)`);
    expect(said).toBe(200);
    await page.getByRole("button", { name: "Send" }).click();
    const image = page.getByRole("img", { name: "pixel.png" });
    await image.waitFor();
    await expect
      .poll(() => image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBe(1);
    await page
      .getByText(/ in · \d+ out/)
      .nth(1)
      .waitFor({ timeout: 15_000 });
    expect(sentContent()).toContain("data:image/png;base64,");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "chat-attachments");
  }, 60_000);

  it("refuses a file it cannot read, which can be removed", async () => {
    await page.getByLabel("Files to attach").setInputFiles({
      name: "tool.exe",
      mimeType: "application/octet-stream",
      buffer: Buffer.from("MZ"),
    });
    const chips = page.getByRole("list", { name: "Attached files" });
    await chips.getByRole("alert").waitFor();
    await chips.getByRole("button", { name: "Remove tool.exe" }).click();
    expect(await chips.count()).toBe(0);
  }, 60_000);
});
