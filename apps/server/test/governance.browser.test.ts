import type { GovernanceRule } from "@parley/contracts";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "./web-support.ts";

let web: WebParley;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let adminToken: string;
let teamId: string;
let ruleId: string;

const operator = { email: "ops@parley.test", password: "an operator's password 1" };
const viewer = { email: "viewer@parley.test", password: "a viewer's password 1" };
const SAMPLE = "Please mail ada@example.com the invoice, and copy bob@example.org.";

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

/** Creates an account with `role` in the team (and as its global role). */
async function member(user: { email: string; password: string }, name: string, role: string) {
  const created = await asAdmin<{ id: string }>("POST", "/api/v1/users", { ...user, name, globalRole: role });
  await asAdmin("PUT", `/api/v1/teams/${teamId}/members/${created.id}`, { role });
}

beforeAll(async () => {
  web = await startWebParley();
  adminToken = (await web.adminSession()).token;
  teamId = (await asAdmin<{ id: string }>("POST", "/api/v1/teams", { name: "Platform" })).id;
  await asAdmin("POST", "/api/v1/projects", { teamId, name: "Billing" });
  await member(operator, "Olga Operator", "operator");
  await member(viewer, "Victor Viewer", "viewer");
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1200, height: 860 } });
  page = await context.newPage();
  await signIn(page, web.parley.url, operator);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

