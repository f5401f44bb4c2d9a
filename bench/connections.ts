/**
 * Connections: how many concurrent SSE connections one api process holds and the memory each
 * costs, then the api's event-loop lag (p99) while it relays 1,000 active streams. Distributed
 * mode: the measured process is `parley start --role api` (PostgreSQL, NATS JetStream, Redis);
 * a separate worker generates the answers; SSE clients live in separate holder processes.
 *
 * Memory per connection = (RSS with N connections − RSS idle) / N, RSS from /proc/<pid>/status.
 * Lag: prom-client's `nodejs_eventloop_lag_p99_seconds` on the api's /metrics (monitorEventLoopDelay,
 * 10 ms resolution), reset by a scrape before the window and read by a scrape after it.
 *
 * Run: `npm run bench:connections` (`-- --connections 10000 --active 1000 --delay 50 --seconds 20`).
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createTestPostgres, type TestPostgres } from "../apps/server/test/postgres.ts";
import { cleanupNamespace, testServices, uniqueId } from "../apps/server/test/services.ts";
import type { HolderCommand, HoldTarget } from "./lib/sse-holder.ts";
import { machineLine, mb, rssOf, waitForQuietMachine, type ServerProcess } from "./lib/proc.ts";
import {
  conversation,
  developer,
  fakeProvider,
  login,
  parleyEnv,
  send,
  startFakeUpstream,
  startParley,
} from "./lib/servers.ts";
import { openEventStream } from "./lib/sse.ts";

const { values: flags } = parseArgs({
  options: {
    connections: { type: "string", default: "10000" },
    active: { type: "string", default: "1000" },
    conversations: { type: "string", default: "25" },
    delay: { type: "string", default: "50" },
    seconds: { type: "string", default: "20" },
    users: { type: "string", default: "50" },
    mode: { type: "string", default: "distributed" },
    "cpu-prof": { type: "string" },
    // Extra Node/V8 flags for the measured api process: `--api-node-args=--max-semi-space-size=16`.
    "api-node-args": { type: "string" },
  },
});
const N = Number(flags.connections);
const ACTIVE = Number(flags.active);
const ACTIVE_CONVERSATIONS = Number(flags.conversations);
const DELAY = Number(flags.delay);
const SECONDS = Number(flags.seconds);
const USERS = Number(flags.users);
const HOLDERS = 2;
const DISTRIBUTED = flags.mode !== "embedded";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quietLoad = await waitForQuietMachine(2.5);
const machine = machineLine();
const servers: ServerProcess[] = [];
const holders: ChildProcess[] = [];
let database: TestPostgres | null = null;
const namespace = uniqueId("bench");

function ask<T>(holder: ChildProcess, command: HolderCommand): Promise<T> {
  return new Promise((resolve) => {
    holder.once("message", (m) => {
      resolve(m as T);
    });
    holder.send(command);
  });
}
/** RSS and JS heap of `pid` right after a full garbage collection (see lib/gc-on-signal.ts). */
async function collected(
  pid: number,
  url: string,
): Promise<{ rss: number; heap: number; youngGeneration: number }> {
  process.kill(pid, "SIGUSR2");
  await sleep(1500);
  const text = await (await fetch(`${url}/metrics`)).text();
  const heap = Number(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
  // V8 grows its young generation under a burst of allocation and keeps it: a fixed cost that
  // lands in the per-connection figure (it explains most of that figure's run-to-run spread).
  const youngGeneration = Number(
    /^nodejs_heap_space_size_total_bytes\{[^}]*space="new"[^}]*\} (\S+)$/m.exec(text)?.[1] ?? Number.NaN,
  );
  return { rss: rssOf(pid), heap, youngGeneration };
}
async function scrapeLag(url: string): Promise<{ p99: number; max: number; mean: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN) * 1000;
  return {
    p99: value("nodejs_eventloop_lag_p99_seconds"),
    max: value("nodejs_eventloop_lag_max_seconds"),
    mean: value("nodejs_eventloop_lag_mean_seconds"),
  };
}

