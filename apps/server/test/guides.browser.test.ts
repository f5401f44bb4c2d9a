import type { Guide, GuideDraft } from "@parley/contracts";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "./web-support.ts";

// Every model answer of the fake upstream is this draft, as JSON.
const DRAFT: GuideDraft = {
  title: "CSV export of invoices",
  description: "Let accountants download invoices as CSV.",
  sections: [
    {
      heading: "Backend",
      tasks: [
        { text: "Add the export endpoint", estimateMinutes: 90, lowMinutes: 60, highMinutes: 150 },
        { text: "Stream rows as CSV", estimateMinutes: 120, lowMinutes: 90, highMinutes: 180 },
      ],
    },
    {
      heading: "Frontend",
      tasks: [{ text: "Download button", estimateMinutes: 30, lowMinutes: 20, highMinutes: 45 }],
    },
  ],
};

const RELEASE = `# Release 2

## Build
- [ ] Write the migration
- [ ] Add the endpoint

## Ship
- [ ] Deploy to staging
`;

let web: WebParley;
let browser: Browser;
let adminToken: string;
let teamId: string;
const dev = { email: "dev@parley.test", password: "a developer's password 1" };
const viewer = { email: "viewer@parley.test", password: "a viewer's password 1" };

/** Calls the API as the admin (a member of the team), to set up and to change things behind a page's back. */
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

async function member(user: { email: string; password: string }, name: string, role: string) {
  const created = await asAdmin<{ id: string }>("POST", "/api/v1/users", { ...user, name, globalRole: role });
  await asAdmin("PUT", `/api/v1/teams/${teamId}/members/${created.id}`, { role });
}

/** A signed-in page of `user` in a context of its own (its own cookies, as another browser). */
async function pageOf(user: { email: string; password: string }, width = 1280): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(8_000);
  await signIn(page, web.parley.url, user);
  return page;
}

const guideIdOf = (page: Page) => /\/guides\/([^/?]+)/.exec(page.url())?.[1] ?? "";

