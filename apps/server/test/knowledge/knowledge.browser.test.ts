import type { KnowledgeBase } from "@parley/contracts";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../browser.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "../web-support.ts";

let web: WebParley;
let browser: Browser;
let page: Page;
let adminToken: string;
let teamId: string;

const GUIDE =
  "# Deploying Parley\n\nIntro.\n\n## Kubernetes\n\nUse the overlays for each environment.\n\n## OpenShift\n\nUse the Route.\n";
const text = (name: string, content: string) => ({
  name,
  mimeType: "application/octet-stream",
  buffer: Buffer.from(content),
});

/** Calls the API as the admin (setting up what the screens are tested on). */
async function asAdmin<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${web.parley.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** The documents table's row of `name`. */
const row = (p: Page, name: string): Locator => p.locator("table.documents tbody tr", { hasText: name });

/** Chooses `files` with the "Choose files" button, as a person using the keyboard or the mouse. */
async function chooseFiles(p: Page, files: { name: string; mimeType: string; buffer: Buffer }[]) {
  const [chooser] = await Promise.all([
    p.waitForEvent("filechooser"),
    p.getByRole("button", { name: "Choose files" }).click(),
  ]);
  expect(chooser.isMultiple()).toBe(true);
  await chooser.setFiles(files);
}

beforeAll(async () => {
  // A small per-file limit, so that a test can go over it without sending megabytes.
  web = await startWebParley({}, { PARLEY_KNOWLEDGE_MAX_FILE_BYTES: String(256 * 1024) });
  adminToken = (await web.adminSession()).token;
  teamId = (await asAdmin<{ id: string }>("POST", "/api/v1/teams", { name: "Docs" })).id;
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  page = await context.newPage();
  await signIn(page, web.parley.url, web.admin);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

describe("knowledge bases in a real browser", () => {
  it("explains knowledge bases, creates one, and ingests several chosen files to Ready or a reason", async () => {
    await page.getByRole("link", { name: "Knowledge", exact: true }).click();
    await page.getByRole("heading", { name: "Knowledge", exact: true }).waitFor();
    await page.getByText("No knowledge bases yet.").waitFor();
    expect(await page.getByText(/A knowledge base is a set of your team’s documents/).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "knowledge-empty");

    await page.getByRole("button", { name: "New knowledge base" }).click();
    const dialog = page.getByRole("dialog", { name: "New knowledge base" });
    await dialog.getByLabel("Name").fill("Runbooks");
    await dialog.getByLabel("Description").fill("How we deploy, back up and restore");
    await dialog.getByLabel("Where").selectOption({ label: "Team Docs" });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "knowledge-new");
    await dialog.getByRole("button", { name: "Create" }).click();
    await page.waitForURL(/\/knowledge\/[^/]+$/);
    await page.getByRole("heading", { name: "Runbooks" }).waitFor();
    await page.getByText("No documents yet.").waitFor();
    expect(await page.locator(".knowledge-facts").first().innerText()).toContain("Team Docs");

    await chooseFiles(page, [
      text("deploy.md", GUIDE),
      text("notes.txt", "Backups run nightly.\n\nRestore with pg_restore."),
      text("people.csv", "name,role\nAda,admin\n"),
      text("empty.txt", "   \n"),
    ]);
    const uploads = page.getByRole("region", { name: "Uploads" });
    await uploads.getByText("deploy.md: added").waitFor();
    for (const name of ["deploy.md", "notes.txt", "people.csv"])
      await row(page, name).getByText("Ready", { exact: true }).waitFor({ timeout: 15_000 });
    await row(page, "empty.txt").getByText("Failed", { exact: true }).waitFor({ timeout: 15_000 });
    expect(await row(page, "empty.txt").innerText()).toContain("The file holds no text");
    expect(await row(page, "deploy.md").innerText()).toMatch(/Markdown\s+\d+ B\s+Ready\s+3/);
    // The base's document count follows.
    await page.locator(".knowledge-facts", { hasText: "4 documents" }).waitFor();
    // The last document to settle is announced to screen readers.
    await expect
      .poll(() => page.locator(".knowledge-documents [role=status]").innerText())
      .toMatch(/is ready\.|failed: The file holds no text\./);

    // The same content again is recognised, whatever the file's name.
    await chooseFiles(page, [text("notes-again.txt", "Backups run nightly.\n\nRestore with pg_restore.")]);
    await uploads.getByText("notes.txt: already in this knowledge base").waitFor();
    await expect
      .poll(() => page.locator(".knowledge-documents [role=status]").innerText())
      .toBe("0 files uploaded; 1 already in this knowledge base.");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "knowledge-documents", true);
  });

  it("refuses dropped files of other types with the accepted ones named, and takes the rest", async () => {
    // What a drag from the desktop carries (the test runs outside the page, so the page builds it).
    const dropped = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(["not a document"], "photo.png", { type: "image/png" }));
      transfer.items.add(new File(["# Restore\\n\\nStop the server first."], "restore.md"));
      return transfer;
    })()`);
    await page.locator(".drop-zone").dispatchEvent("drop", { dataTransfer: dropped });
    const alert = page.locator(".knowledge-documents").getByRole("alert");
    await alert.waitFor();
    expect(await alert.innerText()).toBe(
      "Not uploaded: photo.png (not a supported type). Accepted: .txt, .md, .markdown, .html, .htm, .csv, .pdf, .docx.",
    );
    await row(page, "restore.md").getByText("Ready", { exact: true }).waitFor({ timeout: 15_000 });
    expect(await row(page, "photo.png").count()).toBe(0);
  });

  it("shows each upload's progress while its files are sent", async () => {
    // A slow uplink (Chromium's network emulation), so the upload lasts long enough to be seen.
    const cdp = await page.context().newCDPSession(page);
    const throttle = (uploadThroughput: number) =>
      cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput,
      });
    await throttle(32 * 1024);
    const lines = Array.from({ length: 4000 }, (_, i) => `Line ${i}: the nightly backup finished.`);
    await chooseFiles(page, [text("backup-log.txt", lines.join("\n"))]);
    const bar = page.getByRole("progressbar", { name: "Uploading backup-log.txt" });
    await expect.poll(async () => Number(await bar.getAttribute("value"))).toBeGreaterThan(0);
    expect(await page.getByRole("region", { name: "Uploads" }).innerText()).toMatch(
      /Uploading backup-log\.txt · [\d.]+ KB of [\d.]+ KB/,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "knowledge-uploading");
    await throttle(-1);
    await page.getByRole("region", { name: "Uploads" }).getByText("backup-log.txt: added").waitFor();
    await cdp.detach();
  });

  it("says when a file is over the limit, and keeps nothing of that upload", async () => {
    await chooseFiles(page, [
      text("small.md", "# Small\n\nFits.\n"),
      text("huge.txt", "x ".repeat(200 * 1024)),
    ]);
    const failed = page.getByRole("region", { name: "Uploads" }).locator("li.error");
    await failed.waitFor();
    expect(await failed.innerText()).toMatch(/^small\.md, huge\.txt: Too large to upload: .*huge\.txt/);
    await expect
      .poll(() => page.locator(".knowledge-documents [role=status]").innerText())
      .toMatch(/^Upload failed: Too large to upload/);
    expect(await row(page, "small.md").count()).toBe(0);
    expect(await row(page, "huge.txt").count()).toBe(0);
    await screenshot(page, "knowledge-too-large");
  });

  it("re-indexes a failed document and deletes one after asking", async () => {
    await page.getByRole("button", { name: "Re-index empty.txt" }).click();
    await expect
      .poll(() => page.locator(".knowledge-documents [role=status]").innerText())
      .toMatch(/Re-indexing empty\.txt\.|empty\.txt failed: The file holds no text\./);
    await row(page, "empty.txt").getByText("Failed", { exact: true }).waitFor({ timeout: 15_000 });

    await page.getByRole("button", { name: "Delete people.csv" }).click();
    const confirm = page.getByRole("alertdialog", { name: "Delete people.csv?" });
    expect(await seriousViolations(page)).toEqual([]);
    await confirm.getByRole("button", { name: "Delete document" }).click();
    await expect.poll(() => row(page, "people.csv").count()).toBe(0);
    await page.locator(".knowledge-facts", { hasText: "5 documents" }).waitFor();
    // Focus comes back to the page, not lost with the dialog.
    expect(await page.evaluate("document.activeElement?.tagName")).not.toBe("BODY");
  });

  it("follows ingestion over the live event stream", async () => {
    await page.reload();
    await page
      .locator(".knowledge-documents")
      .getByText("Live", { exact: true })
      .waitFor({ timeout: 10_000 });
    // While the stream is live the list is not polled: Ready arrives through the events.
    await chooseFiles(page, [text("rotation.md", "# Key rotation\n\nRotate the keys every 90 days.\n")]);
    await row(page, "rotation.md").getByText("Ready", { exact: true }).waitFor({ timeout: 15_000 });
    expect(await row(page, "rotation.md").innerText()).toMatch(/Ready\s+1/);
  });

  it("finds passages with a search, highlighting the words, with their section and score", async () => {
    const search = page.getByRole("search", { name: "Try a search" });
    await search.getByLabel("Query").fill("kubernetes overlays");
    await search.getByLabel("Mode").selectOption("keyword");
    await search.getByRole("button", { name: "Search" }).click();
    const hit = page.locator(".search-hit").first();
    const failure = page.locator(".knowledge-search").getByRole("alert");
    await hit.or(failure).first().waitFor();
    expect(await failure.allInnerTexts()).toEqual([]);
    expect(await hit.locator(".hit-head strong").innerText()).toBe("deploy.md");
    expect(await hit.getByRole("list", { name: "Section" }).innerText()).toMatch(
      /Deploying Parley\s*Kubernetes/,
    );
    expect(await hit.locator("mark").allInnerTexts()).toEqual(
      expect.arrayContaining(["Kubernetes", "overlays"]),
    );
    expect(await hit.innerText()).toMatch(/score \d+\.\d{3}/);
    expect(await page.locator(".search-results").innerText()).toMatch(
      /passages? in [\d.]+ ms, keyword search/,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "knowledge-search", true);

    // Hybrid needs an embedding model; without one the keyword search that ran says so.
    await search.getByLabel("Query").fill("zebra");
    await search.getByLabel("Mode").selectOption("hybrid");
    await search.getByRole("button", { name: "Search" }).click();
    await page.getByText("No passage matches “zebra”", { exact: false }).waitFor();
    expect(await page.locator(".search-results").innerText()).toMatch(
      /in [\d.]+ ms, keyword search \(this knowledge base has no embedding model\)\./,
    );
  });

  it("shows a viewer the documents and the search, with nothing to change", async () => {
    const viewer = { email: "viewer@parley.test", password: "a viewer's password 1" };
    const user = await asAdmin<{ id: string }>("POST", "/api/v1/users", {
      ...viewer,
      name: "Vi",
      globalRole: "viewer",
    });
    await asAdmin("PUT", `/api/v1/teams/${teamId}/members/${user.id}`, { role: "viewer" });
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const viewerPage = await context.newPage();
    await signIn(viewerPage, web.parley.url, viewer);
    await viewerPage.goto(`${web.parley.url}/knowledge`);
    const card = viewerPage.locator(".knowledge-card", { hasText: "Runbooks" });
    await card.waitFor();
    expect(await card.innerText()).toMatch(/Team Docs\s+\d+ documents/);
    expect(await viewerPage.getByRole("button", { name: "New knowledge base" }).count()).toBe(0);
    await card.getByRole("link", { name: "Runbooks" }).click();
    await row(viewerPage, "deploy.md").getByText("Ready", { exact: true }).waitFor();
    for (const name of ["Choose files", "Delete", "Edit", /Re-index/])
      expect(await viewerPage.getByRole("button", { name }).count()).toBe(0);
    await viewerPage.getByRole("search", { name: "Try a search" }).waitFor();
    expect(await seriousViolations(viewerPage)).toEqual([]);
    await context.close();
  });

  it("fits a phone in the dark theme", async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
      colorScheme: "dark",
    });
    const phone = await context.newPage();
    await signIn(phone, web.parley.url, web.admin);
    const bases = await asAdmin<{ items: KnowledgeBase[] }>("GET", "/api/v1/knowledge-bases");
    await phone.goto(`${web.parley.url}/knowledge/${bases.items[0]?.id ?? ""}`);
    await row(phone, "deploy.md").getByText("Ready", { exact: true }).waitFor();
    expect(await phone.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    expect(await seriousViolations(phone)).toEqual([]);
    await screenshot(phone, "knowledge-phone", true);
    await context.close();
  });

  it("renames, describes and deletes a knowledge base after asking", async () => {
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Edit Runbooks" });
    await dialog.getByLabel("Name").fill("Ops runbooks");
    await dialog.getByLabel("Description").fill("Deploy, back up, restore, rotate");
    await dialog.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "Ops runbooks" }).waitFor();
    await page.getByText("Deploy, back up, restore, rotate").waitFor();

    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page
      .getByRole("alertdialog", { name: "Delete Ops runbooks?" })
      .getByRole("button", { name: "Delete knowledge base" })
      .click();
    await page.waitForURL(/\/knowledge$/);
    await expect.poll(() => page.locator(".knowledge-card", { hasText: "Ops runbooks" }).count()).toBe(0);
  });

  it("searches by meaning too once a base has an embedding model", async () => {
    await page.goto(`${web.parley.url}/knowledge`);
    await page.getByRole("button", { name: "New knowledge base" }).click();
    const dialog = page.getByRole("dialog", { name: "New knowledge base" });
    await dialog.getByLabel("Name").fill("Sky");
    // The fake upstream embeds as hashed bags of words: texts sharing words are close.
    await dialog.getByLabel(/Embedding model/).fill("fake/fake-model");
    await dialog.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "Sky" }).waitFor();
    await page.getByText("Keyword and vector search (fake/fake-model)").waitFor();
    await chooseFiles(page, [
      text("stars.md", "# Stars\n\nA star fuses hydrogen into helium in its core.\n"),
      text("plants.md", "# Plants\n\nChlorophyll turns sunlight, water and carbon dioxide into sugar.\n"),
    ]);
    for (const name of ["stars.md", "plants.md"])
      await row(page, name).getByText("Ready", { exact: true }).waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByText("Embedding its passages…").count()).toBe(0);

    const search = page.getByRole("search", { name: "Try a search" });
    for (const mode of ["hybrid", "vector"]) {
      await search.getByLabel("Query").fill("hydrogen in stars");
      await search.getByLabel("Mode").selectOption(mode);
      await search.getByRole("button", { name: "Search" }).click();
      await expect
        .poll(() => page.locator(".search-results > p").first().innerText())
        .toMatch(new RegExp(`in [\\d.]+ ms, ${mode} search\\.$`));
      expect(await page.locator(".search-hit .hit-head strong").first().innerText()).toBe("stars.md");
    }
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "knowledge-vector-search", true);
  });
});
