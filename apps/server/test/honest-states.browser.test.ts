import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startParley, type RunningParley } from "../src/app/parley.ts";
import { loadConfig } from "../src/config/config.ts";
import { launchBrowser } from "./browser.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "./web-support.ts";

/**
 * Honest states (issue 17 point 5): what a page offers is what the user can do. No provider: the
 * chat says so and links to where one is added. A viewer reads without any failing call. An
 * area a role cannot use is not offered, and opened by its address it shows none of its forms.
 */
let web: WebParley;
let bare: RunningParley;
let browser: Browser;
const viewer = { email: "viewer@parley.test", password: "a viewer's password 1" };
const developer = { email: "dev@parley.test", password: "a developer's password 1" };
let conversationId = "";

/** A page signed in as `user` that records every failing response and console error. */
async function signedIn(base: string, user: { email: string; password: string }) {
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
  page.setDefaultTimeout(10_000);
  await signIn(page, base, user);
  const problems: string[] = [];
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  return { page, problems };
}

beforeAll(async () => {
  web = await startWebParley({ chunks: 3 });
  const { token } = await web.adminSession();
  const call = async <T>(method: string, path: string, body?: unknown, as = token): Promise<T> => {
    const res = await fetch(`${web.parley.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${as}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
  const team = await call<{ id: string }>("POST", "/api/v1/teams", { name: "Platform" });
  for (const [user, role] of [
    [viewer, "viewer"],
    [developer, "developer"],
  ] as const) {
    const created = await call<{ id: string }>("POST", "/api/v1/users", {
      ...user,
      name: role,
      globalRole: role,
    });
    await call("PUT", `/api/v1/teams/${team.id}/members/${created.id}`, { role });
  }
  // A team conversation with an answer, for the viewer to read.
  const login = await call<{ accessToken: string }>("POST", "/api/v1/auth/login", developer);
  const conv = await call<{ id: string }>(
    "POST",
    "/api/v1/conversations",
    { teamId: team.id },
    login.accessToken,
  );
  conversationId = conv.id;
  await call(
    "POST",
    `/api/v1/conversations/${conv.id}/messages`,
    { content: "Hello team" },
    login.accessToken,
  );
  for (let i = 0; i < 100; i++) {
    const c = await call<{ messages: { status: string }[] }>(
      "GET",
      `/api/v1/conversations/${conv.id}`,
      undefined,
      login.accessToken,
    );
    if (c.messages.at(-1)?.status === "completed") break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // An installation with no provider at all.
  bare = await startParley(
    loadConfig({
      env: {
        PARLEY_ADMIN_EMAIL: web.admin.email,
        PARLEY_ADMIN_PASSWORD: web.admin.password,
        PARLEY_OLLAMA_DETECT: "false",
      },
      flags: { port: 0, host: "127.0.0.1", dataDir: mkdtempSync(join(tmpdir(), "parley-bare-")) },
    }),
    { logger: pino({ level: "silent" }) },
  );
  browser = await launchBrowser();
}, 90_000);
afterAll(async () => {
  await browser.close();
  await bare.stop();
  await web.stop();
});

describe("honest states in a real browser", () => {
  it("says there is no model yet and links to where one is added, instead of failing a send", async () => {
    const { page, problems } = await signedIn(bare.url, web.admin);
    await page.goto(`${bare.url}/`);
    await page.getByText("No model is connected yet.").waitFor();
    expect(await page.getByRole("link", { name: "Add a provider" }).getAttribute("href")).toBe(
      "/admin/models",
    );
    // A message can be written but not sent: there is nothing to answer it.
    await page.getByLabel("Message", { exact: true }).fill("Hello?");
    expect(await page.getByRole("main").getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
    await screenshot(page, "no-provider");
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("lets a viewer read a team conversation with no control that would only fail", async () => {
    const { page, problems } = await signedIn(web.parley.url, viewer);
    await page.goto(`${web.parley.url}/`);
    await page.getByText(/You can read your teams' conversations/).waitFor();
    expect(await page.getByRole("button", { name: /New chat/ }).count()).toBe(0);
    await page.goto(`${web.parley.url}/c/${conversationId}`);
    await page.getByRole("heading", { level: 1, name: "Hello team" }).waitFor();
    await page.getByText(/Read only: your role here is viewer/).waitFor();
    expect(await page.getByRole("textbox", { name: "Message", exact: true }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /Regenerate|Good answer|Bad answer|Edit/ }).count()).toBe(
      0,
    );
    // No administration for a viewer.
    expect(await page.getByRole("link", { name: "Administration" }).count()).toBe(0);
    await screenshot(page, "viewer-read-only");
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("offers a developer only the administration areas they can use, and shows no form of the others", async () => {
    const { page, problems } = await signedIn(web.parley.url, developer);
    // Nothing to run the platform with: no link; the address offers what the role can use.
    expect(await page.getByRole("link", { name: "Administration" }).count()).toBe(0);
    await page.goto(`${web.parley.url}/admin`);
    await page.waitForURL(/\/admin\/teams$/);
    const nav = page.getByRole("navigation", { name: "Administration" });
    expect(await nav.getByRole("link").allInnerTexts()).toEqual(["← Back to chat", "Teams", "API keys"]);
    await page.goto(`${web.parley.url}/admin/users`);
    await page.getByText(/This area needs the users:read permission/).waitFor();
    expect(await page.getByRole("button", { name: "Add user" }).count()).toBe(0);
    expect(await page.locator("form").count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
