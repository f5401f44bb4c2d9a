import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "./web-support.ts";

let web: WebParley;
let browser: Browser;
let adminToken: string;

beforeAll(async () => {
  web = await startWebParley();
  browser = await launchBrowser();
  adminToken = (await web.adminSession()).token;
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

let n = 0;
/** An account made over the API, as an administrator would. */
async function account(role: string, name: string): Promise<{ id: string; email: string; password: string }> {
  const email = `${name.toLowerCase().replace(/\W+/g, ".")}.${++n}@parley.test`;
  const password = "copper willow nineteen harbor";
  const res = await fetch(`${web.parley.url}/api/v1/users`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ email, name, password, globalRole: role }),
  });
  return { id: ((await res.json()) as { id: string }).id, email, password };
}

/** A browser session of its own (cookies apart), signed in as `user`. */
async function sessionOf(
  user: { email: string; password: string },
  colorScheme: "light" | "dark" = "light",
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, colorScheme });
  const page = await context.newPage();
  await signIn(page, web.parley.url, user);
  return page;
}

/** Whether the page, reloaded at the chat, is still signed in. */
async function stillSignedIn(page: Page): Promise<boolean> {
  await page.goto(web.parley.url);
  await Promise.race([
    page
      .getByRole("button", { name: /New chat/ })
      .first()
      .waitFor(),
    page.getByRole("heading", { name: "Sign in to Parley" }).waitFor(),
  ]);
  return (await page.getByRole("heading", { name: "Sign in to Parley" }).count()) === 0;
}