beforeAll(async () => {
  // Several people click through many screens within a minute: no role's API limit gets in the way.
  const unlimited = { apiPerMinute: 100_000, aiPerMinute: 100_000 };
  web = await startWebParley(
    { reply: "plain", text: JSON.stringify(DRAFT) },
    { PARLEY_RATE_LIMITS: JSON.stringify({ admin: unlimited, developer: unlimited, viewer: unlimited }) },
  );
  const session = await web.adminSession();
  adminToken = session.token;
  teamId = (await asAdmin<{ id: string }>("POST", "/api/v1/teams", { name: "Platform" })).id;
  await asAdmin("PUT", `/api/v1/teams/${teamId}/members/${session.userId}`, { role: "admin" });
  await asAdmin("POST", "/api/v1/projects", { teamId, name: "Billing" });
  await member(dev, "Dana Developer", "developer");
  await member(viewer, "Victor Viewer", "viewer");
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

describe("guides in a real browser", () => {
  let page: Page;
  let guideId: string;

  it("offers the ways to start a guide while there is none, and creates one in the editor with a live preview", async () => {
    page = await pageOf(dev);
    await page.getByRole("link", { name: "Guides", exact: true }).click();
    await page.getByRole("heading", { name: "Guides", level: 1 }).waitFor();
    await page.getByText(/No guides yet/).waitFor();
    for (const name of ["New guide", "From template", "Draft with AI"])
      expect(
        await page
          .getByRole("main")
          .getByRole(name === "New guide" ? "link" : "button", { name })
          .count(),
      ).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("link", { name: "New guide" }).click();
    const form = page.getByRole("form", { name: "New guide" });
    await form.getByLabel("Title").fill("Release 2");
    await form.getByLabel(/^Tags/).fill("release, backend");
    await form.getByLabel(/^Markdown/).fill(RELEASE);
    // The preview renders the markdown as it is typed, its boxes read-only.
    const preview = page.getByRole("region", { name: "Preview" });
    await preview.getByRole("heading", { name: "Ship" }).waitFor();
    expect(await preview.getByRole("checkbox").count()).toBe(3);
    expect(await seriousViolations(page)).toEqual([]);
    await form.getByRole("button", { name: "Create guide" }).click();
    await page.getByRole("heading", { name: "Release 2", level: 1 }).waitFor();
    guideId = guideIdOf(page);
    await page.getByRole("progressbar", { name: "Overall progress" }).waitFor();
    expect(
      await page.getByRole("progressbar", { name: "Overall progress" }).getAttribute("aria-valuetext"),
    ).toBe("0 of 3 tasks done (0%)");
  });

  it("shows a box ticked in one browser ticked in another within a second", async () => {
    const other = await pageOf(dev);
    await other.goto(`${web.parley.url}/guides/${guideId}`);
    await other.getByText("Live", { exact: true }).waitFor();
    await page.getByText("Live", { exact: true }).waitFor();

    await page.getByRole("checkbox", { name: "Write the migration" }).check();
    const started = Date.now();
    await expect
      .poll(() => other.getByRole("checkbox", { name: "Write the migration" }).isChecked(), {
        timeout: 3_000,
      })
      .toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    // Progress follows, overall and for the section.
    await expect
      .poll(() =>
        other.getByRole("progressbar", { name: "Progress of Build" }).getAttribute("aria-valuetext"),
      )
      .toBe("1 of 2 tasks done (50%)");
    const stored = await asAdmin<Guide>("GET", `/api/v1/guides/${guideId}`);
    expect(stored.content).toContain("- [x] Write the migration");
    // Who ticked it, in the other browser too.
    await other.getByText("Done by you").waitFor();

    // Started elsewhere: the other page says so; unticked there: unticked here.
    await other.getByRole("button", { name: "Start “Add the endpoint”" }).click();
    await page.getByText("In progress", { exact: true }).first().waitFor();
    await other.getByRole("checkbox", { name: "Write the migration" }).uncheck();
    await expect
      .poll(() => page.getByRole("checkbox", { name: "Write the migration" }).isChecked())
      .toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await other.context().close();
  });

  it("lists the guide with its progress and status, live, and filters by status, tag and search", async () => {
    await page.getByRole("link", { name: "← All guides" }).click();
    const card = page
      .getByRole("list", { name: "Guides" })
      .getByRole("listitem")
      .filter({ hasText: "Release 2" });
    await card.getByText("In progress").waitFor();
    // A tick made elsewhere moves the list's bar.
    const stored = await asAdmin<Guide>("GET", `/api/v1/guides/${guideId}`);
    const ship = stored.tasks.find((t) => t.text === "Deploy to staging");
    await asAdmin("PATCH", `/api/v1/guides/${guideId}/tasks/${ship?.id ?? ""}`, { done: true });
    await expect
      .poll(() =>
        card.getByRole("progressbar", { name: "Progress of Release 2" }).getAttribute("aria-valuetext"),
      )
      .toBe("1 of 3 tasks done (33%)");

    await page.getByLabel("Status").selectOption({ label: "Completed" });
    await page.getByText("No guide matches these filters.").waitFor();
    await page.getByLabel("Status").selectOption({ label: "Any status" });
    await page.getByLabel("Tag").fill("release");
    await card.waitFor();
    await page.getByLabel("Tag").fill("");
    await page.getByLabel("Search").fill("staging");
    await card.waitFor();
    await page.getByLabel("Search").fill("nothing like this");
    await page.getByText("No guide matches these filters.").waitFor();
    await page.getByLabel("Search").fill("");
    await card.waitFor();
  });

  it("keeps the text of a stale edit, says someone changed the guide, and loads the newest version", async () => {
    await page.goto(`${web.parley.url}/guides/${guideId}/edit`);
    const form = page.getByRole("form", { name: "Edit “Release 2”" });
    const markdown = form.getByLabel(/^Markdown/);
    await markdown.waitFor();
    const current = await asAdmin<Guide>("GET", `/api/v1/guides/${guideId}`);
    await asAdmin("PATCH", `/api/v1/guides/${guideId}`, {
      expectedVersion: current.version,
      content: `${current.content}- [ ] Announce it\n`,
    });
    await markdown.fill(`${RELEASE}- [ ] My own step\n`);
    await form.getByRole("button", { name: "Save" }).click();
    await form
      .getByRole("alert")
      .getByText(/Someone changed this guide meanwhile/)
      .waitFor();
    expect(await markdown.inputValue()).toContain("My own step");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "guide-editor-conflict");
    await form.getByRole("button", { name: "Load the newest version" }).click();
    await expect.poll(() => markdown.inputValue()).toContain("Announce it");
    await markdown.fill(`${await markdown.inputValue()}- [ ] My own step\n`);
    await form.getByRole("button", { name: "Save" }).click();
    await page.getByRole("checkbox", { name: "My own step" }).waitFor();
    await page.getByRole("checkbox", { name: "Announce it" }).waitFor();
  });

  it("drafts a guide with AI, showing each task's estimate and the totals, then creates it", async () => {
    await page.getByRole("link", { name: "← All guides" }).click();
    await page.getByRole("button", { name: "Draft with AI" }).click();
    const dialog = page.getByRole("dialog", { name: "Draft a guide with AI" });
    await dialog.getByLabel("What is the work?").fill("Accountants want invoices as CSV");
    await dialog.getByRole("button", { name: "Draft", exact: true }).click();
    await dialog.getByRole("heading", { name: "CSV export of invoices" }).waitFor();
    const row = dialog.getByRole("row").filter({ hasText: "Add the export endpoint" });
    expect(await row.getByRole("cell").last().innerText()).toBe("1 h 30 min (1 h–2 h 30 min)");
    await dialog.getByText("3 tasks · about 4 h").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "guide-draft");
    await dialog.getByRole("button", { name: "Create guide" }).click();
    await page.getByRole("heading", { name: "CSV export of invoices", level: 1 }).waitFor();
    // The estimates shown are the ones stored.
    await page.getByText("≈ 1 h 30 min (1 h–2 h 30 min)").waitFor();
    const stored = await asAdmin<Guide>("GET", `/api/v1/guides/${guideIdOf(page)}`);
    expect(stored.tasks.map((t) => t.estimate?.minutes)).toEqual([90, 120, 30]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "guide-view-estimates");
  });

  it("creates a guide from a template, asking for its required variables", async () => {
    await page.getByRole("link", { name: "← All guides" }).click();
    await page.getByRole("button", { name: "From template" }).click();
    const dialog = page.getByRole("dialog", { name: "New guide from a template" });
    await dialog.getByLabel("Template").selectOption({ label: "Bug fix" });
    const bug = dialog.getByLabel(/^bug/);
    expect(await bug.getAttribute("required")).not.toBeNull();
    expect(await dialog.getByLabel(/^reportedBy/).inputValue()).toBe("an issue");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "guide-template");
    // The browser refuses it while a required variable is empty.
    await dialog.getByRole("button", { name: "Create guide" }).click();
    expect(await dialog.isVisible()).toBe(true);
    await bug.fill("Totals off by a cent");
    await dialog.getByRole("button", { name: "Create guide" }).click();
    await page.getByRole("heading", { name: "Fix: Totals off by a cent", level: 1 }).waitFor();
    await page.getByText("Reported in an issue.").waitFor();

    // The fake model answers every call with the draft above, which is no estimate: the failure
    // is worded for people, and the guide stays as it was.
    await page.getByRole("button", { name: "Estimate with AI" }).click();
    await page
      .getByRole("alert")
      .getByText(/The AI's draft could not be used/)
      .waitFor();
    expect(await page.getByRole("button", { name: "Estimate with AI" }).isEnabled()).toBe(true);
  });

  it("saves a guide as a team template, lists it beside the built-in ones and deletes it", async () => {
    await page.goto(`${web.parley.url}/guides/${guideId}`);
    await page.getByRole("button", { name: "More actions for Release 2" }).click();
    await page.getByRole("menuitem", { name: "Save as template" }).click();
    const naming = page.getByRole("dialog", { name: "Save as a team template" });
    await naming.getByLabel("Template name").fill("Release checklist");
    await naming.getByRole("button", { name: "Save template" }).click();
    await page.getByText("Saved as the team template “Release checklist”.").waitFor();

    await page
      .getByRole("navigation", { name: "Guides area" })
      .getByRole("link", { name: "Templates" })
      .click();
    await page.getByRole("heading", { name: "Guide templates", level: 1 }).waitFor();
    await page.getByRole("table").getByText("Bug fix", { exact: true }).waitFor();
    await page.getByRole("table").getByText("Release checklist", { exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Delete template “Release checklist”" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete template" }).click();
    await page.getByText("None yet.").waitFor();
    // Built-in templates cannot be deleted, so they offer no button.
    expect(await page.getByRole("button", { name: /Delete template/ }).count()).toBe(0);

    await page
      .getByRole("navigation", { name: "Guides area" })
      .getByRole("link", { name: "Estimates" })
      .click();
    await page.getByText(/No finished task with an estimate and a measured time yet/).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("shows the team's guides at a glance, with their progress, status, tags and project", async () => {
    const projects = await asAdmin<{ items: { id: string; name: string }[] }>(
      "GET",
      `/api/v1/projects?teamId=${teamId}`,
    );
    const billing = projects.items.find((p) => p.name === "Billing")?.id;
    const seed = async (title: string, tags: string[], content: string, ticks: number) => {
      const guide = await asAdmin<Guide>("POST", "/api/v1/guides", {
        teamId,
        title,
        tags,
        content,
        ...(billing && tags.includes("billing") ? { projectId: billing } : {}),
        description: `${title}, step by step.`,
      });
      for (const task of guide.tasks.slice(0, ticks))
        await asAdmin("PATCH", `/api/v1/guides/${guide.id}/tasks/${task.id}`, { done: true });
    };
    const list = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => `- [ ] ${prefix} ${i + 1}`).join("\n");
    await seed("Upgrade PostgreSQL to 17", ["database", "ops"], `## Prepare\n${list(4, "Step")}\n`, 4);
    await seed("Invoice PDF redesign", ["billing", "frontend"], `## Build\n${list(6, "Part")}\n`, 2);
    await seed("On-call handbook", ["ops"], `## Write\n${list(5, "Chapter")}\n`, 0);
    await page.goto(`${web.parley.url}/guides`);
    const cards = page.getByRole("list", { name: "Guides" }).getByRole("listitem");
    await expect.poll(() => cards.count()).toBe(6);
    await cards.filter({ hasText: "Upgrade PostgreSQL to 17" }).getByText("Completed").waitFor();
    await cards.filter({ hasText: "Invoice PDF redesign" }).getByText("Project Billing").waitFor();
    await page.getByText("Live", { exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "guides");
  });

  it("shows a viewer the guides read-only, with no control that would only fail", async () => {
    const view = await pageOf(viewer);
    await view.getByRole("link", { name: "Guides", exact: true }).click();
    await view.getByRole("list", { name: "Guides" }).waitFor();
    for (const name of ["New guide", "From template", "Draft with AI"])
      expect(
        await view
          .getByRole("main")
          .getByRole(name === "New guide" ? "link" : "button", { name })
          .count(),
      ).toBe(0);
    await view.getByRole("link", { name: "Release 2" }).click();
    await view.getByRole("heading", { name: "Release 2", level: 1 }).waitFor();
    const boxes = view.getByRole("checkbox");
    expect(await boxes.count()).toBeGreaterThan(0);
    for (const box of await boxes.all()) expect(await box.isDisabled()).toBe(true);
    // The admin ticked "Deploy to staging" through the API: named once the team's member list arrived,
    // never called "a former member" before it did.
    await view.getByText("Done by web", { exact: true }).waitFor();
    expect(await view.getByText(/^Done by /).allInnerTexts()).toEqual(["Done by web"]);
    expect(await view.getByRole("link", { name: "Edit" }).count()).toBe(0);
    expect(await view.getByRole("button", { name: /More actions|Start|Estimate with AI/ }).count()).toBe(0);
    expect(await seriousViolations(view)).toEqual([]);
    await view.context().close();
  });

  it("archives and deletes a guide after a confirmation", async () => {
    await page.goto(`${web.parley.url}/guides/${guideId}`);
    await page.getByRole("button", { name: "More actions for Release 2" }).click();
    await page.getByRole("menuitem", { name: "Archive" }).click();
    await page.getByText("Archived", { exact: true }).waitFor();
    await page.getByRole("button", { name: "More actions for Release 2" }).click();
    await page.getByRole("menuitem", { name: "Delete" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete guide" }).click();
    await page.getByRole("heading", { name: "Guides", level: 1 }).waitFor();
    const res = await fetch(`${web.parley.url}/api/v1/guides/${guideId}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(res.status).toBe(404);
  });

  it("fits the dark theme and a phone without accessibility violations", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    try {
      await page.goto(`${web.parley.url}/guides`);
      await page.getByRole("list", { name: "Guides" }).waitFor();
      await page.getByText("Live", { exact: true }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, "guides-dark");
      await page.getByRole("link", { name: "CSV export of invoices" }).click();
      await page.getByRole("heading", { name: "CSV export of invoices", level: 1 }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, "guide-view-dark");
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, "guide-view-phone", true);
      await page.getByRole("link", { name: "← All guides" }).click();
      await page.getByRole("list", { name: "Guides" }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, "guides-phone");
      await page.getByRole("button", { name: "Draft with AI" }).click();
      await page
        .getByRole("dialog", { name: "Draft a guide with AI" })
        .getByLabel("What is the work?")
        .waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, "guide-draft-phone");
      await page.keyboard.press("Escape");
    } finally {
      await page.emulateMedia({ colorScheme: "light" });
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it("lists a page of guides at a time, with the next one on request", async () => {
    for (let i = 1; i <= 20; i++)
      await asAdmin("POST", "/api/v1/guides", { teamId, title: `Chore ${i}`, content: "- [ ] Do it\n" });
    await page.goto(`${web.parley.url}/guides`);
    const cards = page.getByRole("list", { name: "Guides" }).getByRole("listitem");
    await expect.poll(() => cards.count()).toBe(24);
    await page.getByRole("button", { name: "Load more" }).click();
    // Five guides before these twenty: the second page holds the one left.
    await expect.poll(() => cards.count()).toBe(25);
    expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);
    expect(await cards.filter({ hasText: "Chore 20" }).count()).toBe(1);
    expect(await cards.filter({ hasText: "CSV export of invoices" }).count()).toBe(1);
  });
});
