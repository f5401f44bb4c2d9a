/**
 * Scrolling a long conversation in the web app, next to a short one, in one run: Parley embedded
 * (in this process), a conversation of 2,000 messages and one of 20 seeded in its database,
 * Debian's headless Chromium (Playwright) scrolling each from the newest message to the oldest
 * with mouse-wheel steps. In the page, requestAnimationFrame timestamps give the frame intervals
 * and a PerformanceObserver counts long tasks (> 50 ms).
 * Run: `npm run bench:web-scroll` (builds the web app first). Prints Markdown rows for bench/README.md.
 */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import type { Page } from "playwright-core";
import { launchBrowser } from "../apps/server/test/browser.ts";
import { seedConversation } from "../apps/server/test/chat/chat-factories.ts";
import { signIn, startWebParley } from "../apps/server/test/web-support.ts";
import { fmt, median, percentile } from "./lib/stats.ts";

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const STEPS = 60;

interface Sample {
  intervals: number[];
  longTasks: number;
  maxRows: number;
  reachedTop: boolean;
}

async function scrollToTop(page: Page, url: string, firstText: string): Promise<Sample> {
  await page.goto(url);
  await page.locator(".message").first().waitFor();
  await page.waitForTimeout(500);
  await page.locator(".messages-scroller").hover();
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__longTasks = 0;
    new PerformanceObserver((list) => { window.__longTasks += list.getEntries().length; }).observe({ type: "longtask" });
    const tick = (t) => { window.__frames.push(t); if (window.__frames.length < 100000) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
  let maxRows = 0;
  for (let i = 0; i < STEPS; i++) {
    await page.mouse.wheel(0, -2500);
    await page.waitForTimeout(30);
    maxRows = Math.max(maxRows, await page.locator(".message").count());
  }
  for (let i = 0; i < 200 && (await page.getByText(firstText, { exact: true }).count()) === 0; i++) {
    await page.mouse.wheel(0, -5000);
    await page.waitForTimeout(30);
  }
  const reachedTop = (await page.getByText(firstText, { exact: true }).count()) > 0;
  const frames = await page.evaluate<number[]>("window.__frames");
  const longTasks = Number(await page.evaluate("window.__longTasks"));
  const intervals = frames.slice(1).map((t, i) => t - (frames[i] ?? t));
  return { intervals, longTasks, maxRows, reachedTop };
}

execFileSync("npm", ["run", "build", "--workspace", "@parley/web"], { stdio: "ignore" });
const web = await startWebParley();
const { userId } = await web.adminSession();
const db = web.parley.platform.database.db;
const conversations = {
  "20 messages": await seedConversation(db, { userId, exchanges: 10 }),
  "2,000 messages": await seedConversation(db, { userId, exchanges: 1000 }),
};

const browser = await launchBrowser();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
await signIn(page, web.parley.url, web.admin);
const results = new Map<string, Sample[]>();
for (let round = 0; round < ROUNDS; round++) {
  // Interleaved: short, long, short, long…
  for (const [name, id] of Object.entries(conversations)) {
    const sample = await scrollToTop(page, `${web.parley.url}/c/${id}`, "Question 1");
    results.set(name, [...(results.get(name) ?? []), sample]);
  }
}
await browser.close();
await web.stop();

const date = new Date().toISOString().slice(0, 10);
const machine = `${cpus().length} cores, Node ${process.versions.node}`;
console.log(
  `| date | conversation | rows in page (max) | frame p50 | frame p95 | frame p99 | frames > 33 ms | long tasks | reached top | machine |`,
);
console.log(`|---|---|---|---|---|---|---|---|---|---|`);
const p95s: Record<string, number> = {};
for (const [name, samples] of results) {
  const m = (f: (s: Sample) => number) => median(samples.map(f));
  const p95 = m((s) => percentile(s.intervals, 95));
  p95s[name] = p95;
  console.log(
    `| ${date} | ${name} | ${m((s) => s.maxRows)} | ${fmt(m((s) => percentile(s.intervals, 50)))} ms | ${fmt(p95)} ms | ${fmt(m((s) => percentile(s.intervals, 99)))} ms | ${m((s) => s.intervals.filter((x) => x > 33).length)} | ${m((s) => s.longTasks)} | ${samples.every((s) => s.reachedTop) ? "yes" : "NO"} | ${machine} |`,
  );
}
const ratio = (p95s["2,000 messages"] ?? Number.NaN) / (p95s["20 messages"] ?? Number.NaN);
console.log(`\nframe p95, 2,000 vs 20 messages: ${fmt(ratio, 2)}x (median of ${ROUNDS} interleaved rounds)`);
