import { createServer, type Server } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startParley, type RunningParley } from "../src/app/parley.ts";
import { loadConfig } from "../src/config/config.ts";
import { launchBrowser } from "./browser.ts";
import { screenshot, seriousViolations } from "./web-support.ts";

let parley: RunningParley;
let ollama: Server;
let ollamaUrl = "";
let browser: Browser;

beforeAll(async () => {
  // Ollama lies outside the project: a tiny local server answers its model list.
  ollama = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(
      req.url === "/api/tags"
        ? JSON.stringify({ models: [{ name: "llama3.2:latest", model: "llama3.2:latest" }] })
        : req.url === "/v1/models"
          ? JSON.stringify({ data: [{ id: "llama3.2:latest" }, { id: "qwen2.5-coder:7b" }] })
          : "{}",
    );
  });
  await new Promise<void>((resolve) => ollama.listen(0, "127.0.0.1", resolve));
  const address = ollama.address();
  const port = typeof address === "object" && address ? address.port : 0;
  ollamaUrl = `http://127.0.0.1:${port}`;
  parley = await startParley(
    loadConfig({
      env: { PARLEY_OLLAMA_URL: ollamaUrl },
      flags: { port: 0, host: "127.0.0.1", dataDir: mkdtempSync(join(tmpdir(), "parley-setup-")) },
    }),
    { logger: pino({ level: "silent" }) },
  );
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser.close();
  await parley.stop();
  await new Promise((resolve) => ollama.close(resolve));
});

describe("first run in a real browser", () => {
  it("walks a fresh installation through creating the admin, offers the detected Ollama, then opens the chat", async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const page = await context.newPage();
    await page.goto(`${parley.url}/`);
    await page.getByRole("heading", { name: "Set up Parley" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel("Your email").fill("founder@parley.test");
    await page.getByLabel("Your name").fill("Founder");
    await page.getByLabel(/^Password/).fill("the very first password");
    await page.getByRole("button", { name: "Create admin" }).click();
    await page.getByText(/Found Ollama .* with 1 model/).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // A reload resumes at the second step.
    await page.reload();
    await page.getByText(/Found Ollama .* with 1 model/).waitFor();
    expect(
      await page
        .getByRole("listitem")
        .filter({ hasText: "Connect a model provider" })
        .getAttribute("aria-current"),
    ).toBe("step");
    // The connection test lists the models to pick from; nothing is typed.
    await page.getByLabel("Base URL").fill(`${ollamaUrl}/v1`);
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.getByText("Answered in").waitFor();
    await page.getByRole("checkbox", { name: "qwen2.5-coder:7b" }).waitFor();
    expect(await page.getByLabel("Models (comma-separated)").inputValue()).toBe(
      "llama3.2:latest, qwen2.5-coder:7b",
    );
    await page.getByRole("checkbox", { name: "llama3.2:latest" }).uncheck();
    expect(await page.getByLabel("Models (comma-separated)").inputValue()).toBe("qwen2.5-coder:7b");
    // The form fits its card at this width and on a phone.
    // (A string: the server's tests have no DOM types.)
    const fits = () =>
      page.evaluate<boolean>(`(() => {
        const card = document.querySelector(".setup-card").getBoundingClientRect();
        return [...document.querySelectorAll(".setup-card *")].every((el) => el.getBoundingClientRect().right <= card.right + 1);
      })()`);
    expect(await fits()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "setup");
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await fits()).toBe(true);
    await page.setViewportSize({ width: 1000, height: 760 });
    await page.getByRole("button", { name: "Start chatting" }).click();
    await page.getByRole("heading", { name: "What are we working on?" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    const again = await fetch(`${parley.url}/api/v1/setup/admin`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "intruder@parley.test", password: "i want to be admin" }),
    });
    expect(again.status).toBe(409);
    expect(await (await fetch(`${parley.url}/api/v1/setup`)).json()).toEqual({ needsAdmin: false });
    await context.close();
  }, 60_000);
});
