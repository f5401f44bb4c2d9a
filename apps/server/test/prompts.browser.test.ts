import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "./web-support.ts";

let web: WebParley;
let browser: Browser;
let page: Page;
let token: string;
let teamId: string;

/** A call to the API as the admin (or `as`), failing loudly on an unexpected status. */
async function call<T>(method: string, path: string, body?: unknown, as = token): Promise<T> {
  const res = await fetch(`${web.parley.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${as}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

beforeAll(async () => {
  // The answer repeats the system prompt, so the persona version that answered shows.
  web = await startWebParley({
    chunks: 2,
    textFor: (body) => {
      const messages = (body as { messages: { role: string; content: string }[] }).messages;
      return `Persona says: ${messages.find((m) => m.role === "system")?.content ?? "nothing"}`;
    },
  });
  token = (await web.adminSession()).token;
  teamId = (await call<{ id: string }>("POST", "/api/v1/teams", { name: "Support" })).id;
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await signIn(page, web.parley.url, web.admin);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

describe("prompts in a real browser", () => {
  it("creates a persona, saves a version, splits a label, compares versions and approves a protected move", async () => {
    await page.goto(`${web.parley.url}/governance/prompts`);
    await page.getByRole("heading", { name: "Prompt templates and personas" }).waitFor();
    await page.getByText("No prompts yet.").waitFor();
    await page.getByText("Nothing waits for an approval.").waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel("Name", { exact: true }).fill("Helpdesk");
    await page.getByLabel("Kind").selectOption("persona");
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "Helpdesk" }).waitFor();
    await page.getByText("persona/helpdesk").first().waitFor();

    await page.getByLabel("Instructions").fill("Answer kindly.\nCite the handbook.");
    await page.getByLabel("Temperature").fill("0.2");
    await page.getByLabel("Change note").fill("kinder");
    await page.getByRole("button", { name: "Save version 2" }).click();
    await page.getByRole("button", { name: "Save version 3" }).waitFor();

    // production: 50 % on v1, 50 % on v2.
    await page.getByLabel("Label", { exact: true }).fill("production");
    await page.getByLabel("Version", { exact: true }).selectOption("1");
    await page.getByLabel("A/B: second version").selectOption("2");
    await page.getByLabel("Its share (%)").fill("50");
    await page.getByRole("button", { name: "Set label" }).click();
    await page.getByRole("cell", { name: "v1 (50) / v2 (50)" }).waitFor();

    // Calls through /v1 as the persona, then their stats by version.
    for (let i = 0; i < 3; i++)
      await call("POST", "/v1/chat/completions", {
        model: "persona/helpdesk",
        messages: [{ role: "user", content: "hi" }],
      });
    await page.reload();
    const stats = page
      .locator(".prompt-section")
      .filter({ has: page.getByRole("heading", { name: "Usage by version" }) });
    // The admin is always given the same version (sticky): a header row and one version row.
    await expect.poll(() => stats.getByRole("row").count()).toBe(2);
    expect(await seriousViolations(page)).toEqual([]);

    // The diff of v1 and v2.
    const diff = page.getByLabel("Changes from v1 to v2");
    await diff.getByText("+Cite the handbook.").waitFor();
    await diff.getByText("+temperature: 0.2").waitFor();
    await screenshot(page, "prompt-persona", true);

    // Protect production; a developer's move becomes a request the admin approves here.
    await call("PUT", `/api/v1/prompts/${await promptId()}/labels/production`, { protected: true });
    const dev = await developer();
    await call(
      "PUT",
      `/api/v1/prompts/${await promptId()}/labels/production`,
      { version: 2, reason: "v2 wins" },
      dev,
    );
    await page.goto(`${web.parley.url}/governance/prompts`);
    const row = page.getByRole("row").filter({ hasText: "v2 wins" });
    await row.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "prompt-approvals", true);
    await row.getByRole("button", { name: "Approve" }).click();
    await page.getByText("Nothing waits for an approval.").waitFor();
    await page.getByRole("cell", { name: /production \(protected\) → v2/ }).waitFor();
  });

  it("edits a template's typed variables and renders it", async () => {
    await page.goto(`${web.parley.url}/governance/prompts`);
    await page.getByLabel("Name", { exact: true }).fill("Reply mail");
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "Reply mail" }).waitFor();
    await page.getByLabel(/Template text/).fill("Hello {{name}}, about {{topic}}.");
    await page.getByRole("button", { name: "Declare topic" }).click();
    await page.getByLabel("Variable 2 type").selectOption("enum");
    await page.getByLabel("Variable 2 options").fill("billing, outage");
    await page.getByRole("button", { name: "Save version 2" }).click();
    await page.getByRole("button", { name: "Save version 3" }).waitFor();

    // Rendering checks the values' types: a missing required one is named.
    await page.getByRole("button", { name: "Render" }).click();
    await page
      .getByRole("alert")
      .getByText(/Some values do not fit the variables/)
      .waitFor();
    await page.getByLabel(/^name \(string, required\)/).fill("Ann");
    await page.getByLabel(/^topic \(enum, required\)/).selectOption("outage");
    await page.getByRole("button", { name: "Render" }).click();
    await expect.poll(() => page.getByLabel("Rendered text").innerText()).toBe("Hello Ann, about outage.");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "prompt-template", true);
  });

  it("rates an answer with thumbs in the chat", async () => {
    const conversation = await call<{ id: string }>("POST", "/api/v1/conversations", {
      teamId,
      model: "persona/helpdesk",
    });
    await call("POST", `/api/v1/conversations/${conversation.id}/messages`, { content: "hello" });
    await expect
      .poll(async () => {
        const view = await call<{ messages: { status: string; role: string }[] }>(
          "GET",
          `/api/v1/conversations/${conversation.id}`,
        );
        return view.messages.find((m) => m.role === "assistant")?.status;
      })
      .toBe("completed");
    await page.goto(`${web.parley.url}/c/${conversation.id}`);
    await page.getByText("Persona says: Answer kindly.").waitFor();
    const up = page.getByRole("button", { name: "Good answer" });
    await up.click();
    await expect.poll(() => up.getAttribute("aria-pressed")).toBe("true");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "chat-feedback");
    await page.reload();
    await expect
      .poll(() => page.getByRole("button", { name: "Good answer" }).getAttribute("aria-pressed"))
      .toBe("true");
    const stats = await call<{ versions: { version: number; thumbsUp: number }[] }>(
      "GET",
      `/api/v1/prompts/${await promptId()}/stats`,
    );
    expect(stats.versions.find((v) => v.version === 2)?.thumbsUp).toBe(1);
  });
});

async function promptId(): Promise<string> {
  const list = await call<{ items: { id: string; slug: string }[] }>("GET", "/api/v1/prompts");
  const found = list.items.find((p) => p.slug === "helpdesk");
  if (!found) throw new Error("no helpdesk persona");
  return found.id;
}

/** A developer of the team, signed in over the API: its access token. */
async function developer(): Promise<string> {
  const email = `dev-${Date.now()}@parley.test`;
  const password = "a developer's long password";
  const user = await call<{ id: string }>("POST", "/api/v1/users", {
    email,
    name: "Dev",
    password,
    globalRole: "viewer",
  });
  await call("PUT", `/api/v1/teams/${teamId}/members/${user.id}`, { role: "developer" });
  const login = await fetch(`${web.parley.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  return ((await login.json()) as { accessToken: string }).accessToken;
}
