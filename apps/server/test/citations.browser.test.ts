import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { launchBrowser } from "./browser.ts";
import {
  screenshot,
  seriousViolations,
  signIn,
  startChat,
  startWebParley,
  type WebParley,
} from "./web-support.ts";

/** A runbook whose restore section comes after a long backups section, so the passage must be scrolled to. */
const RUNBOOK = `# Runbook

## Backups

${Array.from(
  { length: 40 },
  (_, i) => `Backups of shard ${i + 1} run nightly with pg_dump and are kept for thirty days.`,
).join("\n\n")}

## Restore

To restore a backup, stop the api pods and run pg_restore against the dump of the night.
`;

let web: WebParley;
let browser: Browser;
let page: Page;
let kbId: string;

beforeAll(async () => {
  // The model cites every numbered source its system prompt lists.
  web = await startWebParley({ chunks: 3, reply: "cite" });
  const { token } = await web.adminSession();
  const api = (path: string, init: { method?: string; body?: string | FormData; json?: boolean } = {}) =>
    fetch(`${web.parley.url}${path}`, {
      ...(init.method ? { method: init.method } : {}),
      ...(init.body ? { body: init.body } : {}),
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.json ? { "content-type": "application/json" } : {}),
      },
    });
  const kb = (await (
    await api("/api/v1/knowledge-bases", {
      method: "POST",
      json: true,
      body: JSON.stringify({ name: "Runbooks" }),
    })
  ).json()) as { id: string };
  kbId = kb.id;
  const form = new FormData();
  form.append("file", new Blob([RUNBOOK]), "runbook.md");
  expect(
    (await api(`/api/v1/knowledge-bases/${kbId}/documents`, { method: "POST", body: form })).status,
  ).toBe(201);
  await vi.waitFor(
    async () => {
      const docs = (await (await api(`/api/v1/knowledge-bases/${kbId}/documents`)).json()) as {
        items: { status: string }[];
      };
      expect(docs.items.map((d) => d.status)).toEqual(["ready"]);
    },
    { timeout: 20_000, interval: 20 },
  );
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  page = await context.newPage();
  // A step that cannot happen fails with what it waited for, before the test's own timeout.
  page.setDefaultTimeout(10_000);
  await signIn(page, web.parley.url, web.admin);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

describe("grounded answers in a real browser", () => {
  it("attaches a knowledge base in the editor, and shows citation chips and sources that open the passage", async () => {
    await page.goto(`${web.parley.url}/assistants/new`);
    await page.getByRole("heading", { name: "New assistant" }).waitFor();
    await page.getByLabel("Name").fill("Ops helper");
    await page.getByLabel("Instructions").fill("Answer from the runbooks.");
    const knowledge = page.getByRole("group", { name: "Knowledge" });
    await knowledge.getByRole("checkbox", { name: /Runbooks/ }).check();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "assistant-editor-knowledge");
    await page.getByRole("button", { name: "Create assistant" }).click();
    await page.getByText("assistant/ops-helper").waitFor();
    await page.reload();
    await expect.poll(() => knowledge.getByRole("checkbox", { name: /Runbooks/ }).isChecked()).toBe(true);

    await page.getByRole("button", { name: "Start a chat" }).click();
    await page.waitForURL((u) => u.searchParams.has("assistant"));
    await page.getByRole("textbox", { name: /message/i }).fill("How do I restore a backup?");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/c\//);
    const chip = page.getByRole("button", { name: "Source 1: runbook.md › Runbook › Restore" });
    await chip.waitFor();
    const sources = page.getByRole("region", { name: "Sources" });
    await expect.poll(() => sources.getByRole("listitem").count()).toBeGreaterThanOrEqual(1);
    await expect
      .poll(() => sources.getByRole("listitem").first().innerText())
      .toMatch(/^1\s*runbook\.md\s*Runbook › Restore/);
    // The marker itself is not shown as text next to the chip.
    await page.locator(".message-assistant[data-status='completed']").waitFor();
    expect(await page.locator(".message-assistant .markdown").innerText()).not.toContain("[1]");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "answer-citations");

    await chip.click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: /runbook\.md/ }).waitFor();
    const mark = dialog.locator("mark");
    await expect.poll(() => mark.innerText()).toContain("run pg_restore");
    // Scrolled to: the highlighted passage is inside the visible part of the document.
    const document = dialog.locator(".passage-document");
    const inView = async () => {
      const [m, d] = [await mark.boundingBox(), await document.boundingBox()];
      return m !== null && d !== null && m.y >= d.y && m.y + m.height <= d.y + d.height;
    };
    await expect.poll(inView).toBe(true);
    expect(await document.evaluate((el: { scrollTop: number }) => el.scrollTop)).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "passage-dialog");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });

    // A reload reads the sources back with the answer.
    await page.reload();
    await chip.waitFor();
    await sources
      .getByRole("button", { name: /runbook\.md/ })
      .first()
      .click();
    await page.getByRole("dialog").locator("mark").waitFor();
    await page.keyboard.press("Escape");
  });

  it("shows a number that matches no source as plain text, and nothing extra without sources", async () => {
    // This answer cites source 1, which exists, and 9, which the model made up.
    web.fake.configure({ reply: "text", textFor: () => "Restore with pg_restore [1]. See also [9]." });
    await page.getByRole("textbox", { name: /message/i }).fill("And how do I restore?");
    await page.keyboard.press("Enter");
    const answer = page.locator(".message-assistant").filter({ hasText: "See also" });
    await answer.getByText("See also [9].").waitFor();
    await expect.poll(() => answer.locator(".citation-chip").count()).toBe(1);
    await answer.getByRole("button", { name: /^Source 1:/ }).waitFor();
    expect(await answer.getByRole("region", { name: "Sources" }).getByRole("listitem").count()).toBe(1);

    // A chat without an assistant: its answers have no sources and show none.
    web.fake.configure({ textFor: () => "Plain answer [1]." });
    // The page is already on a conversation: wait for a different one, or the message
    // would go to the assistant's conversation, where [1] is a source.
    await startChat(page, "Hello");
    await page.getByText("Plain answer [1].").waitFor();
    expect(await page.locator(".citation-chip, .message-sources").count()).toBe(0);
  });
});
