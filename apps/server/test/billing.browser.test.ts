import type { Budget, ItemList } from "@parley/contracts";
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
let admin: { token: string; userId: string };

/** One priced model (10 in, 20 out per million tokens), so calls cost something. */
const PROVIDERS = JSON.stringify([
  {
    id: "fake",
    name: "Fake",
    type: "openai-compatible",
    baseURL: "FAKE",
    models: [{ id: "priced", inputPricePerMTok: 10, outputPricePerMTok: 20 }],
  },
]);

beforeAll(async () => {
  web = await startWebParley(
    { chunks: 3, models: ["priced"] },
    { PARLEY_PROVIDERS: PROVIDERS, PARLEY_BILLING_BALANCES: "enforce" },
  );
  browser = await launchBrowser();
  admin = await web.adminSession();
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${web.parley.url}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${admin.token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** One completion over the API (the `API` channel), as the admin. */
const gateway = (model = "fake/priced") =>
  call("POST", "/v1/chat/completions", {
    model,
    messages: [{ role: "user", content: "hi" }],
    max_completion_tokens: 20,
  });

async function pageOf(options: { width?: number; dark?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1200, height: 900 },
    colorScheme: options.dark ? "dark" : "light",
    ...(options.width && options.width < 500 ? { isMobile: true } : {}),
  });
  return context.newPage();
}

async function openTab(page: Page, tab: string): Promise<void> {
  await page.goto(`${web.parley.url}/admin/billing?tab=${tab}`);
  await page.getByRole("heading", { name: "Billing", exact: true }).waitFor();
}

describe("balances and budgets in a real browser", () => {
  let page: Page;
  beforeAll(async () => {
    page = await pageOf();
    await signIn(page, web.parley.url, web.admin);
  }, 30_000);

  it("tops up a balance in dollars, says what is wrong with a typo, and lists people and teams", async () => {
    await openTab(page, "balances");
    await page.getByRole("heading", { name: "Balances" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    const row = page.getByRole("row", { name: new RegExp(web.admin.email) });
    await expect.poll(() => row.getByRole("cell").first().innerText()).toBe("$0.00");
    await page.getByRole("button", { name: new RegExp(`^Top up .*${web.admin.email}`) }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Amount in dollars").fill("12,5.5.");
    await dialog.getByLabel(/^Reason/).fill("Welcome credit");
    await dialog.getByRole("button", { name: "Top up" }).click();
    await dialog.getByRole("alert").filter({ hasText: "Enter an amount in dollars" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByLabel("Amount in dollars").fill("25");
    await dialog.getByRole("button", { name: "Top up" }).click();
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => row.getByRole("cell").first().innerText()).toBe("$25.00");
    await screenshot(page, "billing-balances");
    // Teams are listed too, with no balance before their first movement.
    await call("POST", "/api/v1/teams", { name: "Support" });
    await page.getByLabel("Show").selectOption("team");
    await page.getByRole("row", { name: /Support/ }).waitFor();
    await page.getByLabel("Show").selectOption("user");
  }, 60_000);

  it("lists the ledger with filters and refunds a usage charge, never more than it", async () => {
    // Usage on the web (a chat) and over the API, with and without an assistant.
    await page.goto(web.parley.url);
    await startChat(page, "count this");
    await page.getByText(/ in · \d+ out/).waitFor({ timeout: 15_000 });
    const assistant = await call("POST", "/api/v1/assistants", {
      name: "Support bot",
      model: "fake/priced",
    });
    expect((await gateway()).status).toBe(200);
    expect((await gateway(`assistant/${(assistant.body as { slug: string }).slug}`)).status).toBe(200);

    await openTab(page, "balances");
    await page.getByRole("button", { name: new RegExp(`^Transactions of .*${web.admin.email}`) }).click();
    await page.getByRole("heading", { name: /^Transactions of / }).waitFor();
    await page.getByRole("cell", { name: "AI usage" }).first().waitFor();
    expect(await page.getByRole("cell", { name: "Top-up", exact: true }).count()).toBe(1);
    await page.getByLabel("Kind").selectOption("topup");
    await expect.poll(() => page.getByRole("cell", { name: "AI usage" }).count()).toBe(0);
    await page.getByLabel("Kind").selectOption("");
    await page.getByRole("cell", { name: "AI usage" }).first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page
      .getByRole("button", { name: /^Refund the AI usage charge/ })
      .first()
      .click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(/^Amount in dollars/).fill("1000");
    await dialog.getByLabel(/^Reason/).fill("Slow answer");
    await dialog.getByRole("button", { name: "Refund" }).click();
    await dialog.getByRole("alert").filter({ hasText: "more than can be refunded: at most $" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByLabel(/^Amount in dollars/).fill("");
    await dialog.getByRole("button", { name: "Refund" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("cell", { name: "Refund", exact: true }).waitFor();
    await page.getByRole("cell", { name: /Slow answer/ }).waitFor();
    // All of it is refunded: it offers no refund any more.
    await page.getByRole("cell", { name: "Refunded", exact: true }).waitFor();
    await screenshot(page, "billing-transactions");
  }, 60_000);

  it("creates, changes and deletes budgets, shows their spend and the 80% and 100% states and alerts", async () => {
    await openTab(page, "budgets");
    await page.getByText("No budgets yet").waitFor();
    const form = page.getByRole("form", { name: "New budget" });
    await form.getByLabel("Applies to").selectOption("user");
    // People by name (global admins budget anyone), oneself first.
    await form.getByRole("combobox", { name: "Person" }).selectOption({ label: "web (you)" });
    await form.getByLabel("Period").selectOption("day");
    await form.getByLabel("Limit in dollars").fill("-3");
    await form.getByRole("button", { name: "Add budget" }).click();
    await form.getByRole("alert").filter({ hasText: "Enter a positive amount." }).waitFor();
    await form.getByLabel("Limit in dollars").fill("10");
    await form.getByRole("button", { name: "Add budget" }).click();
    const row = page.getByRole("row", { name: /Person web \(you\)/ });
    await row.getByText("0% used").waitFor();
    // The same scope and period again (the pick is kept): the server's refusal, worded.
    expect(await form.getByRole("combobox", { name: "Person" }).inputValue()).toBe(admin.userId);
    await form.getByLabel("Limit in dollars").fill("5");
    await form.getByRole("button", { name: "Add budget" }).click();
    await form.getByRole("alert").filter({ hasText: "There is already a budget for this" }).waitFor();

    // A call settles; the limit is then set just above its cost: past 80%.
    expect((await gateway()).status).toBe(200);
    const budgets = (await call("GET", "/api/v1/billing/budgets")).body as ItemList<Budget>;
    const spent = budgets.items[0]?.spentMicros ?? 0;
    expect(spent).toBeGreaterThan(0);
    await page.reload();
    await row.getByRole("button", { name: /^Change limit/ }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(/^Amount in dollars/).fill((Math.ceil(spent * 1.1) / 1_000_000).toFixed(6));
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    await row.getByText(/Nearly used up \(\d+%\)/).waitFor();
    // The next call does not fit: refused before the model, and the budget's owner is alerted.
    expect((await gateway()).status).toBe(402);
    await page.reload();
    await page
      .getByRole("listitem")
      .filter({ hasText: /^Used up:/ })
      .waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "billing-budgets", true);

    await page.emulateMedia({ colorScheme: "dark" });
    // Buttons fade their background (0.12 s): axe reads the colours once they are dark.
    const fading = "document.getAnimations().filter((a) => a instanceof CSSTransition).length";
    await expect.poll(() => page.evaluate(fading)).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "billing-budgets-dark");
    await page.emulateMedia({ colorScheme: "light" });

    // A team's budget, picked by name, then deleted (the person's stays, with its alerts).
    await form.getByLabel("Applies to").selectOption("team");
    await form.getByRole("combobox", { name: /^Team/ }).selectOption({ label: "Support" });
    await form.getByLabel("Limit in dollars").fill("50");
    await form.getByRole("button", { name: "Add budget" }).click();
    const team = page.getByRole("row", { name: /Team Support/ });
    await team.getByText("0% used").waitFor();
    await team.getByRole("button", { name: /^Delete the/ }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete budget" }).click();
    await team.waitFor({ state: "detached" });
    expect(await row.count()).toBe(1);

    // A widget's budget for each visitor (ADR 0037); a bot's may not be per IP.
    const teams = (await call("GET", "/api/v1/teams")).body as ItemList<{ id: string; name: string }>;
    const support = teams.items.find((t) => t.name === "Support");
    const helper = await call("POST", "/api/v1/assistants", { name: "Shop helper", teamId: support?.id });
    expect(helper.status).toBe(201);
    const widget = await call("POST", "/api/v1/widgets", {
      teamId: support?.id,
      assistantId: (helper.body as { id: string }).id,
      name: "Shop chat",
      allowedOrigins: ["https://shop.example"],
    });
    expect(widget.status).toBe(201);
    const widgetId = (widget.body as { id: string }).id;
    // One more, removed after the page listed it.
    const old = await call("POST", "/api/v1/widgets", {
      teamId: support?.id,
      assistantId: (helper.body as { id: string }).id,
      name: "Old chat",
      allowedOrigins: ["https://old.example"],
    });
    expect(old.status).toBe(201);
    await page.reload();
    await form.getByLabel("Applies to").selectOption("bot");
    await form.getByRole("status").filter({ hasText: "No Telegram bots yet" }).waitFor();
    expect(await form.getByLabel("Caps").locator("option").allTextContents()).toEqual([
      "The whole bot",
      "Each Telegram chat",
    ]);
    await form.getByLabel("Applies to").selectOption("widget");
    await form.getByRole("combobox", { name: "Widget" }).selectOption({ label: "Shop chat — Support" });
    await form.getByLabel("Caps").selectOption({ label: "Each visitor" });
    await form.getByLabel("Limit in dollars").fill("0.5");
    await form.getByRole("button", { name: "Add budget" }).click();
    // Listed by name, not by id.
    const perVisitor = page.getByRole("row", { name: /Widget Shop chat — Support/ });
    await perVisitor.getByText("for each visitor").waitFor();
    await perVisitor.getByText(/0 visitors this period/).waitFor();
    expect(await page.getByRole("row", { name: new RegExp(widgetId) }).count()).toBe(0);
    // A widget removed since the page listed it is said, not kept as a budget that caps nothing.
    const removed = await fetch(`${web.parley.url}/api/v1/widgets/${(old.body as { id: string }).id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(removed.status).toBe(204);
    await form.getByRole("combobox", { name: "Widget" }).selectOption({ label: "Old chat — Support" });
    await form.getByLabel("Limit in dollars").fill("0.5");
    await form.getByRole("button", { name: "Add budget" }).click();
    await form.getByRole("alert").filter({ hasText: "Not found in your teams" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);

  it("lets a team's admin budget their team's widget for each visitor, picked by name, and offers nothing else", async () => {
    const teams = (await call("GET", "/api/v1/teams")).body as ItemList<{ id: string; name: string }>;
    const support = teams.items.find((t) => t.name === "Support");
    // Another team, where the lead is only a developer: its widget is listed to them but not budgetable.
    const sales = (await call("POST", "/api/v1/teams", { name: "Sales" })).body as { id: string };
    const salesHelper = await call("POST", "/api/v1/assistants", { name: "Sales helper", teamId: sales.id });
    expect(
      (
        await call("POST", "/api/v1/widgets", {
          teamId: sales.id,
          assistantId: (salesHelper.body as { id: string }).id,
          name: "Sales chat",
          allowedOrigins: ["https://sales.example"],
        })
      ).status,
    ).toBe(201);
    const lead = { email: "team.lead@parley.test", password: "amber falcon seventeen meadow" };
    const created = await call("POST", "/api/v1/users", {
      ...lead,
      name: "Team Lead",
      globalRole: "developer",
    });
    const leadId = (created.body as { id: string }).id;
    expect(
      (await call("PUT", `/api/v1/teams/${support?.id}/members/${leadId}`, { role: "admin" })).status,
    ).toBe(200);
    expect(
      (await call("PUT", `/api/v1/teams/${sales.id}/members/${leadId}`, { role: "developer" })).status,
    ).toBe(200);

    const leadPage = await pageOf();
    await signIn(leadPage, web.parley.url, lead);
    await openTab(leadPage, "budgets");
    // Admins' own budgets are not the team's: none listed yet.
    await leadPage.getByText("No budgets yet").waitFor();
    const form = leadPage.getByRole("form", { name: "New budget" });
    expect(await form.getByLabel("Applies to").locator("option").allTextContents()).toEqual([
      "Team",
      "API key",
      "Assistant",
      "Widget",
      "Telegram bot",
    ]);
    expect(await form.getByRole("combobox", { name: "Team" }).locator("option").allTextContents()).toEqual([
      "Support",
    ]);
    // No key of theirs bound to the team yet: said, and nothing to submit.
    await form.getByLabel("Applies to").selectOption("api_key");
    await form.getByRole("status").filter({ hasText: "No team API keys of yours" }).waitFor();
    expect(await seriousViolations(leadPage)).toEqual([]);

    await form.getByLabel("Applies to").selectOption("widget");
    const widgets = form.getByRole("combobox", { name: "Widget" });
    await widgets.waitFor();
    expect(await widgets.locator("option").allTextContents()).toEqual(["Shop chat — Support"]);
    await widgets.selectOption({ label: "Shop chat — Support" });
    await form.getByLabel("Caps").selectOption({ label: "Each visitor" });
    await form.getByLabel("Period").selectOption("week");
    await form.getByLabel("Limit in dollars").fill("2");
    await form.getByRole("button", { name: "Add budget" }).click();
    const row = leadPage.getByRole("row", { name: /Widget Shop chat — Support/ });
    await row.getByText("for each visitor").waitFor();
    await row.getByText(/0 visitors this period/).waitFor();
    expect(await seriousViolations(leadPage)).toEqual([]);
    // The pick stays, for another period of the same widget.
    expect(await widgets.inputValue()).not.toBe("");
    await screenshot(leadPage, "billing-budget-form");
    const budget = ((await call("GET", "/api/v1/billing/budgets")).body as ItemList<Budget>).items.find(
      (b) => b.teamId === support?.id,
    );
    const shop = (
      (await call("GET", "/api/v1/widgets")).body as ItemList<{ id: string; name: string }>
    ).items.find((w) => w.name === "Shop chat");
    expect(budget).toMatchObject({ scope: { kind: "widget", id: shop?.id }, per: "visitor", period: "week" });
    await leadPage.context().close();
  }, 60_000);

  it("charts usage by channel and by assistant", async () => {
    await openTab(page, "analytics");
    await page.getByRole("img", { name: "Tokens by channel" }).waitFor();
    await page.getByRole("img", { name: "Tokens by assistant" }).waitFor();
    const byChannel = page.locator("section", { has: page.getByRole("heading", { name: "By channel" }) });
    await byChannel.getByRole("rowheader", { name: "API" }).waitFor();
    await byChannel.getByRole("rowheader", { name: "Web" }).waitFor();
    const byAssistant = page.locator("section", { has: page.getByRole("heading", { name: "By assistant" }) });
    await byAssistant.getByRole("rowheader", { name: "Support bot" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "billing-analytics", true);
  }, 60_000);

  it("shows one's own balance, transactions, alerts and usage on the profile, on a phone and in the dark", async () => {
    const phone = await pageOf({ width: 390, dark: true });
    await signIn(phone, web.parley.url, web.admin);
    await phone.goto(`${web.parley.url}/account`);
    await phone.getByRole("heading", { name: "Balance and usage" }).waitFor();
    await phone.getByRole("term").filter({ hasText: "Balance" }).first().waitFor();
    await phone.getByRole("img", { name: "Tokens by day" }).waitFor();
    await phone.getByRole("img", { name: "Tokens by channel" }).waitFor();
    await phone.getByRole("status").filter({ hasText: "Budget alerts" }).waitFor();
    await phone.getByRole("cell", { name: "Refund", exact: true }).first().waitFor();
    expect(await seriousViolations(phone)).toEqual([]);
    await phone.getByRole("heading", { name: "Balance and usage" }).scrollIntoViewIfNeeded();
    await screenshot(phone, "account-billing-phone-dark");
    await phone.context().close();
  }, 60_000);

  it("shows a new member empty states, and no billing administration", async () => {
    const email = "new.member@parley.test";
    const password = "copper willow nineteen harbor";
    await call("POST", "/api/v1/users", { email, name: "New Member", password, globalRole: "developer" });
    const member = await pageOf();
    await signIn(member, web.parley.url, { email, password });
    await member.goto(`${web.parley.url}/account`);
    await member.getByRole("heading", { name: "Balance and usage" }).waitFor();
    await member.getByText("No transactions yet").waitFor();
    await member.getByText("No AI calls in this range.").first().waitFor();
    expect(await seriousViolations(member)).toEqual([]);
    await screenshot(member, "account-billing-empty", true);
    await member.goto(`${web.parley.url}/admin/billing`);
    await member.getByText("needs the budgets:manage permission").waitFor();
    await member.context().close();
  }, 60_000);
});