describe("one's account in a real browser", () => {
  it("lets a member rename themselves and change their password, signing out their other sessions", async () => {
    const dev = await account("developer", "Mia Member");
    const laptop = await sessionOf(dev, "dark");
    const phone = await sessionOf(dev);
    await laptop.goto(`${web.parley.url}/account`);
    await laptop.getByRole("heading", { name: "Your account" }).waitFor();
    await laptop.getByRole("heading", { name: "Sessions" }).waitFor();
    await expect.poll(() => laptop.locator(".session-list li").count()).toBe(2);
    expect(await seriousViolations(laptop)).toEqual([]);

    await laptop.getByLabel("Name", { exact: true }).fill("Mia M.");
    await laptop.getByRole("button", { name: "Save name" }).click();
    await laptop.getByText("Saved.").waitFor();

    await laptop.getByLabel("Current password").fill("a wrong password entirely");
    await laptop.getByLabel("New password", { exact: true }).fill("tangerine bicycle oxygen puzzle");
    await laptop.getByLabel("New password again").fill("tangerine bicycle oxygen puzzle");
    await laptop.getByRole("button", { name: "Change password" }).click();
    await laptop.getByText("Current password is not right").waitFor();

    await laptop.getByLabel("Current password").fill(dev.password);
    await laptop.getByRole("button", { name: "Change password" }).click();
    await laptop.getByText("1 other session was signed out.").waitFor();
    await expect.poll(() => laptop.locator(".session-list li").count()).toBe(1);
    await screenshot(laptop, "account", true);

    expect(await stillSignedIn(phone)).toBe(false);
    expect(await stillSignedIn(laptop)).toBe(true);
    await signIn(phone, web.parley.url, { email: dev.email, password: "tangerine bicycle oxygen puzzle" });
    await laptop.context().close();
    await phone.context().close();
  });

  it("signs out one chosen session, then all the others", async () => {
    const dev = await account("developer", "Sol Sessions");
    const main = await sessionOf(dev);
    const second = await sessionOf(dev);
    const third = await sessionOf(dev);
    await main.goto(`${web.parley.url}/account`);
    await expect.poll(() => main.locator(".session-list li").count()).toBe(3);
    await main
      .locator(".session-list li")
      .filter({ hasNotText: "this session" })
      .first()
      .getByRole("button", { name: /^Sign out/ })
      .click();
    await expect.poll(() => main.locator(".session-list li").count()).toBe(2);
    await main.getByRole("button", { name: "Sign out all other sessions" }).click();
    await main.getByText("1 session signed out.").waitFor();
    expect([await stillSignedIn(second), await stillSignedIn(third)]).toEqual([false, false]);
    expect(await stillSignedIn(main)).toBe(true);

    await main.goto(`${web.parley.url}/account`);
    await main.getByRole("button", { name: "Sign out this session" }).click();
    await main.getByRole("heading", { name: "Sign in to Parley" }).waitFor();
    await main.context().close();
  });

  it("creates an API key for one team, shows it once, and revokes it after confirmation", async () => {
    const dev = await account("developer", "Kai Keys");
    const page = await sessionOf(dev);
    await page.goto(`${web.parley.url}/account`);
    await page.getByLabel("Key name").fill("ci");
    await page.getByRole("checkbox", { name: "conversations:read" }).check();
    await page.getByRole("button", { name: "Create key" }).click();
    const key = await page.getByLabel("New API key").inputValue();
    expect(key).toMatch(/^pk_/);
    const me = await fetch(`${web.parley.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    // The key cannot touch the account it belongs to.
    const sessions = await fetch(`${web.parley.url}/api/v1/me/sessions`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(sessions.status).toBe(403);
    await page.reload();
    expect(await page.getByLabel("New API key").count()).toBe(0);
    await page.getByRole("button", { name: "Revoke ci" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Revoke key" }).click();
    await page.getByRole("row", { name: /ci/ }).getByText("revoked").waitFor();
    expect(
      (await fetch(`${web.parley.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status,
    ).toBe(401);
    await page.context().close();
  });

  it("fits a phone: the whole account page at 390 px, axe clean", async () => {
    const dev = await account("developer", "Pia Phone");
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await context.newPage();
    await signIn(page, web.parley.url, dev);
    await page.goto(`${web.parley.url}/account`);
    await page.getByRole("heading", { name: "API keys" }).waitFor();
    await expect.poll(() => page.locator(".session-list li").count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    await screenshot(page, "account-phone", true);
    await context.close();
  });

  it("offers a viewer no API keys section, since a viewer cannot hold keys", async () => {
    const viewer = await account("viewer", "Vic Viewer");
    const page = await sessionOf(viewer);
    await page.goto(`${web.parley.url}/account`);
    await page.getByRole("heading", { name: "Sessions" }).waitFor();
    expect(await page.getByRole("heading", { name: "API keys" }).count()).toBe(0);
    expect(await page.getByLabel("Key name").count()).toBe(0);
    await page.context().close();
  });

  it("lets an admin reset a password through a one-time link the person opens", async () => {
    const dev = await account("developer", "Ron Reset");
    const theirs = await sessionOf(dev);
    const admin = await sessionOf(web.admin);
    await admin.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await admin.goto(`${web.parley.url}/admin/users`);
    await admin.getByRole("button", { name: `Reset the password of ${dev.email}` }).click();
    const dialog = admin.getByRole("dialog");
    await dialog.getByText("this server sends no mail").waitFor();
    expect(await seriousViolations(admin)).toEqual([]);
    const link = await dialog.getByLabel("Reset link").inputValue();
    expect(link).toMatch(/\/reset-password#/);
    await dialog.getByRole("button", { name: "Done" }).click();

    const stranger = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await stranger.newPage();
    await page.goto(link);
    await page.getByRole("heading", { name: "Set a new password" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel("New password", { exact: true }).fill("pelican saddle thunder maple");
    await page.getByLabel("New password again").fill("pelican saddle thunder maple");
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByText("Your password is set.").waitFor();
    await screenshot(page, "reset-password-phone");
    expect(await stillSignedIn(theirs)).toBe(false);

    // Only the fragment would differ: leave first, so the link loads again.
    await page.goto("about:blank");
    await page.goto(link);
    await page.getByLabel("New password", { exact: true }).fill("another long passphrase here");
    await page.getByLabel("New password again").fill("another long passphrase here");
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByText("This link was used already").waitFor();
    await signIn(page, web.parley.url, { email: dev.email, password: "pelican saddle thunder maple" });
    await stranger.close();
    await admin.context().close();
  });

  it("shows an operator the accounts without a single form to change them", async () => {
    const operator = await account("operator", "Otto Operator");
    const page = await sessionOf(operator);
    await page.goto(`${web.parley.url}/admin/users`);
    await page.getByRole("rowheader", { name: operator.email }).waitFor();
    expect(await page.getByRole("combobox").count()).toBe(0);
    expect(await page.getByRole("button", { name: /Add user|Delete|Reset|Disable/ }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it("lets an admin delete a user after a confirmation saying what goes with them", async () => {
    const dev = await account("developer", "Dee Delete");
    const admin = await sessionOf(web.admin);
    await admin.goto(`${web.parley.url}/admin/users`);
    await admin.getByRole("button", { name: `Delete ${dev.email}` }).click();
    const confirm = admin.getByRole("alertdialog");
    const text = await confirm.innerText();
    for (const said of ["conversations", "API keys", "knowledge bases", "without an author", "audit log"])
      expect(text).toContain(said);
    await confirm.getByRole("button", { name: "Delete account" }).click();
    await admin.getByRole("rowheader", { name: dev.email }).waitFor({ state: "detached" });
    // One's own row offers nothing to do to oneself.
    await admin.getByRole("rowheader", { name: web.admin.email }).waitFor();
    expect(await admin.getByRole("button", { name: `Delete ${web.admin.email}` }).count()).toBe(0);
    await admin.context().close();
  });
});
