/**
 * Chat path: POST a message, time to its first `message.delta` on the conversation's SSE stream,
 * against a direct upstream call and Parley's gateway path (`/v1/chat/completions`) measured in
 * the same session, embedded (one process, SQLite, in-process bus) and distributed (api and
 * worker as separate processes on PostgreSQL, NATS JetStream and Redis). The fake upstream
 * streams 50 chunks 10 ms apart. Rounds rotate the targets; medians over rounds are quoted.
 *
 * Run: `npm run bench:chat` (`-- --repeats 5`). Prints Markdown for bench/README.md.
 * `--baseline <checkout>` adds a fourth target, the chat path of Parley from another checkout (say
 * `git worktree add /tmp/before <commit>`, with its `node_modules`) in the same mode, measured in
 * the same interleaved rounds: before/after as ratios of one run.
 */
import { mkdtempSync } from "node:fs";
import { parseArgs } from "node:util";
import { createTestPostgres, type TestPostgres } from "../apps/server/test/postgres.ts";
import { cleanupNamespace, testServices, uniqueId } from "../apps/server/test/services.ts";
import { startLoadWorker } from "./lib/load.ts";
import { machineLine, mb, pollRss, waitForQuietMachine, type ServerProcess } from "./lib/proc.ts";
import { apiKey, fakeProvider, login, parleyEnv, startFakeUpstream, startParley } from "./lib/servers.ts";
import { fmt, median, percentile } from "./lib/stats.ts";
import type { StreamJobResult } from "./lib/stream-client.ts";

const { values: flags } = parseArgs({
  options: {
    repeats: { type: "string", default: "3" },
    only: { type: "string" },
    baseline: { type: "string" },
    // A directory for CPU profiles of the Parley processes (written when they stop).
    "cpu-prof": { type: "string" },
  },
});
const REPEATS = Number(flags.repeats);
const MODES = (["embedded", "distributed"] as const).filter((m) => !flags.only || flags.only === m);
type Mode = (typeof MODES)[number];
const ALL_TARGETS = ["direct", "gateway", "chat", "baseline"] as const;
type Target = (typeof ALL_TARGETS)[number];
const TARGETS = ALL_TARGETS.filter((t) => t !== "baseline" || flags.baseline !== undefined);
const LOADS = [
  { clients: 1, total: 8 },
  { clients: 10, total: 40 },
];
const MAX_MS = 30_000;

const quietLoad = await waitForQuietMachine(2.5);
const machine = machineLine();
const load = startLoadWorker();
const servers: ServerProcess[] = [];
const databases: TestPostgres[] = [];
const namespaces: string[] = [];

interface Row {
  mode: Mode;
  target: Target;
  clients: number;
  p50: number;
  p95: number;
  totalP50: number;
  errors: number;
}
const rows: Row[] = [];
const rss = new Map<string, number>();