try {
  const upstream = await startFakeUpstream(DELAY);
  servers.push(upstream);
  database = DISTRIBUTED ? await createTestPostgres() : null;
  const env = parleyEnv([fakeProvider("up", upstream.url)], {
    ...(database
      ? {
          PARLEY_DATABASE_URL: database.url,
          PARLEY_NATS_URL: testServices.natsUrl,
          PARLEY_REDIS_URL: testServices.redisUrl,
          PARLEY_NAMESPACE: namespace,
          PARLEY_SECRET_KEY: "bench-connections-secret-0123456789abcdef",
        }
      : {}),
    PARLEY_DATA_DIR: mkdtempSync("/tmp/parley-bench-conn-"),
  });
  const api = await startParley("api", env, DISTRIBUTED ? ["--role", "api"] : [], [
    "--expose-gc",
    "--import",
    fileURLToPath(new URL("./lib/gc-on-signal.ts", import.meta.url)),
    ...(flags["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${flags["cpu-prof"]}`] : []),
    ...(flags["api-node-args"]?.split(" ").filter(Boolean) ?? []),
  ]);
  servers.push(api);
  if (DISTRIBUTED) servers.push(await startParley("worker", env, ["--role", "worker"]));
  const apiPid = api.child.pid ?? 0;
  const admin = await login(api.url);
  const tokens: string[] = [];
  for (let i = 0; i < USERS; i++) tokens.push(await developer(api.url, admin, i));
  const conversations: HoldTarget[] = [];
  const ids: string[] = [];
  for (const token of tokens) {
    const id = await conversation(api.url, token, "up/fake-model");
    ids.push(id);
    conversations.push({ url: `${api.url}/api/v1/conversations/${id}/events`, token });
  }
  for (let i = 0; i < HOLDERS; i++)
    holders.push(
      fork(fileURLToPath(new URL("./lib/sse-holder.ts", import.meta.url)), [], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      }),
    );

  // Warm-up: one answer end to end, a few streams opened and closed.
  const warm = openEventStream(
    conversations[0]?.url ?? "",
    { authorization: `Bearer ${tokens[0] ?? ""}` },
    () => undefined,
  );
  await warm.opened;
  await send(api.url, tokens[0] ?? "", ids[0] ?? "", "warm up");
  await sleep(DELAY * 50 + 2000);
  warm.close();
  await sleep(3000);

  // Part 1: hold N idle connections.
  const idle = rssOf(apiPid);
  const idleGc = await collected(apiPid, api.url);
  const perHolder = Math.ceil(N / HOLDERS / conversations.length);
  const openStarted = Date.now();
  const opened = await Promise.all(
    holders.map((h, i) =>
      ask<{ opened: number; failed: number; firstError: string | null }>(h, {
        open: {
          targets: conversations.filter((_, j) => j % HOLDERS === i),
          perTarget: perHolder * HOLDERS,
          parallel: 50,
        },
      }),
    ),
  );
  const openMs = Date.now() - openStarted;
  const held = opened.reduce((n, o) => n + o.opened, 0);
  const failed = opened.reduce((n, o) => n + o.failed, 0);
  await sleep(5000);
  const loaded = rssOf(apiPid);
  const healthStarted = performance.now();
  await fetch(`${api.url}/healthz`);
  const healthMs = performance.now() - healthStarted;
  const perConnection = (loaded - idle) / held;
  const loadedGc = await collected(apiPid, api.url);
  const perConnectionGc = (loadedGc.rss - idleGc.rss) / held;
  const heapPerConnection = (loadedGc.heap - idleGc.heap) / held;
  console.error(
    `held ${held} SSE connections (${failed} failed${opened.find((o) => o.firstError)?.firstError ? `: ${opened.find((o) => o.firstError)?.firstError}` : ""}) in ${openMs} ms; RSS ${mb(idle)} → ${mb(loaded)} MB`,
  );
  await Promise.all(holders.map((h) => ask(h, { close: true })));
  await sleep(3000);

  // Part 2: ACTIVE connections relaying answers that keep coming for SECONDS.
  const active = conversations.slice(0, ACTIVE_CONVERSATIONS);
  const perConversation = Math.ceil(ACTIVE / active.length);
  await Promise.all(
    holders.map((h, i) =>
      ask(h, {
        open: {
          targets: active.filter((_, j) => j % HOLDERS === i),
          perTarget: perConversation,
          parallel: 20,
        },
      }),
    ),
  );
  const before = await Promise.all(holders.map((h) => ask<{ deltas: number }>(h, { count: true })));
  await scrapeLag(api.url); // resets the histogram
  const windowStarted = Date.now();
  let answers = 0;
  await Promise.all(
    active.map(async (target, i) => {
      const token = target.token;
      const id = ids[i] ?? "";
      let done: () => void = () => undefined;
      const mine = openEventStream(target.url, { authorization: `Bearer ${token}` }, (event) => {
        if (event.event === "message.completed" || event.event === "message.failed") done();
      });
      await mine.opened;
      while (Date.now() - windowStarted < SECONDS * 1000) {
        const finished = new Promise<void>((resolve) => (done = resolve));
        await send(api.url, token, id, `answer ${answers}`);
        await finished;
        answers += 1;
      }
      mine.close();
    }),
  );
  const windowMs = Date.now() - windowStarted;
  const lag = await scrapeLag(api.url);
  const after = await Promise.all(holders.map((h) => ask<{ deltas: number }>(h, { count: true })));
  const relayed = after.reduce((n, a) => n + a.deltas, 0) - before.reduce((n, b) => n + b.deltas, 0);
  const lines = [
    `Measured ${new Date().toISOString()} on ${machine} (waited for load < 2.5: ${quietLoad}).`,
    DISTRIBUTED
      ? `Distributed mode: one \`--role api\` process measured, one worker, PostgreSQL, NATS JetStream, Redis on the same machine; SSE clients in ${HOLDERS} separate Node processes (node:http), ${USERS} users.`
      : `Embedded mode: one \`parley start\` process (SQLite, in-process bus and log) that also generates the answers; SSE clients in ${HOLDERS} separate Node processes (node:http), ${USERS} users.`,
    `Node flags of the api process: ${flags["api-node-args"] ?? "none beyond the bench's own (--expose-gc for the full collections)"}.`,
    "",
    "| measurement | value |",
    "|---|---|",
    `| SSE connections held by one api process | ${held} of ${perHolder * HOLDERS * conversations.length} (${failed} failed), opened in ${(openMs / 1000).toFixed(1)} s |`,
    `| api RSS idle → with ${held} connections | ${mb(idle)} MB → ${mb(loaded)} MB |`,
    `| memory per connection, RSS as found | ${(perConnection / 1024).toFixed(1)} KB (garbage not yet collected included) |`,
    `| api RSS idle → with ${held} connections, each after a full GC | ${mb(idleGc.rss)} MB → ${mb(loadedGc.rss)} MB |`,
    `| memory per connection after a full GC | ${(perConnectionGc / 1024).toFixed(1)} KB RSS, of which ${(heapPerConnection / 1024).toFixed(1)} KB JS heap (target ≤ 30 KB: ${perConnectionGc / 1024 <= 30 && held >= 10_000 ? "met" : "MISSED"}) |`,
    `| V8 young generation (new space) idle → loaded | ${mb(idleGc.youngGeneration)} MB → ${mb(loadedGc.youngGeneration)} MB |`,
    `| /healthz latency while holding them | ${healthMs.toFixed(1)} ms |`,
    `| active streams relayed | ${ACTIVE_CONVERSATIONS * perConversation} SSE connections on ${ACTIVE_CONVERSATIONS} conversations answering back to back (50 chunks, ${DELAY} ms apart) for ${(windowMs / 1000).toFixed(1)} s: ${answers} answers, ${relayed} deltas delivered (${Math.round(relayed / (windowMs / 1000))}/s) |`,
    `| api event-loop lag while relaying | p99 ${lag.p99.toFixed(1)} ms, mean ${lag.mean.toFixed(1)} ms, max ${lag.max.toFixed(1)} ms (target p99 < 50 ms: ${lag.p99 < 50 ? "met" : "MISSED"}) |`,
    `| api peak RSS (VmHWM) | ${mb(rssOf(apiPid, "VmHWM"))} MB |`,
  ];
  console.log(lines.join("\n"));
} finally {
  for (const h of holders) if (h.connected) h.disconnect();
  await Promise.all(servers.map((s) => s.stop()));
  if (database) await database.drop();
  if (DISTRIBUTED) await cleanupNamespace(namespace);
}
