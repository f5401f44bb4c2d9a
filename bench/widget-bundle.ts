/**
 * Measures the website widget's two files as a host page gets them: `loader.js` (every page with
 * the snippet loads it; budget 10 KB gzip) and `chat.js` (loaded when a visitor opens the widget;
 * budget 60 KB gzip), gzip level 9 as a CDN or reverse proxy would serve them.
 * Run: `npm run bench:widget` (builds first). Prints a Markdown row for bench/README.md; exits 1
 * when a file is over its budget.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGETS_KB = { "loader.js": 10, "chat.js": 60 } as const;
const dist = new URL("../apps/widget/dist/", import.meta.url).pathname;
execFileSync("npm", ["run", "build", "--workspace", "@parley/widget"], { stdio: "ignore" });
const kb = (n: number) => (n / 1024).toFixed(1);
const cells: string[] = [];
let over = false;
for (const [file, budget] of Object.entries(BUDGETS_KB)) {
  const bytes = readFileSync(join(dist, file));
  const gz = gzipSync(bytes, { level: 9 }).length;
  over ||= gz / 1024 > budget;
  cells.push(`${kb(bytes.length)} KB`, `${kb(gz)} KB / ${budget} KB`);
}
const date = new Date().toISOString().slice(0, 10);
console.log(`| ${date} | ${cells.join(" | ")} | ${over ? "OVER" : "within"} |`);
if (over) process.exitCode = 1;