try {
  const upstream = await startFakeUpstream(10);
  servers.push(upstream);
  const providers = [fakeProvider("up", upstream.url)];
  /** Parley from `main` in `mode`: one process embedded, api and worker distributed. */
  const startMode = async (mode: Mode, prefix: string, main?: string): Promise<ServerProcess[]> => {
    const nodeArgs = flags["cpu-prof"] && !main ? ["--cpu-prof", `--cpu-prof-dir=${flags["cpu-prof"]}`] : [];
    if (mode === "embedded") {
      const env = parleyEnv(providers, { PARLEY_DATA_DIR: mkdtempSync("/tmp/parley-bench-chat-") });
      return [await startParley(prefix || "parley", env, [], nodeArgs, main)];
    }
    const database = await createTestPostgres();
    databases.push(database);
    const namespace = uniqueId("bench");
    namespaces.push(namespace);
    const env = parleyEnv(providers, {
      PARLEY_DATABASE_URL: database.url,
      PARLEY_NATS_URL: testServices.natsUrl,
      PARLEY_REDIS_URL: testServices.redisUrl,
      PARLEY_NAMESPACE: namespace,
      PARLEY_SECRET_KEY: "bench-chat-distributed-secret-0123456789",
      PARLEY_DATA_DIR: mkdtempSync("/tmp/parley-bench-chat-dist-"),
    });
    return [
      await startParley(`${prefix}api`, env, ["--role", "api"], nodeArgs, main),
      await startParley(`${prefix}worker`, env, ["--role", "worker"], nodeArgs, main),
    ];
  };
  for (const mode of MODES) {
    const modeServers = await startMode(mode, "");
    servers.push(...modeServers);
    const baselineServers = flags.baseline
      ? await startMode(mode, "baseline ", `${flags.baseline}/apps/server/src/main.ts`)
      : [];
    servers.push(...baselineServers);
    const api = modeServers[0] as ServerProcess;
    const token = await login(api.url);
    const key = await apiKey(api.url, token);
    const baselineApi = baselineServers[0];
    const baselineToken = baselineApi ? await login(baselineApi.url) : "";
    const jobs = {
      direct: {
        kind: "stream" as const,
        url: `${upstream.url}/v1/chat/completions`,
        headers: { authorization: "Bearer any" },
        body: JSON.stringify({
          model: "fake-model",
          stream: true,
          messages: [{ role: "user", content: "Say something long." }],
        }),
      },
      gateway: {
        kind: "stream" as const,
        url: `${api.url}/v1/chat/completions`,
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify({
          model: "up/fake-model",
          stream: true,
          messages: [{ role: "user", content: "Say something long." }],
        }),
      },
      chat: { kind: "chat" as const, baseUrl: api.url, token, model: "up/fake-model" },
      baseline: {
        kind: "chat" as const,
        baseUrl: baselineApi?.url ?? "",
        token: baselineToken,
        model: "up/fake-model",
      },
    };
    // Warm-up outside the measurements.
    for (const target of TARGETS) {
      const warm = await load.run({ ...jobs[target], concurrency: 5, total: 20, maxMs: MAX_MS });
      if (warm.errors > 0) throw new Error(`${mode} ${target} failed during warm-up: ${warm.firstError}`);
    }
    const pids = [...modeServers, ...baselineServers].map((s) => s.child.pid ?? 0);
    const poll = pollRss(pids);
    for (const { clients, total } of LOADS) {
      const results = new Map<Target, StreamJobResult[]>(TARGETS.map((t) => [t, []]));
      for (let round = 0; round < REPEATS; round++) {
        for (let i = 0; i < TARGETS.length; i++) {
          const target = TARGETS[(i + round) % TARGETS.length] as Target;
          const result = await load.run({ ...jobs[target], concurrency: clients, total, maxMs: MAX_MS });
          results.get(target)?.push(result);
          console.error(
            `${mode}, ${clients} clients, round ${round + 1}, ${target}: TTFT p50 ${fmt(percentile(result.ttft, 50))} ms${result.errors ? `, ${result.errors} errors (${result.firstError})` : ""}`,
          );
        }
      }
      for (const target of TARGETS) {
        const runs = results.get(target) ?? [];
        rows.push({
          mode,
          target,
          clients,
          p50: median(runs.map((r) => percentile(r.ttft, 50))),
          p95: median(runs.map((r) => percentile(r.ttft, 95))),
          totalP50: median(runs.map((r) => percentile(r.total, 50))),
          errors: runs.reduce((n, r) => n + r.errors, 0),
        });
      }
    }
    const peaks = poll.stop();
    [...modeServers, ...baselineServers].forEach((s) =>
      rss.set(`${mode} ${s.name}`, peaks.get(s.child.pid ?? 0) ?? 0),
    );
    await Promise.all([...modeServers, ...baselineServers].map((s) => s.stop()));
  }

  const lines: string[] = [];
  lines.push(`Measured ${new Date().toISOString()} on ${machine} (waited for load < 2.5: ${quietLoad}).`);
  lines.push(
    `Fake upstream: 50 chunks, 10 ms apart. ${REPEATS} rounds per load, targets rotated; medians over rounds. Load generator: one Node ${process.version} process (node:http); chat = new conversation and SSE stream set up first (untimed), then the clock runs from the POST to the first \`message.delta\` of the answer.`,
  );
  lines.push("");
  lines.push("| mode | clients | path | TTFT p50 | p95 | overhead p50 (vs direct) | total p50 | errors |");
  lines.push("|---|---|---|---|---|---|---|---|");
  const find = (mode: Mode, clients: number, target: Target) =>
    rows.find((r) => r.mode === mode && r.clients === clients && r.target === target);
  for (const r of rows) {
    const direct = find(r.mode, r.clients, "direct")?.p50 ?? Number.NaN;
    lines.push(
      `| ${r.mode} | ${r.clients} | ${r.target} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${r.target === "direct" ? "—" : `+${fmt(r.p50 - direct)} ms`} | ${fmt(r.totalP50)} | ${r.errors} |`,
    );
  }
  lines.push("");
  lines.push(`Peak RSS: ${[...rss].map(([k, v]) => `${k} ${mb(v)} MB`).join(", ")}.`);
  lines.push("");
  lines.push("Verdicts (chat path overhead within 2x the gateway path's):");
  for (const mode of MODES)
    for (const { clients } of LOADS) {
      const direct = find(mode, clients, "direct")?.p50 ?? Number.NaN;
      const chat = (find(mode, clients, "chat")?.p50 ?? Number.NaN) - direct;
      const gateway = (find(mode, clients, "gateway")?.p50 ?? Number.NaN) - direct;
      lines.push(
        `- ${mode}, ${clients} client(s): chat +${fmt(chat)} ms vs gateway +${fmt(gateway)} ms = ${fmt(chat / gateway, 2)}x (target ≤ 2x: ${chat <= 2 * gateway ? "met" : "MISSED"})`,
      );
    }
  if (flags.baseline) {
    lines.push("");
    lines.push(
      `Against the baseline (${flags.baseline}), same rounds: chat TTFT p50 and total p50, this / baseline:`,
    );
    for (const mode of MODES)
      for (const { clients } of LOADS) {
        const now = find(mode, clients, "chat");
        const before = find(mode, clients, "baseline");
        if (!now || !before) continue;
        lines.push(
          `- ${mode}, ${clients} client(s): TTFT ${fmt(now.p50)} / ${fmt(before.p50)} ms = ${fmt(now.p50 / before.p50, 2)}x; total ${fmt(now.totalP50)} / ${fmt(before.totalP50)} ms = ${fmt(now.totalP50 / before.totalP50, 2)}x`,
        );
      }
  }
  console.log(lines.join("\n"));
} finally {
  load.stop();
  await Promise.all(servers.map((s) => s.stop()));
  for (const database of databases) await database.drop();
  for (const namespace of namespaces) await cleanupNamespace(namespace);
}
