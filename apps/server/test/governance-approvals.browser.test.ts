import type { GovernanceApproval, GovernanceDecision } from "@parley/contracts";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "./web-support.ts";

let web: WebParley;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let adminToken: string;
let developerToken: string;
let teamId: string;

const operator = { email: "approver@parley.test", password: "an approver's password 1" };
const developer = { email: "asker@parley.test", password: "an asker's password 1" };
const HELD = "Please deploy to production tonight, the release notes are ready.";
const limits = { apiPerMinute: 100000, aiPerMinute: 100000 };

/** Calls the API with `token` (setting up what the screens are tested on). */
async function call<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${web.parley.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** Creates an account with `role` in the team; answers its access token. */
async function member(user: { email: string; password: string }, name: string, role: string) {
  const created = await call<{ id: string }>(adminToken, "POST", "/api/v1/users", {
    ...user,
    name,
    globalRole: "viewer",
  });
  await call(adminToken, "PUT", `/api/v1/teams/${teamId}/members/${created.id}`, { role });
  const login = await call<{ accessToken: string }>("", "POST", "/api/v1/auth/login", user);
  return login.accessToken;
}

/** The developer sends `content` in a new team conversation (the answer goes on in the background). */
async function ask(content: string): Promise<void> {
  const conversation = await call<{ id: string }>(developerToken, "POST", "/api/v1/conversations", {
    title: "Release",
    model: "fake/fake-model",
    teamId,
  });
  await call(developerToken, "POST", `/api/v1/conversations/${conversation.id}/messages`, { content });
}

const pending = () =>
  call<{ items: GovernanceApproval[] }>(adminToken, "GET", "/api/v1/governance/approvals?status=pending");

beforeAll(async () => {
  web = await startWebParley(
    { text: "Deploying now." },
    {
      PARLEY_RATE_LIMITS: JSON.stringify({
        admin: limits,
        operator: limits,
        developer: limits,
        viewer: limits,
      }),
    },
  );
  adminToken = (await web.adminSession()).token;
  teamId = (await call<{ id: string }>(adminToken, "POST", "/api/v1/teams", { name: "Releases" })).id;
  await member(operator, "Olga Approver", "operator");
  developerToken = await member(developer, "Dan Asker", "developer");
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1200, height: 860 } });
  page = await context.newPage();
  await signIn(page, web.parley.url, operator);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

