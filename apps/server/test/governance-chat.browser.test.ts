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

// What the person asking sees when a rule holds, approves, denies or blocks their answer.
let web: WebParley;
let browser: Browser;
let page: Page;
let adminToken: string;
let approverToken: string;

const json = (token: string, method: string, path: string, body?: unknown) =>
  fetch(`${web.parley.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  web = await startWebParley({ chunks: 4, text: "Deploying the release now." });
  adminToken = (await web.adminSession()).token;
  // A second person who may approve: a global operator.
  const approver = { email: "approver@parley.test", password: "another long enough password" };
  expect(
    (
      await json(adminToken, "POST", "/api/v1/users", {
        ...approver,
        name: "Approver",
        globalRole: "operator",
      })
    ).status,
  ).toBe(201);
  const login = await fetch(`${web.parley.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(approver),
  });
  approverToken = ((await login.json()) as { accessToken: string }).accessToken;
  for (const spec of [
    {
      name: "Production needs a second pair of eyes",
      tier: "before",
      scope: {},
      condition: { detectors: [{ type: "keywords", words: ["deploy to production"] }] },
      action: "require_approval",
    },
    {
      name: "No codenames",
      tier: "before",
      scope: {},
      condition: { detectors: [{ type: "keywords", words: ["falcon"] }] },
      action: "block",
    },
  ]) {
    expect((await json(adminToken, "POST", "/api/v1/governance/rules", { spec })).status).toBe(201);
  }
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
  page.setDefaultTimeout(10_000);
  await signIn(page, web.parley.url, web.admin);
}, 60_000);
afterAll(async () => {
  await browser.close();
  await web.stop();
});

async function send(text: string) {
  await startChat(page, text);
}

async function pending(): Promise<string> {
  for (;;) {
    const res = await json(approverToken, "GET", "/api/v1/governance/approvals?status=pending");
    const items = ((await res.json()) as { items: { id: string }[] }).items;
    if (items[0]) return items[0].id;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("governed answers in a real browser", () => {
  it("shows that an answer waits for approval, then the answer once approved", async () => {
    await send("Please deploy to production tonight.");
    const waiting = page.getByRole("status").filter({ hasText: "Waiting for approval" });
    await waiting.waitFor();
    expect(await waiting.innerText()).toContain("Production needs a second pair of eyes");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "governance-waiting");
    expect(
      (await json(approverToken, "POST", `/api/v1/governance/approvals/${await pending()}/approve`, {}))
        .status,
    ).toBe(200);
    await page.getByText("Deploying the release now.").waitFor();
    await waiting.waitFor({ state: "detached" });
  });

  it("fails the answer with the approver's reason when denied", async () => {
    await send("deploy to production right away");
    await page.getByRole("status").filter({ hasText: "Waiting for approval" }).waitFor();
    const id = await pending();
    expect(
      (
        await json(approverToken, "POST", `/api/v1/governance/approvals/${id}/deny`, {
          reason: "Code freeze",
        })
      ).status,
    ).toBe(200);
    const alert = page.getByRole("alert").filter({ hasText: "Not approved" });
    await alert.waitFor();
    expect(await alert.innerText()).toContain("Code freeze");
  });

  it("says which rule blocked a prompt", async () => {
    await send("When does Falcon launch?");
    const alert = page.getByRole("alert").filter({ hasText: "Blocked by a policy" });
    await alert.waitFor();
    expect(await alert.innerText()).toContain("No codenames");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "governance-blocked");
  });
});
