import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { startIdp, type TestIdp } from "./identity/oidc-idp.ts";
import { screenshot, seriousViolations, startWebParley, type WebParley } from "./web-support.ts";

let idp: TestIdp;
let web: WebParley;
let browser: Browser;

beforeAll(async () => {
  // A real OpenID provider (oidc-provider) on loopback; Parley registers its callback once it listens.
  idp = await startIdp();
  web = await startWebParley(
    {},
    {
      PARLEY_OIDC_PROVIDERS: JSON.stringify([
        {
          id: "corp",
          name: "Corp SSO",
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: idp.clientSecret,
          scopes: "openid email profile groups",
          groupMappings: [{ group: "engineering", globalRole: "developer" }],
        },
      ]),
    },
  );
  idp.register(`${web.parley.url}/api/v1/auth/oidc/corp/callback`);
  idp.accounts.set("alice", { email: "alice@corp.test", name: "Alice Doe", groups: ["engineering"] });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
  await idp.stop();
});

describe("single sign-on in a real browser", () => {
  it("signs in through the identity provider's pages and lands in the chat as that person", async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    const page = await context.newPage();
    await page.goto(`${web.parley.url}/`);
    await page.getByRole("heading", { name: "Sign in to Parley" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "login-sso");
    await page.getByRole("link", { name: "Sign in with Corp SSO" }).click();
    // The provider's own login and consent pages.
    await page.locator('input[name="login"]').fill("alice");
    await page.locator('input[name="password"]').fill("any password");
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click();
    await page.getByRole("heading", { name: "What are we working on?" }).waitFor();
    expect(new URL(page.url()).origin).toBe(web.parley.url);
    await page.getByText("Alice Doe").waitFor();
    // A developer sees no administration link.
    expect(await page.getByRole("link", { name: "Administration" }).count()).toBe(0);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Parley" }).waitFor();
    await context.close();
  }, 60_000);
});