describe("governance approvals and decisions in a real browser", () => {
  it("explains the approvals queue and the decisions while there are none", async () => {
    await page.goto(`${web.parley.url}/governance/approvals`);
    await page.getByRole("heading", { name: "Approvals", exact: true }).waitFor();
    const sections = page.getByRole("navigation", { name: "Governance" }).getByRole("link");
    expect(await sections.allInnerTexts()).toEqual([
      "← Back to chat",
      "Rules",
      "Approvals",
      "Decisions",
      "Practices",
      "Prompts",
    ]);
    await page.getByText("No call is waiting for a decision.").waitFor();
    expect(await page.getByText(/holds a matching call before it reaches the model/).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "governance-approvals-empty");

    await page
      .getByRole("navigation", { name: "Governance" })
      .getByRole("link", { name: "Decisions" })
      .click();
    await page.getByText("No decisions yet.").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("shows a held call in the queue as it arrives, and its asker sees it read-only", async () => {
    await call(adminToken, "POST", "/api/v1/governance/rules", {
      teamId,
      spec: {
        name: "Production deploys need a second pair of eyes",
        tier: "before",
        scope: {},
        condition: { detectors: [{ type: "keywords", words: ["deploy to production"] }] },
        action: "require_approval",
        approvalTimeoutSeconds: 900,
      },
    });
    await call(adminToken, "POST", "/api/v1/governance/rules", {
      teamId,
      spec: {
        name: "No launch codes",
        tier: "before",
        scope: {},
        condition: { detectors: [{ type: "keywords", words: ["launch codes"] }] },
        action: "block",
      },
    });
    await page
      .getByRole("navigation", { name: "Governance" })
      .getByRole("link", { name: "Approvals" })
      .click();
    await page.getByText("No call is waiting for a decision.").waitFor();
    await ask(HELD);
    // No reload: the queue polls.
    const card = page.getByRole("article", { name: "Production deploys need a second pair of eyes" });
    await card.waitFor({ timeout: 15_000 });
    const text = await card.innerText();
    expect(text).toContain("asker@parley.test");
    expect(text).toContain("fake/fake-model");
    expect(text).toMatch(/\d+ min \d+ s left/);
    expect(await card.locator("blockquote").innerText()).toBe(
      "Please [redacted keyword] tonight, the release notes are ready.",
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "governance-approvals", true);

    const asker = await browser.newContext({ viewport: { width: 1200, height: 860 } });
    const askerPage = await asker.newPage();
    await signIn(askerPage, web.parley.url, developer);
    await askerPage.goto(`${web.parley.url}/governance/approvals`);
    const own = askerPage.getByRole("article", { name: "Production deploys need a second pair of eyes" });
    await own.getByText("Your call waits here").waitFor();
    expect(await own.getByRole("button").count()).toBe(0);
    expect(await own.innerText()).toContain("Asked by\nYou");
    expect(await seriousViolations(askerPage)).toEqual([]);
    await asker.close();
  });

  it("denies the call with a required reason, then lists it as decided", async () => {
    const card = page.getByRole("article", { name: "Production deploys need a second pair of eyes" });
    await card.getByRole("button", { name: "Deny" }).click();
    const dialog = page.getByRole("dialog", { name: "Deny this call?" });
    await dialog.waitFor();
    expect(await dialog.getByRole("button", { name: "Deny" }).isDisabled()).toBe(true);
    await dialog.getByLabel("Reason (required)").fill("No deploys during the freeze");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "governance-approval-deny");
    await dialog.getByRole("button", { name: "Deny" }).click();
    await page.getByRole("status").getByText("Denied: the call held by").waitFor();
    await page.getByText("No call is waiting for a decision.").waitFor();
    expect((await pending()).items).toEqual([]);

    await page.getByRole("button", { name: "Decided" }).click();
    const decided = page.getByRole("article", { name: "Production deploys need a second pair of eyes" });
    await decided.waitFor();
    expect(await decided.innerText()).toMatch(/Denied[\s\S]*by You: No deploys during the freeze/);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("says a request was decided already when someone else was quicker", async () => {
    await page.getByRole("button", { name: "Pending" }).click();
    await ask(HELD);
    const card = page.getByRole("article", { name: "Production deploys need a second pair of eyes" });
    await card.waitFor({ timeout: 15_000 });
    await card.getByRole("button", { name: "Approve" }).click();
    const dialog = page.getByRole("dialog", { name: "Approve this call?" });
    await dialog.getByLabel("Reason (optional)").fill("Change ticket 42");
    // Meanwhile the admin approves it.
    const [request] = (await pending()).items;
    await call(adminToken, "POST", `/api/v1/governance/approvals/${request?.id ?? ""}/approve`, {});
    await dialog.getByRole("button", { name: "Approve" }).click();
    await page
      .getByRole("status")
      .getByText(/Already decided: .*approved already/)
      .waitFor();
    await page.getByText("No call is waiting for a decision.").waitFor();
  });

  it("shows the decisions by day and action, the top rules, and the list filtered", async () => {
    // The block rule refuses this one at once.
    await ask("Where are the launch codes kept?");
    await expect
      .poll(async () => {
        const list = await call<{ items: GovernanceDecision[] }>(
          adminToken,
          "GET",
          "/api/v1/governance/decisions?action=block",
        );
        return list.items.length;
      })
      .toBe(1);
    await page
      .getByRole("navigation", { name: "Governance" })
      .getByRole("link", { name: "Decisions" })
      .click();
    const chart = page.getByRole("img", { name: "Decisions by day" });
    await chart.waitFor();
    const legend = await page.locator(".decision-chart .legend").innerText();
    for (const action of ["Blocked", "Held for approval", "Approved", "Denied"])
      expect(legend).toContain(action);
    const top = page.getByRole("region", { name: "Top rules" });
    expect(await top.innerText()).toContain("Production deploys need a second pair of eyes");
    expect(await top.innerText()).toContain("No launch codes");
    const rows = page.locator(".decisions-table tbody tr");
    await expect.poll(() => rows.count()).toBe(5);
    const denied = rows.filter({ hasText: "No deploys during the freeze" });
    expect(await denied.innerText()).toMatch(/Denied/);
    const blocked = rows.filter({ hasText: "No launch codes" });
    // What matched: its kind and a short fingerprint, never the text.
    expect(await blocked.innerText()).toMatch(/keyword [0-9a-f]{8}/);
    expect(await page.locator(".decisions-table").innerText()).not.toContain("launch codes kept");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "governance-decisions", true);

    await page
      .getByRole("form", { name: "Filter decisions" })
      .getByLabel("Decision")
      .selectOption({ label: "Blocked" });
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain("No launch codes");
    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect.poll(() => rows.count()).toBe(5);
  });

  it("fits the dark theme and a phone", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    try {
      await page.reload();
      await page.getByRole("img", { name: "Decisions by day" }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, "governance-decisions-dark", true);
      await page.goto(`${web.parley.url}/governance/approvals`);
      await page.getByRole("button", { name: "Decided" }).click();
      await page.locator(".approval-card").first().waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, "governance-approvals-dark", true);
    } finally {
      await page.emulateMedia({ colorScheme: "light" });
    }
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const phonePage = await phone.newPage();
    await signIn(phonePage, web.parley.url, operator);
    await phonePage.goto(`${web.parley.url}/governance/decisions`);
    await phonePage.locator(".decisions-table").waitFor();
    expect(await phonePage.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    // Nor clipped by a container: every card ends within the screen (the chart scrolls inside).
    const rightmost = `Math.max(...[...document.querySelectorAll(".governance-oversight, .decisions-table tr, .approval-card")].map((e) => e.getBoundingClientRect().right))`;
    expect(await phonePage.evaluate(`${rightmost} <= window.innerWidth`)).toBe(true);
    expect(await seriousViolations(phonePage)).toEqual([]);
    await screenshot(phonePage, "governance-decisions-phone", true);
    await phonePage.goto(`${web.parley.url}/governance/approvals`);
    await phonePage.getByRole("button", { name: "Decided" }).click();
    await phonePage.locator(".approval-card").first().waitFor();
    expect(await phonePage.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    expect(await phonePage.evaluate(`${rightmost} <= window.innerWidth`)).toBe(true);
    await screenshot(phonePage, "governance-approvals-phone", true);
    await phone.close();
  });
});
