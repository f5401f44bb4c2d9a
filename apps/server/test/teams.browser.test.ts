import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "./web-support.ts";

let web: WebParley;
let browser: Browser;
let admin: BrowserContext;
let page: Page;
let adminToken: string;

beforeAll(async () => {
  web = await startWebParley();
  browser = await launchBrowser();
  admin = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  await admin.grantPermissions(["clipboard-read", "clipboard-write"]);
  page = await admin.newPage();
  await signIn(page, web.parley.url, web.admin);
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
  const password = "marble kettle orchard sixty";
  const res = await fetch(`${web.parley.url}/api/v1/users`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ email, name, password, globalRole: role }),
  });
  return { id: ((await res.json()) as { id: string }).id, email, password };
}

/** Creates a team on the Teams page and opens it. */
async function createTeam(name: string): Promise<string> {
  await page.goto(`${web.parley.url}/teams`);
  await page.getByLabel("Team name").fill(name);
  await page.getByRole("button", { name: "Create team" }).click();
  await page.getByRole("heading", { name, exact: true }).waitFor();
  return page.url().split("/teams/")[1] ?? "";
}

/** Invites `email` as `role` from the open team's page and returns the link shown. */
async function invite(email: string, role = "developer"): Promise<string> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Role in the team").selectOption(role);
  await page.getByRole("button", { name: "Create invitation" }).click();
  await page.getByText("Mail sending is not configured on this server").waitFor();
  return page.getByLabel("Invitation link").inputValue();
}

describe("teams in a real browser", () => {
  it("lets an invitee open the link signed out, sign up and land in the team", async () => {
    const teamId = await createTeam("Platform");
    expect(await seriousViolations(page)).toEqual([]);
    const link = await invite("newbie@parley.test");
    expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]+$/);
    await page.getByRole("button", { name: "Copy link" }).click();
    await page.getByRole("button", { name: "Copied" }).waitFor();

    const stranger = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const invitee = await stranger.newPage();
    await invitee.goto(link);
    await invitee.getByRole("heading", { name: "Join Platform" }).waitFor();
    expect(await invitee.getByLabel("Email").inputValue()).toBe("newbie@parley.test");
    expect(await seriousViolations(invitee)).toEqual([]);
    await invitee.getByLabel("Your name").fill("Nina Newbie");
    await invitee.getByLabel("Password").fill("quiet meadow lantern forty");
    await invitee.getByRole("button", { name: "Create account and join" }).click();
    await invitee.waitForURL(`**/teams/${teamId}`);
    await invitee.getByRole("heading", { name: "Platform", exact: true }).waitFor();
    await invitee.getByRole("rowheader", { name: "Nina Newbie" }).waitFor();
    // A developer of the team sees its members, and no form to manage it.
    expect(await invitee.getByRole("button", { name: "Rename team" }).count()).toBe(0);
    expect(await invitee.getByRole("button", { name: "Delete team" }).count()).toBe(0);
    expect(await invitee.getByRole("heading", { name: "Invite someone" }).count()).toBe(0);
    expect(await invitee.getByRole("combobox").count()).toBe(0);
    expect(await seriousViolations(invitee)).toEqual([]);

    await invitee.goto(link);
    await invitee.getByText("This invitation does not work").waitFor();
    await stranger.close();

    await page.reload();
    await page.getByRole("rowheader", { name: "Nina Newbie" }).waitFor();
    // The accepted invitation is closed; a second one is open until revoked.
    const second = await invite("later@parley.test", "viewer");
    const open = page.getByRole("list", { name: "Open invitations" });
    await open.getByText("later@parley.test as viewer").waitFor();
    expect(await open.getByText("newbie@parley.test").count()).toBe(0);
    await screenshot(page, "teams", true);
    await page.getByRole("button", { name: "Revoke the invitation for later@parley.test" }).click();
    await open.getByText("later@parley.test as viewer").waitFor({ state: "detached" });
    const revoked = await browser.newContext();
    const late = await revoked.newPage();
    await late.goto(second);
    await late.getByText("This invitation does not work").waitFor();
    await revoked.close();
  });

  it("lets a signed-in person join with one click", async () => {
    const teamId = await createTeam("Research");
    const dev = await account("developer", "Dora Dev");
    const link = await invite(dev.email, "viewer");
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const other = await context.newPage();
    await signIn(other, web.parley.url, dev);
    await other.goto(link);
    await other.getByText(`You are signed in as ${dev.email}.`).waitFor();
    await other.getByRole("button", { name: "Join the team" }).click();
    await other.waitForURL(`**/teams/${teamId}`);
    await other.getByRole("rowheader", { name: "Dora Dev" }).waitFor();
    await context.close();
  });

  it("takes someone with an account from the link to sign-in and back to the invitation", async () => {
    const teamId = await createTeam("Returning");
    const dev = await account("developer", "Rita Returning");
    const link = await invite(dev.email);
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const p = await context.newPage();
    await p.goto(link);
    await p.getByRole("link", { name: "Sign in" }).click();
    await p.getByLabel("Email").fill(dev.email);
    await p.getByLabel("Password").fill(dev.password);
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.getByRole("button", { name: "Join the team" }).click();
    await p.waitForURL(`**/teams/${teamId}`);
    await p.getByRole("rowheader", { name: "Rita Returning" }).waitFor();
    await context.close();
  });

  it("changes a member's role, removes them, renames and deletes the team after confirmation", async () => {
    const teamId = await createTeam("Scratch");
    const dev = await account("developer", "Sam Scratch");
    await fetch(`${web.parley.url}/api/v1/teams/${teamId}/members/${dev.id}`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ role: "developer" }),
    });
    await page.reload();
    await page.getByLabel("Role of Sam Scratch").selectOption("operator");
    await page.reload();
    await expect.poll(() => page.getByLabel("Role of Sam Scratch").inputValue()).toBe("operator");

    await page.getByRole("button", { name: "Remove Sam Scratch" }).click();
    const removal = page.getByRole("alertdialog");
    await removal.getByText("They lose access").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await removal.getByRole("button", { name: "Remove member" }).click();
    await page.getByRole("rowheader", { name: "Sam Scratch" }).waitFor({ state: "detached" });

    await page.getByRole("button", { name: "Rename team" }).click();
    await page.getByRole("dialog").getByLabel("Team name").fill("Scratchpad");
    await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "Scratchpad", exact: true }).waitFor();

    await page.getByRole("button", { name: "Delete team" }).click();
    const confirm = page.getByRole("alertdialog");
    const text = await confirm.innerText();
    for (const gone of ["conversations", "assistants", "knowledge bases", "guides", "prompts", "API keys"])
      expect(text).toContain(gone);
    expect(text).toContain("audit log");
    await confirm.getByRole("button", { name: "Delete team and its data" }).click();
    await page.waitForURL("**/teams");
    await page.getByRole("heading", { name: "Teams", exact: true }).waitFor();
    expect(await page.getByRole("link", { name: "Scratchpad" }).count()).toBe(0);
  });

  it("fits a phone: the invitation page at 390 px", async () => {
    await createTeam("Mobile");
    const link = await invite("phone@parley.test");
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const p = await phone.newPage();
    await p.goto(link);
    await p.getByRole("heading", { name: "Join Mobile" }).waitFor();
    expect(await seriousViolations(p)).toEqual([]);
    expect(await p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    await screenshot(p, "invite-phone");
    await phone.close();
  });
});
