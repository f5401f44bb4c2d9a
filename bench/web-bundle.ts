/**
 * Measures the web app's initial JavaScript: every script index.html loads up front (the entry
 * and its modulepreloads), gzip-compressed at level 9 as a CDN or reverse proxy would serve it.
 * Run: `npm run bench:web` (builds first). Prints a Markdown row for bench/README.md.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_KB = 250;
const dist = new URL("../apps/web/dist/", import.meta.url).pathname;
execFileSync("npm", ["run", "build", "--workspace", "@parley/web"], { stdio: "ignore" });
const html = readFileSync(join(dist, "index.html"), "utf8");
const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1] ?? "");
let raw = 0;
let gz = 0;
for (const file of scripts) {
  const bytes = readFileSync(join(dist, file));
  raw += bytes.length;
  gz += gzipSync(bytes, { level: 9 }).length;
}
const kb = (n: number) => (n / 1024).toFixed(1);
const date = new Date().toISOString().slice(0, 10);
console.log(
  `| ${date} | ${scripts.length} | ${kb(raw)} KB | ${kb(gz)} KB | ${BUDGET_KB} KB | ${gz / 1024 <= BUDGET_KB ? "within" : "OVER"} |`,
);
if (gz / 1024 > BUDGET_KB) process.exitCode = 1;
