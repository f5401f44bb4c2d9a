import type { Practice } from "@parley/contracts";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "./web-support.ts";

let web: WebParley;
let browser: Browser;
let page: Page;
let token: string;
let teamA: string;

/** A JSON call to the API as the admin. */
async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${web.parley.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return (await res.json()) as T;
}

beforeAll(async () => {
  web = await startWebParley({ chunks: 2 });
  const session = await web.adminSession();
  token = session.token;
  for (const name of ["Platform", "Payments"]) {
    const team = await call<{ id: string }>("POST", "/api/v1/teams", { name });
    await fetch(`${web.parley.url}/api/v1/teams/${team.id}/members/${session.userId}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "admin" }),
    });
    if (name === "Platform") teamA = team.id;
  }
  await call("POST", "/api/v1/projects", { teamId: teamA, name: "Billing" });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
  // A locator that never appears fails with its name, well before the test times out.
  page.setDefaultTimeout(8_000);
  await signIn(page, web.parley.url, web.admin);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

/** The titles of the practices of one scope's list, in order. */
const titlesIn = (scope: string) =>
  page
    .getByRole("region", { name: scope })
    .getByRole("heading", { level: 3 })
    .allInnerTexts()
    .then((titles) => titles.map((t) => t.replace(/^\d+\.\s*/, "")));

async function addPractice(button: string, title: string, body: string, appliesTo?: string) {
  await page.getByRole("button", { name: button }).click();
  const dialog = page.getByRole("dialog", { name: "New practice" });
  await dialog.getByLabel("Title").fill(title);
  if (appliesTo) await dialog.getByLabel("Applies to").selectOption({ label: appliesTo });
  await dialog.getByLabel("Practice (markdown)").fill(body);
  await dialog.getByRole("button", { name: "Add practice" }).click();
  await dialog.waitFor({ state: "detached" });
}

describe("practices in a real browser", () => {
  it("starts empty, adds, orders, edits with history, switches off and deletes practices", async () => {
    await page.goto(`${web.parley.url}/`);
    await page.getByRole("link", { name: "Governance" }).click();
    await page
      .getByRole("navigation", { name: "Governance" })
      .getByRole("link", { name: "Practices" })
      .click();
    await page.waitForURL(/\/governance\/practices$/);
    await page.getByRole("heading", { name: "Practices", level: 1 }).waitFor();
    await page.getByLabel("Team", { exact: true }).selectOption({ label: "Platform" });
    await page.getByText(/No practices yet/).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "practices-empty");

    await addPractice("Add the first practice", "Tests", "Every fix comes with a regression test.");
    await addPractice("New practice", "Reviews", "Two approvals before merging.");
    await addPractice("New practice", "Migrations", "Migrations are never edited.", "Project Billing");
    expect(await titlesIn("Team-wide")).toEqual(["Tests", "Reviews"]);
    expect(await titlesIn("Project Billing")).toEqual(["Migrations"]);

    await page.getByRole("button", { name: "Move “Reviews” up" }).click();
    await expect.poll(() => titlesIn("Team-wide")).toEqual(["Reviews", "Tests"]);
    expect(await page.getByRole("button", { name: "Move “Reviews” up" }).isDisabled()).toBe(true);

    // A new version; the history shows both.
    await page.getByRole("button", { name: "Edit “Tests”" }).click();
    const editor = page.getByRole("dialog", { name: "Edit “Tests”" });
    await editor.getByLabel("Practice (markdown)").fill("Every fix comes with a test named after the bug.");
    expect(await seriousViolations(page)).toEqual([]);
    await editor.getByRole("button", { name: "Save new version" }).click();
    await editor.waitFor({ state: "detached" });
    await page.getByText("Every fix comes with a test named after the bug.").waitFor();
    await page.getByRole("button", { name: "History of “Tests”" }).click();
    const history = page.getByRole("dialog", { name: "History of “Tests”" });
    await history.getByRole("button", { name: "Version 2 (current)" }).waitFor();
    await history.getByRole("button", { name: "Version 1" }).click();
    await history.getByText("Every fix comes with a regression test.").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "practices-history");
    await history.getByRole("button", { name: "Close" }).click();

    // Off, then deleted after a confirmation.
    const reviews = page
      .getByRole("listitem")
      .filter({ has: page.getByRole("heading", { name: /Reviews/ }) });
    await reviews.getByLabel("Enabled").uncheck();
    await reviews.getByText("v1 · off").waitFor();
    const stored = await call<{ items: Practice[] }>("GET", `/api/v1/practices?teamId=${teamA}`);
    expect(stored.items.find((p) => p.title === "Reviews")?.enabled).toBe(false);
    await screenshot(page, "practices");

    await page.getByRole("button", { name: "Delete “Migrations”" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete practice" }).click();
    await expect.poll(() => page.getByRole("region", { name: "Project Billing" }).count()).toBe(0);

    // The other team has its own, empty, list.
    await page.getByLabel("Team", { exact: true }).selectOption({ label: "Payments" });
    await page.getByText(/No practices yet/).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("tells a stale editor that someone saved meanwhile", async () => {
    await page.goto(`${web.parley.url}/governance/practices`);
    await page.getByLabel("Team", { exact: true }).selectOption({ label: "Platform" });
    await page.getByRole("button", { name: "Edit “Reviews”" }).click();
    const editor = page.getByRole("dialog", { name: "Edit “Reviews”" });
    const reviews = (
      await call<{ items: Practice[] }>("GET", `/api/v1/practices?teamId=${teamA}`)
    ).items.find((p) => p.title === "Reviews");
    await call("PUT", `/api/v1/practices/${reviews?.id ?? ""}`, {
      expectedVersion: 1,
      title: "Reviews",
      body: "Saved elsewhere.",
    });
    await editor.getByLabel("Practice (markdown)").fill("My edit.");
    await editor.getByRole("button", { name: "Save new version" }).click();
    await editor
      .getByRole("alert")
      .getByText(/Someone changed this practice meanwhile/)
      .waitFor();
  });
});
