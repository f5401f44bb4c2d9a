/**
 * API reads under 200 concurrent users (the design's product target: p95 under 50 ms). Parley runs
 * embedded in this process with 200 developer accounts, each owning 5 conversations of 20 messages
 * (seeded in its database); a forked client process runs one loop per user for 15 s, each reading
 * in turn: its conversation list, a conversation with its messages, a search, and `/api/v1/me`,
 * over keep-alive connections: once with no pause (saturation), once with a mean 1 s think time
 * between a user's requests (people reading pages). Authentication, the per-user limit (raised out of the way) and the
 * per-IP limit run on every request.
 * Run: `npm run bench:api-reads`. Prints a Markdown table for bench/README.md.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { seedConversation } from "../apps/server/test/chat/chat-factories.ts";
import { startWebParley } from "../apps/server/test/web-support.ts";
import { loadAverage, machineLine } from "./lib/proc.ts";
import { fmt, percentile } from "./lib/stats.ts";

const USERS = Number(process.env.USERS ?? 200);
const SECONDS = Number(process.env.SECONDS ?? 15);
const generous = { apiPerMinute: 10_000_000, aiPerMinute: 10_000_000 };
const web = await startWebParley(
  {},
  {
    PARLEY_IP_RATE_LIMIT_PER_MINUTE: "100000000",
    PARLEY_RATE_LIMITS: JSON.stringify({ admin: generous, developer: generous }),
    PARLEY_LOG_LEVEL: "warn",
  },
);
const base = web.parley.url;
const post = async <T>(path: string, token: string | null, body: unknown): Promise<T> => {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};
const admin = (await post<{ accessToken: string }>("/api/v1/auth/login", null, web.admin)).accessToken;
const db = web.parley.platform.database.db;
const users: { token: string; paths: string[] }[] = [];
const setupStarted = Date.now();
for (let i = 0; i < USERS; i += 10) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(10, USERS - i) }, async (_, k) => {
      const n = i + k;
      const email = `reader-${n}@parley.test`;
      const password = `reader ${n} password ok`;
      const created = await post<{ id: string }>("/api/v1/users", admin, {
        email,
        name: `Reader ${n}`,
        password,
        globalRole: "developer",
      });
      const token = (await post<{ accessToken: string }>("/api/v1/auth/login", null, { email, password }))
        .accessToken;
      const ids: string[] = [];
      for (let c = 0; c < 5; c++) ids.push(await seedConversation(db, { userId: created.id, exchanges: 10 }));
      return {
        token,
        paths: [
          "/api/v1/conversations?limit=50",
          `/api/v1/conversations/${ids[n % 5] ?? ""}`,
          "/api/v1/conversations?limit=50&q=long",
          "/api/v1/me",
        ],
      };
    }),
  );
  users.push(...batch);
}
const setupSeconds = ((Date.now() - setupStarted) / 1000).toFixed(0);

const load = loadAverage();
const THINK = [0, 1000];
const results: { thinkMs: number; latencies: number[]; errors: number }[] = [];
for (const thinkMs of THINK) {
  const child = fork(fileURLToPath(new URL("./lib/read-client.ts", import.meta.url)), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const result = await new Promise<{ latencies: number[]; errors: number }>((resolve) => {
    child.once("message", (m) => {
      resolve(m as { latencies: number[]; errors: number });
    });
    child.send({ baseUrl: base, users, seconds: SECONDS, thinkMs });
  });
  results.push({ thinkMs, ...result });
}
await web.stop();

console.log(
  `Measured ${new Date().toISOString()} on ${machineLine()}, 1-minute load average before the run ${fmt(load, 2)}; setup ${setupSeconds} s.`,
);
console.log(
  `Parley embedded in the bench process; ${USERS} users, one loop each in a forked Node client (node:http, keep-alive), ${SECONDS} s per row.\n`,
);
console.log(
  `| concurrent users | think time per user | requests | requests/s | p50 | p95 | p99 | max | non-200 | target p95 < 50 ms |`,
);
console.log(`|---|---|---|---|---|---|---|---|---|---|`);
for (const { thinkMs, latencies: l, errors } of results) {
  const p95 = percentile(l, 95);
  console.log(
    `| ${USERS} | ${thinkMs ? `${thinkMs} ms (mean)` : "none (saturation)"} | ${l.length} | ${fmt(l.length / SECONDS, 0)} | ${fmt(percentile(l, 50))} ms | ${fmt(p95)} ms | ${fmt(percentile(l, 99))} ms | ${fmt(Math.max(...l))} ms | ${errors} | ${thinkMs ? (p95 < 50 ? "met" : "MISSED") : "— (capacity, not the target)"} |`,
  );
}