describe("governance rules in a real browser", () => {
  it("opens the Governance area from the app's navigation and explains rules while there is none", async () => {
    await page.getByRole("link", { name: "Governance", exact: true }).click();
    await page.waitForURL(/\/governance\/rules$/);
    await page.getByRole("heading", { name: "Rules", exact: true }).waitFor();
    // The area's own navigation lists the sections that exist, nothing more.
    const sections = page.getByRole("navigation", { name: "Governance" }).getByRole("link");
    expect(await sections.allInnerTexts()).toEqual([
      "← Back to chat",
      "Rules",
      "Approvals",
      "Decisions",
      "Practices",
      "Prompts",
    ]);
    await page.getByText("No rules yet.").waitFor();
    expect(await page.getByText(/A rule checks what goes to an AI model/).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "governance-rules-empty");
  });

  it("creates a rule with a PII detector, saying beside each field what the form and the server refuse", async () => {
    await page.getByRole("link", { name: "New rule" }).click();
    await page.getByRole("heading", { name: "New rule" }).waitFor();
    const form = page.getByRole("form", { name: "New rule" });
    await form.getByRole("button", { name: "Create rule" }).click();
    // Checked in the browser first: the field says what is wrong and takes the focus.
    await form.getByText("Give the rule a name.").waitFor();
    expect(await form.getByLabel("Name").getAttribute("aria-invalid")).toBe("true");
    await expect.poll(() => page.evaluate("document.activeElement?.tagName")).toBe("INPUT");

    await form.getByLabel("Name").fill("Customer contact data");
    await form.getByLabel("Description").fill("Personal data of customers stays out of prompts.");
    await form.getByLabel("Where").selectOption({ label: "Team Platform" });
    await form.getByLabel("Action").selectOption({ label: "Warn" });
    await form.getByRole("checkbox", { name: "Chat" }).check();
    await form.getByRole("checkbox", { name: "Phone numbers" }).check();
    // A pattern RE2 cannot compile passes the form and is refused by the server, beside its detector.
    await form.getByRole("button", { name: "Add a detector" }).click();
    const second = form.getByRole("group", { name: "Detector 2" });
    await second.getByLabel("Looks for").selectOption({ label: "Regular expression" });
    await second.getByLabel("Pattern").fill("(?<=ticket-)\\d+");
    await form.getByRole("button", { name: "Create rule" }).click();
    await second.locator(".field-error").waitFor();
    expect(await second.locator(".field-error").innerText()).not.toBe("");
    await form.getByRole("alert").getByText("Some fields need a change").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "governance-rule-errors", true);

    await second.getByRole("button", { name: "Remove detector 2" }).click();
    await form.getByRole("button", { name: "Create rule" }).click();
    // The new rule's own address, once created (the form's is /governance/rules/new).
    await page.waitForURL((url) => /^\/governance\/rules\/(?!new$)[^/]+$/.test(url.pathname));
    ruleId = new URL(page.url()).pathname.split("/").at(-1) ?? "";
    await page.getByRole("heading", { name: "Customer contact data" }).waitFor();
    expect(await page.locator(".rule-header").innerText()).toContain("Version 1");
    const rule = await asAdmin<GovernanceRule>("GET", `/api/v1/governance/rules/${ruleId}`);
    expect(rule.spec).toEqual({
      name: "Customer contact data",
      description: "Personal data of customers stays out of prompts.",
      tier: "before",
      scope: { surfaces: ["chat"] },
      condition: { detectors: [{ type: "pii", kinds: ["email", "phone"] }] },
      action: "warn",
    });
  });

  it("saves an edit as version 2, and after someone else's save offers to reload the newest", async () => {
    const form = page.getByRole("form", { name: "Edit the rule" });
    await form.getByLabel("Action").selectOption({ label: "Redact" });
    await form.getByLabel("Project").selectOption({ label: "Billing" });
    await form.getByRole("button", { name: "Save as a new version" }).click();
    await form.getByRole("status").getByText("Saved as version 2.").waitFor();
    await page.locator(".rule-header", { hasText: "Version 2" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "governance-rule-editor", true);

    // Someone else saves version 3 meanwhile (during the answer: an after rule cannot redact).
    const current = await asAdmin<GovernanceRule>("GET", `/api/v1/governance/rules/${ruleId}`);
    await asAdmin("PUT", `/api/v1/governance/rules/${ruleId}`, {
      expectedVersion: 2,
      spec: { ...current.spec, tier: "during" },
    });
    await form.getByLabel("Description").fill("Edited from version 2");
    await form.getByRole("button", { name: "Save as a new version" }).click();
    const conflict = form.locator(".conflict");
    await conflict.getByText("Someone changed this rule meanwhile").waitFor();
    expect(await conflict.innerText()).toContain("It is now at version 3");
    expect(await seriousViolations(page)).toEqual([]);
    await conflict.scrollIntoViewIfNeeded();
    await screenshot(page, "governance-rule-conflict");
    await conflict.getByRole("button", { name: "Reload the rule" }).click();
    await page.locator(".rule-header", { hasText: "Version 3" }).waitFor();
    expect(await form.getByLabel("Tier").inputValue()).toBe("during");
    expect(await form.getByLabel("Description").inputValue()).toBe(
      "Personal data of customers stays out of prompts.",
    );
    expect(await form.locator(".conflict").count()).toBe(0);
  });

  it("lists the versions with who saved them, shows one, and compares two field by field", async () => {
    await page.getByRole("link", { name: "Version history" }).click();
    await page.getByRole("heading", { name: "History of Customer contact data" }).waitFor();
    const rows = page.locator(".versions-table tbody tr");
    await expect.poll(() => rows.count()).toBe(3);
    // The admin's name arrives after the rows (read from their account, not the team's members).
    await expect.poll(() => rows.nth(0).innerText()).toMatch(/v3 \(current\)\s+web\s/);
    expect(await rows.nth(2).innerText()).toMatch(/v1\s+You/);

    const compare = page.getByRole("region", { name: "Compare versions" });
    await compare.getByLabel("From").selectOption("1");
    await compare.getByLabel("To").selectOption("2");
    const changed = compare.locator(".diff-table tbody tr");
    // Text content, with the visually hidden "(changed)" a screen reader hears.
    const cells = async () =>
      Promise.all((await changed.all()).map((row) => row.locator("th, td").allTextContents()));
    await expect.poll(cells).toEqual([
      ["Action (changed)", "Warn", "Redact"],
      ["Project (changed)", "(any)", "Billing"],
    ]);
    await page.getByRole("button", { name: "View version 1" }).click();
    const version = page.getByRole("region", { name: "Version 1" });
    expect(await version.getByRole("definition").nth(3).innerText()).toBe("Warn");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "governance-rule-history", true);
  });

  it("tries a sample text: each rule's verdict, the matches marked, the redacted text", async () => {
    await page.getByRole("link", { name: "Rules", exact: true }).click();
    const row = page.locator(".rules-table tbody tr", { hasText: "Customer contact data" });
    await expect
      .poll(() => row.innerText())
      .toMatch(/Team Platform\s+During the answer\s+Redact\s+Chat · one project\s+v3/);
    const dryRun = page.getByRole("region", { name: "Try a sample text" });
    await dryRun.getByLabel("Sample text").fill(SAMPLE);
    await dryRun.getByRole("button", { name: "Try the rules" }).click();
    const results = page.locator(".dry-run-results");
    await results.getByText("1 rule tried; 1 would act.").waitFor();
    const marks = results.locator(".dry-run-sample mark");
    expect(await marks.count()).toBe(2);
    expect(await marks.first().getAttribute("title")).toBe("email (Customer contact data)");
    expect(await marks.first().innerText()).toContain("ada@example.com");
    const start = SAMPLE.indexOf("ada@");
    expect(await results.locator(".match-list").innerText()).toContain(
      `email characters ${start}–${start + "ada@example.com".length}`,
    );
    const redacted = await results.locator(".dry-run-redacted").innerText();
    expect(redacted).not.toContain("ada@example.com");
    expect(redacted).toContain("Please mail <EMAIL_1> the invoice");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "governance-dry-run", true);
  });

  it("switches a rule off and on, which the dry-run follows", async () => {
    const toggle = page.getByRole("switch", { name: "Customer contact data enabled" });
    expect(await toggle.getAttribute("aria-checked")).toBe("true");
    await toggle.click();
    await expect.poll(() => toggle.getAttribute("aria-checked")).toBe("false");
    await expect
      .poll(async () => (await asAdmin<GovernanceRule>("GET", `/api/v1/governance/rules/${ruleId}`)).enabled)
      .toBe(false);
    await page.getByRole("button", { name: "Try the rules" }).click();
    await page.locator(".dry-run-results").getByText("No enabled rule applies here.").waitFor();
    await page.getByLabel("State").selectOption({ label: "Off" });
    await page.locator(".rules-table tbody tr", { hasText: "Customer contact data" }).waitFor();
    await page.getByLabel("State").selectOption({ label: "On" });
    await page.getByText("No rule matches these filters.").waitFor();
    await page.getByLabel("State").selectOption({ label: "On and off" });
    await toggle.click();
    await expect.poll(() => toggle.getAttribute("aria-checked")).toBe("true");
  });

  it("shows a viewer the rules read-only, with the dry-run", async () => {
    const viewerContext = await browser.newContext({ viewport: { width: 1200, height: 860 } });
    const viewerPage = await viewerContext.newPage();
    await signIn(viewerPage, web.parley.url, viewer);
    await viewerPage.getByRole("link", { name: "Governance", exact: true }).click();
    const row = viewerPage.locator(".rules-table tbody tr", { hasText: "Customer contact data" });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/\tOn\t/);
    expect(await viewerPage.getByRole("switch").count()).toBe(0);
    expect(await viewerPage.getByRole("link", { name: "New rule" }).count()).toBe(0);
    expect(await viewerPage.getByRole("button", { name: /Delete/ }).count()).toBe(0);
    expect(await seriousViolations(viewerPage)).toEqual([]);
    await screenshot(viewerPage, "governance-rules-viewer");

    await row.getByRole("link", { name: "Customer contact data", exact: true }).click();
    await viewerPage.getByRole("heading", { name: "Customer contact data" }).waitFor();
    await viewerPage.getByText("You can read this rule").waitFor();
    expect(await viewerPage.getByRole("button", { name: /Save/ }).count()).toBe(0);
    expect(await viewerPage.getByRole("textbox").count()).toBe(0);
    const facts = viewerPage.getByRole("definition");
    // The project's name comes with the team's projects, which may load after the rule.
    await expect.poll(() => facts.allInnerTexts()).toContain("Billing");
    expect(await seriousViolations(viewerPage)).toEqual([]);
    await screenshot(viewerPage, "governance-rule-viewer", true);

    await viewerPage.getByRole("link", { name: "← All rules" }).click();
    await viewerPage.getByRole("textbox", { name: "Sample text" }).fill(SAMPLE);
    await viewerPage.getByRole("button", { name: "Try the rules" }).click();
    await viewerPage.locator(".dry-run-results").getByText("1 rule tried; 1 would act.").waitFor();
    await viewerContext.close();
  });

  it("fits the dark theme", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    try {
      await page.reload();
      await page.locator(".rules-table").waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, "governance-rules-dark");
      await page.getByRole("link", { name: "Customer contact data", exact: true }).click();
      await page.getByRole("form", { name: "Edit the rule" }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, "governance-rule-editor-dark", true);
      await page.getByRole("button", { name: "Delete Customer contact data" }).click();
      await page.getByRole("alertdialog").waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByRole("button", { name: "Cancel" }).click();
    } finally {
      await page.emulateMedia({ colorScheme: "light" });
    }
  });

  it("fits a phone: rules as cards, nothing wider than the screen", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const phonePage = await phone.newPage();
    await signIn(phonePage, web.parley.url, operator);
    await phonePage.goto(`${web.parley.url}/governance/rules`);
    await phonePage.locator(".rules-table").waitFor();
    expect(await phonePage.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    expect(await seriousViolations(phonePage)).toEqual([]);
    await screenshot(phonePage, "governance-rules-phone");
    await phonePage.goto(`${web.parley.url}/governance/rules/${ruleId}`);
    await phonePage.getByRole("form", { name: "Edit the rule" }).waitFor();
    expect(await phonePage.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    await phone.close();
  });

  it("deletes a rule after a confirmation", async () => {
    await page.getByRole("button", { name: "Delete Customer contact data" }).click();
    const dialog = page.getByRole("alertdialog", { name: "Delete the rule “Customer contact data”?" });
    await dialog.getByText("Its 3 versions go with it").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await asAdmin<GovernanceRule>("GET", `/api/v1/governance/rules/${ruleId}`)).toMatchObject({
      currentVersion: 3,
    });
    await page.getByRole("button", { name: "Delete Customer contact data" }).click();
    await dialog.getByRole("button", { name: "Delete rule" }).click();
    await page.waitForURL(/\/governance\/rules$/);
    await page.getByText("No rules yet.").waitFor();
    const gone = await fetch(`${web.parley.url}/api/v1/governance/rules/${ruleId}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(gone.status).toBe(404);
  });

  it("offers each condition in the tiers that check it, and an approval's timeout", async () => {
    await page.getByRole("link", { name: "New rule" }).click();
    const form = page.getByRole("form", { name: "New rule" });
    await form.getByLabel("Name").fill("Costly answers");
    await form.getByRole("button", { name: "Remove detector 1" }).click();
    await form.getByRole("button", { name: "Create rule" }).click();
    await form.getByText("Set at least one condition").waitFor();
    // Before the call, the cost is not known yet.
    expect(await form.getByLabel("Max cost per call").isDisabled()).toBe(true);
    await form.getByLabel("Tier").selectOption({ label: "After the answer" });
    expect(await form.getByRole("option", { name: "Redact" }).isDisabled()).toBe(true);
    expect(await form.getByRole("option", { name: "Require approval" }).isDisabled()).toBe(true);
    await form.getByLabel("Max cost per call").fill("0.05");
    await form.getByLabel("Action").selectOption({ label: "Warn" });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "governance-rule-conditions", true);
    await form.getByRole("button", { name: "Create rule" }).click();
    await page.waitForURL((url) => /^\/governance\/rules\/(?!new$)[^/]+$/.test(url.pathname));
    const costly = await asAdmin<GovernanceRule>(
      "GET",
      `/api/v1/governance/rules/${new URL(page.url()).pathname.split("/").at(-1) ?? ""}`,
    );
    expect(costly.spec).toMatchObject({
      tier: "after",
      action: "warn",
      condition: { maxCostMicros: 50_000 },
    });

    const edit = page.getByRole("form", { name: "Edit the rule" });
    await edit.getByLabel("Tier").selectOption({ label: "Before the call" });
    await edit.getByLabel("Max input tokens").fill("8000");
    await edit.getByLabel("Action").selectOption({ label: "Require approval" });
    await edit.getByLabel("Approval timeout, in seconds").fill("90000");
    await edit.getByRole("button", { name: "Save as a new version" }).click();
    await edit.getByText("Whole seconds from 1 to 86,400").waitFor();
    await edit.getByLabel("Approval timeout, in seconds").fill("600");
    await edit.getByRole("button", { name: "Save as a new version" }).click();
    await edit.getByRole("status").getByText("Saved as version 2.").waitFor();
    const held = await asAdmin<GovernanceRule>("GET", `/api/v1/governance/rules/${costly.id}`);
    expect(held.spec).toMatchObject({
      tier: "before",
      action: "require_approval",
      approvalTimeoutSeconds: 600,
      condition: { maxInputTokens: 8000 },
    });
    expect(held.spec.condition.maxCostMicros).toBeUndefined();
    await asAdmin("DELETE", `/api/v1/governance/rules/${costly.id}`);
  });
});
