import { fakeProviders } from "./parley-harness.ts";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import pino from "pino";
import type { Page } from "playwright-core";
import { startParley, type RunningParley } from "../src/app/parley.ts";
import { loadConfig } from "../src/config/config.ts";
import type { FakeUpstreamOptions } from "./fake-upstream/behaviour.ts";
import { startFakeUpstream, type FakeUpstream } from "./fake-upstream/fake-upstream.ts";

/**
 * Where browser tests save screenshots of the screens they reach: `test-results/screenshots`, or
 * `PARLEY_SCREENSHOTS_DIR` (`PARLEY_SCREENSHOTS_DIR=docs/screenshots npm test` refreshes the README's).
 */
export const SCREENSHOTS_DIR =
  process.env.PARLEY_SCREENSHOTS_DIR ?? join(process.cwd(), "test-results", "screenshots");

/** Saves a screenshot of the page under `name`.png in the screenshots folder. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`), fullPage });
}

/** Serious and critical accessibility violations on the page, as `id: help` lines (axe-core). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

/** An embedded Parley for browser tests, with its admin and the fake upstream as provider `fake`. */
export interface WebParley {
  parley: RunningParley;
  fake: FakeUpstream;
  admin: { email: string; password: string };
  /** Signs the admin in over the API: its access token and user id. */
  adminSession(): Promise<{ token: string; userId: string }>;
  /** The whole answer the fake upstream gives (asked directly, in one chunk), to compare with. */
  fullAnswer(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the fake upstream and an embedded Parley that uses it, with an admin account.
 * @example
 * const web = await startWebParley({ chunks: 30, chunkDelayMs: 80 });
 */
export async function startWebParley(
  upstream: FakeUpstreamOptions = {},
  env: Record<string, string> = {},
): Promise<WebParley> {
  const fake = await startFakeUpstream(upstream);
  const admin = { email: "web@parley.test", password: "a browser-friendly password" };
  const parley = await startParley(
    loadConfig({
      env: {
        PARLEY_ADMIN_EMAIL: admin.email,
        PARLEY_ADMIN_PASSWORD: admin.password,
        PARLEY_OLLAMA_DETECT: "false",
        PARLEY_IP_RATE_LIMIT_PER_MINUTE: "100000",
        PARLEY_PROVIDERS: fakeProviders(fake.url),
        PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 100000, aiPerMinute: 100000 } }),
        ...env,
        // `FAKE` in a provider's baseURL stands for the fake upstream started here.
        ...(env.PARLEY_PROVIDERS
          ? { PARLEY_PROVIDERS: env.PARLEY_PROVIDERS.replaceAll("FAKE", `${fake.url}/v1`) }
          : {}),
      },
      flags: { port: 0, host: "127.0.0.1", dataDir: mkdtempSync(join(tmpdir(), "parley-web-")) },
    }),
    { logger: pino({ level: "silent" }) },
  );
  return {
    parley,
    fake,
    admin,
    adminSession: async () => {
      const login = await fetch(`${parley.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(admin),
      });
      const { accessToken } = (await login.json()) as { accessToken: string };
      const me = await fetch(`${parley.url}/api/v1/me`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      return { token: accessToken, userId: ((await me.json()) as { user: { id: string } }).user.id };
    },
    fullAnswer: async () => {
      const direct = await fetch(`${fake.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "fake-model@chunks=1,delay=0",
          messages: [{ role: "user", content: "x" }],
        }),
      });
      return (
        ((await direct.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message
          .content ?? ""
      );
    },
    stop: async () => {
      await parley.stop();
      await fake.close();
    },
  };
}

/** Signs in on the login page at `base` and waits for the chat's sidebar. */
export async function signIn(
  page: Page,
  base: string,
  user: { email: string; password: string },
): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // The chat's sidebar (in a drawer on a phone), which everyone signed in gets: a viewer has no
  // "New chat".
  await page
    .getByRole("searchbox", { name: "Search conversations" })
    .or(page.getByRole("button", { name: "Open conversations" }))
    .first()
    .waitFor();
}

/**
 * Starts a chat as a user does: "New chat" opens the new-chat screen (nothing stored yet), the
 * first message stores the conversation, and the app opens it.
 */
export async function startChat(page: Page, message: string): Promise<void> {
  const before = page.url();
  await page
    .getByRole("button", { name: /New chat/ })
    .first()
    .click();
  await page.waitForURL((url) => url.pathname === "/");
  await page.getByLabel("Message", { exact: true }).fill(message);
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => url.toString() !== before && url.pathname.startsWith("/c/"));
}
