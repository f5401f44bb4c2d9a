import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { CreatedWidget } from "@parley/contracts";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { launchBrowser } from "./browser.ts";
import { screenshot, seriousViolations, signIn, startWebParley, type WebParley } from "./web-support.ts";

/**
 * The widget in a real browser, embedded on host pages served from other origins (their own HTTP
 * servers, on other ports): one the widget allows, one it does not.
 */
let web: WebParley;
let browser: Browser;
let allowedHost: HostSite;
let refusedHost: HostSite;
let widget: CreatedWidget;
let fullText = "";
let teamId = "";
/** The key of the widget whose assistant answers from a knowledge base (the last test's). */
let groundedKey = "";
/** The key of the widget switched off while it answers. */
let endingKey = "";
let assistantId = "";
let adminCall: <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** A host site: a page with the embed snippet, and one with the iframe. */
interface HostSite {
  origin: string;
  close(): Promise<void>;
}

async function hostSite(pages: (origin: string) => Record<string, string>): Promise<HostSite> {
  let origin = "";
  const server: Server = createServer((req, res) => {
    const body = pages(origin)[req.url ?? "/"];
    res.writeHead(body ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    res.end(body ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

const html = (body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><main><h1>Our shop</h1><p>Welcome.</p>${body}</main></body></html>`;

beforeAll(async () => {
  web = await startWebParley({ chunks: 40, chunkDelayMs: 80 });
  fullText = await web.fullAnswer();
  const pages = () => ({
    "/": html(`<script src="${web.parley.url}/widget/v1/loader.js" data-parley-widget="KEY" async></script>`),
    "/frame": html(
      `<iframe src="${web.parley.url}/widget/KEY" title="Chat" width="400" height="600"></iframe>`,
    ),
    "/ending": html(
      `<script src="${web.parley.url}/widget/v1/loader.js" data-parley-widget="${endingKey}" async></script>`,
    ),
    "/grounded": html(
      `<script src="${web.parley.url}/widget/v1/loader.js" data-parley-widget="${groundedKey}" async></script>`,
    ),
  });
  const withKey = (p: Record<string, string>) =>
    Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.replaceAll("KEY", widget.key)]));
  allowedHost = await hostSite(() => withKey(pages()));
  refusedHost = await hostSite(() => withKey(pages()));

  const { token, userId } = await web.adminSession();
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${web.parley.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json().catch(() => null)) as T;
  };
  adminCall = call;
  const team = await call<{ id: string }>("POST", "/api/v1/teams", { name: "Shop" });
  teamId = team.id;
  await call("PUT", `/api/v1/teams/${team.id}/members/${userId}`, { role: "admin" });
  const assistant = await call<{ id: string }>("POST", "/api/v1/assistants", {
    name: "Shop helper",
    teamId: team.id,
  });
  assistantId = assistant.id;
  // The host pages are built before the key is known: they read it when served.
  widget = await call<CreatedWidget>("POST", "/api/v1/widgets", {
    teamId: team.id,
    assistantId: assistant.id,
    name: "Shop chat",
    greeting: "Hi! Ask me about the shop.",
    allowedOrigins: [allowedHost.origin],
  });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser.close();
  await allowedHost.close();
  await refusedHost.close();
  await web.stop();
});

const normalized = (text: string) => text.replace(/\s+/g, " ").trim();
const lastAnswer = (page: Page) => page.locator(".msg.assistant").last();

async function ask(page: Page, question: string): Promise<void> {
  await page.getByRole("textbox", { name: "Message" }).fill(question);
  await page.getByRole("button", { name: "Send" }).click();
}

describe("the widget on another site", () => {
  it("answers with a streamed reply on an allowed site, isolated in a shadow root, accessibly", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${allowedHost.origin}/`);
    const launcher = page.getByRole("button", { name: "Open chat: Shop chat" });
    await launcher.click();
    const dialog = page.getByRole("dialog", { name: "Shop chat" });
    await dialog.getByText("Hi! Ask me about the shop.").waitFor();
    await ask(page, "What do you sell?");
    await expect
      .poll(async () => normalized(await lastAnswer(page).innerText()), { timeout: 20_000 })
      .toBe(normalized(fullText));
    await page.getByRole("button", { name: "Send" }).waitFor();
    // The host page's styles and scripts see none of it: it lives in a shadow root.
    expect(await page.evaluate<number>("document.querySelectorAll('.msg').length")).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "widget-on-host-page");
    // Closing gives the launcher back.
    await dialog.getByRole("button", { name: "Close chat" }).click();
    await launcher.waitFor();
    await page.close();
  }, 60_000);

  it("finishes an answer for a visitor who reloads the page mid-answer", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${allowedHost.origin}/`);
    await page.getByRole("button", { name: "Open chat: Shop chat" }).click();
    await ask(page, "Tell me everything while I reload");
    // The question shows once the conversation exists (the widget remembers it from then on);
    // the last bubble is then its answer, not the greeting.
    await page
      .getByRole("dialog", { name: "Shop chat" })
      .getByText("Tell me everything while I reload")
      .waitFor();
    await expect
      .poll(async () => (await lastAnswer(page).innerText()).length, { timeout: 10_000 })
      .toBeGreaterThan(20);
    const partial = normalized(await lastAnswer(page).innerText());
    expect(normalized(fullText).startsWith(partial) && partial !== normalized(fullText)).toBe(true);
    await page.reload();
    // The widget was open: it opens again with the conversation, and the answer goes on.
    await page
      .getByRole("dialog", { name: "Shop chat" })
      .getByText("Tell me everything while I reload")
      .waitFor();
    await expect
      .poll(async () => normalized(await lastAnswer(page).innerText()), { timeout: 20_000 })
      .toBe(normalized(fullText));
    await page.close();
  }, 60_000);

  it("keeps a message the visitor sent just before a reload that cut off the server's reply", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${allowedHost.origin}/`);
    await page.getByRole("button", { name: "Open chat: Shop chat" }).click();
    const asked = web.fake.requests.length;
    // The first message reaches the server (which stores it and starts the answer), and its reply
    // is lost on the way back: the page never learns the conversation exists.
    let reached = false;
    await page.route(/\/widget-api\/[^/]+\/conversations$/, async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      await route.fetch();
      reached = true;
      await route.abort("connectionreset");
    });
    await ask(page, "Did my question survive the reload?");
    await expect.poll(() => reached).toBe(true);
    await page.unroute(/\/widget-api\/[^/]+\/conversations$/);
    await page.reload();
    // The widget sends it again under the same key: the server answers with what it stored.
    const dialog = page.getByRole("dialog", { name: "Shop chat" });
    await dialog.getByText("Did my question survive the reload?").waitFor();
    await expect
      .poll(async () => normalized(await lastAnswer(page).innerText()), { timeout: 20_000 })
      .toBe(normalized(fullText));
    expect(await dialog.getByText("Did my question survive the reload?").count()).toBe(1);
    // Asked once, though sent twice.
    expect(web.fake.requests.length - asked).toBe(1);
    await page.close();
  }, 60_000);

  it("answers once when the visitor sends the same words again after the reply was lost", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${allowedHost.origin}/`);
    await page.getByRole("button", { name: "Open chat: Shop chat" }).click();
    const asked = web.fake.requests.length;
    let reached = false;
    await page.route(/\/widget-api\/[^/]+\/conversations$/, async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      await route.fetch();
      reached = true;
      await route.abort("connectionreset");
    });
    await ask(page, "Is anyone there?");
    await expect.poll(() => reached).toBe(true);
    await page.unroute(/\/widget-api\/[^/]+\/conversations$/);
    // The words are still in the box: Send again.
    await page.getByRole("button", { name: "Send" }).click();
    const dialog = page.getByRole("dialog", { name: "Shop chat" });
    await expect
      .poll(async () => normalized(await lastAnswer(page).innerText()), { timeout: 20_000 })
      .toBe(normalized(fullText));
    expect(await dialog.getByText("Is anyone there?").count()).toBe(1);
    expect(web.fake.requests.length - asked).toBe(1);
    await page.close();
  }, 60_000);

  it("tells the visitor the chat is over when its widget is switched off mid-answer", async () => {
    const ending = await adminCall<CreatedWidget>("POST", "/api/v1/widgets", {
      teamId,
      assistantId,
      name: "Ending chat",
      allowedOrigins: [allowedHost.origin],
    });
    endingKey = ending.key;
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${allowedHost.origin}/ending`);
    await page.getByRole("button", { name: "Open chat: Ending chat" }).click();
    await ask(page, "Tell me a long story");
    await expect
      .poll(async () => (await lastAnswer(page).innerText()).length, { timeout: 10_000 })
      .toBeGreaterThan(20);
    await adminCall("PATCH", `/api/v1/widgets/${ending.id}`, { enabled: false });
    // The server ends the open stream with a stream.error event: the widget says so in its words.
    const dialog = page.getByRole("dialog", { name: "Ending chat" });
    await dialog.getByRole("alert").getByText("This chat is not available right now.").waitFor();
    await dialog.getByRole("button", { name: "Send" }).waitFor();
    await page.close();
  }, 60_000);

  it("works in the iframe on an allowed site", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${allowedHost.origin}/frame`);
    const frame = page.frameLocator("iframe");
    await frame.getByRole("main", { name: "Shop chat" }).getByText("Hi! Ask me about the shop.").waitFor();
    await frame.getByRole("textbox", { name: "Message" }).fill("Hello from the frame");
    await frame.getByRole("button", { name: "Send" }).click();
    await expect
      .poll(async () => normalized(await frame.locator(".msg.assistant").last().innerText()), {
        timeout: 20_000,
      })
      .toBe(normalized(fullText));
    await page.close();
  }, 60_000);

  it("gives a site the widget does not allow nothing: no launcher, no API answer, no iframe", async () => {
    const page = await (await browser.newContext()).newPage();
    // The loader's request for the widget's settings gets no CORS grant: it draws nothing.
    const refused = page.waitForEvent("console", (m) => m.text().includes("not available on this site"));
    await page.goto(`${refusedHost.origin}/`);
    await refused;
    expect(await page.locator("[data-parley-widget-host]").count()).toBe(0);
    // Even a script of the page calling the API gets no readable answer (no CORS grant).
    const direct = await page.evaluate(async (url) => {
      try {
        await fetch(url);
        return "read";
      } catch {
        return "blocked";
      }
    }, `${web.parley.url}/api/v1/widget-api/${widget.key}`);
    expect(direct).toBe("blocked");

    const framePage = await (await browser.newContext()).newPage();
    const blocked = framePage.waitForEvent("console", (m) => m.text().includes("frame-ancestors"));
    await framePage.goto(`${refusedHost.origin}/frame`);
    await blocked;
    expect(await framePage.frameLocator("iframe").locator("#parley-widget-frame").count()).toBe(0);
    await page.close();
    await framePage.close();
  }, 60_000);

  it("publishes an assistant from its page: snippet, iframe URL and a live preview, accessibly", async () => {
    const assistant = await adminCall<{ id: string }>("POST", "/api/v1/assistants", {
      name: "Docs helper",
      teamId,
    });
    const context = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
    const page = await context.newPage();
    await signIn(page, web.parley.url, web.admin);
    await page.goto(`${web.parley.url}/assistants/${assistant.id}`);
    const publish = page.getByRole("region", { name: "Publish" });
    await publish
      .getByLabel("Allowed origins (one per line, such as https://www.example.com)")
      .fill(allowedHost.origin);
    await publish.getByLabel("Greeting").fill("Ask me about the docs.");
    await publish.getByRole("button", { name: "Publish as a widget" }).click();
    const snippet = publish.getByLabel("Embed snippet");
    await expect
      .poll(() => snippet.innerText())
      .toMatch(
        /^<script src="http:\/\/127\.0\.0\.1:\d+\/widget\/v1\/loader\.js" data-parley-widget="wk_[\w-]+" async><\/script>$/,
      );
    await expect.poll(() => publish.getByLabel("Iframe URL").innerText()).toMatch(/\/widget\/wk_[\w-]+$/);
    await publish.getByText(/^Secret \(sign user ids/).waitFor();
    // The live preview is the iframe page itself, answering like the real thing.
    const preview = page.frameLocator("iframe.widget-preview");
    await preview.getByText("Ask me about the docs.").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "assistant-publish");
    await context.close();
  }, 60_000);

  it("unpublishes a widget whose visitors hold conversations only once the person confirms how many", async () => {
    const assistant = await adminCall<{ id: string }>("POST", "/api/v1/assistants", {
      name: "Busy helper",
      teamId,
    });
    const busy = await adminCall<CreatedWidget>("POST", "/api/v1/widgets", {
      teamId,
      assistantId: assistant.id,
      name: "Busy chat",
      allowedOrigins: [allowedHost.origin],
    });
    // A visitor's conversation, through the public API as the widget would.
    const visitorApi = `${web.parley.url}/api/v1/widget-api/${busy.key}`;
    const headers = { origin: allowedHost.origin, "content-type": "application/json" };
    const session = (await (
      await fetch(`${visitorApi}/sessions`, { method: "POST", headers, body: "{}" })
    ).json()) as { token: string };
    const started = await fetch(`${visitorApi}/conversations`, {
      method: "POST",
      headers: { ...headers, "x-parley-visitor": session.token },
      body: JSON.stringify({ content: "Hello" }),
    });
    expect(started.status).toBe(201);

    const context = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
    const page = await context.newPage();
    await signIn(page, web.parley.url, web.admin);
    await page.goto(`${web.parley.url}/assistants/${assistant.id}`);
    const asked: string[] = [];
    // The first time, the person declines when told how many conversations go: nothing goes.
    let decline = true;
    page.on("dialog", (dialog) => {
      asked.push(dialog.message());
      void (decline && asked.length === 2 ? dialog.dismiss() : dialog.accept());
    });
    const publish = page.getByRole("region", { name: "Publish" });
    await publish.getByRole("button", { name: "Unpublish" }).click();
    await expect.poll(() => asked.length).toBe(2);
    const kept = await adminCall<{ items: unknown[] }>("GET", `/api/v1/widgets?assistantId=${assistant.id}`);
    expect(kept.items).toHaveLength(1);
    decline = false;
    await publish.getByRole("button", { name: "Unpublish" }).click();
    await publish.getByRole("button", { name: "Publish as a widget" }).waitFor();
    const unpublish = "Unpublish Busy chat? Its snippet stops working.";
    const count = "Busy chat holds 1 visitor conversation. Unpublishing deletes them too, for good. Go on?";
    expect(asked).toEqual([unpublish, count, unpublish, count]);
    const left = await adminCall<{ items: unknown[] }>("GET", `/api/v1/widgets?assistantId=${assistant.id}`);
    expect(left.items).toEqual([]);
    await context.close();
  }, 60_000);

  it("shows an answer's citations as chips that open its sources", async () => {
    const kb = await adminCall<{ id: string }>("POST", "/api/v1/knowledge-bases", {
      name: "Shop facts",
      teamId,
    });
    const { token } = await web.adminSession();
    const form = new FormData();
    form.append(
      "file",
      new Blob(["# Opening hours\n\nThe shop opens at nine and closes at five.\n"]),
      "hours.md",
    );
    const upload = await fetch(`${web.parley.url}/api/v1/knowledge-bases/${kb.id}/documents`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(upload.status).toBe(201);
    await vi.waitFor(
      async () => {
        const docs = await adminCall<{ items: { status: string }[] }>(
          "GET",
          `/api/v1/knowledge-bases/${kb.id}/documents`,
        );
        expect(docs.items.map((d) => d.status)).toEqual(["ready"]);
      },
      { timeout: 20_000, interval: 50 },
    );
    const assistant = await adminCall<{ id: string }>("POST", "/api/v1/assistants", {
      name: "Facts helper",
      teamId,
      knowledgeBaseIds: [kb.id],
    });
    const grounded = await adminCall<CreatedWidget>("POST", "/api/v1/widgets", {
      teamId,
      assistantId: assistant.id,
      name: "Facts chat",
      allowedOrigins: [allowedHost.origin],
    });
    groundedKey = grounded.key;
    // The model cites every numbered source its system prompt lists.
    web.fake.configure({ reply: "cite", chunkDelayMs: 0 });
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${allowedHost.origin}/grounded`);
      await page.getByRole("button", { name: "Open chat: Facts chat" }).click();
      await ask(page, "When do you open?");
      const chip = page.getByRole("button", { name: "Source 1: hours.md" });
      await chip.click();
      const sources = lastAnswer(page).locator(".sources li.hl");
      await expect.poll(() => sources.innerText()).toContain("hours.md");
      await expect.poll(() => sources.innerText()).toContain("The shop opens at nine");
      await screenshot(page, "widget-citations");
      await page.close();
    } finally {
      web.fake.configure({ reply: "text", chunkDelayMs: 80 });
    }
  }, 60_000);
});
