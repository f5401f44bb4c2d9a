/**
 * The cost of governance on the gateway, side by side in one interleaved session on loopback:
 * streaming chat completions (50 chunks, 10 ms and 0 ms apart; 1 and 50 concurrent clients)
 * through two Parley processes against the same fake upstream, one without rules (`off`) and one
 * with the recommended rules installed organisation-wide (`on`: secrets blocked before and during
 * the call, personal data redacted for the provider, card numbers masked in answers), plus the
 * upstream itself (`direct`) for reference. Each round visits the targets in a rotated order;
 * medians over rounds are quoted.
 *
 * Run: `npm run bench:governance` (`-- --repeats 5`). Prints Markdown for bench/README.md.
 */
import { fork } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { StreamJob, StreamJobResult } from "./lib/stream-client.ts";
import { cpuTimeMs, machineLine, waitForQuietMachine, type ServerProcess } from "./lib/proc.ts";
import { apiKey, fakeProvider, login, parleyEnv, startFakeUpstream, startParley } from "./lib/servers.ts";
import { fmt, median, percentile } from "./lib/stats.ts";

const { values: flags } = parseArgs({
  options: {
    repeats: { type: "string", default: "3" },
    // For profiling: `--configs 10:50` (delay:clients) runs a subset; `--prompt` another prompt.
    configs: { type: "string" },
    prompt: { type: "string" },
    // `--cpu-prof DIR`: both Parley processes write a V8 CPU profile there when they stop.
    "cpu-prof": { type: "string" },
  },
});
const REPEATS = Number(flags.repeats);
const TARGETS = ["direct", "off", "on"] as const;
type Target = (typeof TARGETS)[number];

interface Config {
  delayMs: number;
  clients: number;
  total: number;
}
const ALL_CONFIGS: Config[] = [
  { delayMs: 10, clients: 1, total: 40 },
  { delayMs: 10, clients: 50, total: 300 },
  { delayMs: 0, clients: 1, total: 300 },
  { delayMs: 0, clients: 50, total: 1500 },
];
const CONFIGS = flags.configs
  ? ALL_CONFIGS.filter((c) => flags.configs?.split(",").includes(`${c.delayMs}:${c.clients}`))
  : ALL_CONFIGS;
const MAX_MS = 20_000;
// A prompt with something for the rules to do: an address the `on` target redacts.
const PROMPT =
  flags.prompt ?? "Summarise the release notes and mail them to ann.lee@example.org. Say something long.";

const quietLoad = await waitForQuietMachine(2.5);
const machine = machineLine();
const servers: ServerProcess[] = [];
const client = fork(fileURLToPath(new URL("./lib/load-worker.ts", import.meta.url)), [], {
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const stopAll = async () => {
  client.disconnect();
  await Promise.all(servers.map((s) => s.stop()));
};
process.once("SIGINT", () => {
  void stopAll().then(() => process.exit(130));
});

async function parley(
  name: string,
  upstreamUrl: string,
  rules: boolean,
): Promise<{ server: ServerProcess; key: string }> {
  const server = await startParley(
    name,
    parleyEnv([fakeProvider("up", upstreamUrl)], {
      PARLEY_DATA_DIR: mkdtempSync(`/tmp/parley-bench-gov-${name}-`),
    }),
    [],
    flags["cpu-prof"]
      ? ["--cpu-prof", `--cpu-prof-dir=${flags["cpu-prof"]}`, `--cpu-prof-name=${name}.cpuprofile`]
      : [],
  );
  servers.push(server);
  const token = await login(server.url);
  if (rules) {
    const res = await fetch(`${server.url}/api/v1/governance/rules/recommended`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{}",
    });
    if (res.status !== 201) throw new Error(`installing the rules failed: ${res.status} ${await res.text()}`);
  }
  return { server, key: await apiKey(server.url, token) };
}

const body = (model: string) =>
  JSON.stringify({ model, stream: true, messages: [{ role: "user", content: PROMPT }] });
const runJob = (job: StreamJob) =>
  new Promise<StreamJobResult>((resolve) => {
    client.once("message", (result) => {
      resolve(result as StreamJobResult);
    });
    client.send(job);
  });

interface Row {
  target: Target;
  config: Config;
  round: number;
  p50: number;
  p95: number;
  streamsPerSecond: number;
  cpuPerStream: number;
  errors: number;
}

try {
  const rows: Row[] = [];
  for (const config of CONFIGS) {
    const upstream = await startFakeUpstream(config.delayMs);
    servers.push(upstream);
    const off = await parley("off", upstream.url, false);
    const on = await parley("on", upstream.url, true);
    const jobFor = (target: Target): Omit<StreamJob, "kind" | "concurrency" | "total" | "maxMs"> =>
      target === "direct"
        ? {
            url: `${upstream.url}/v1/chat/completions`,
            headers: { authorization: "Bearer any" },
            body: body("fake-model"),
          }
        : {
            url: `${(target === "on" ? on : off).server.url}/v1/chat/completions`,
            headers: { authorization: `Bearer ${(target === "on" ? on : off).key}` },
            body: body("up/fake-model"),
          };
    const pidOf = (target: Target) =>
      (target === "direct" ? upstream : target === "on" ? on.server : off.server).child.pid ?? 0;
    for (const target of TARGETS) {
      const warm = await runJob({
        kind: "stream",
        ...jobFor(target),
        concurrency: 20,
        total: 200,
        maxMs: MAX_MS,
      });
      if (warm.errors > 0) throw new Error(`${target} failed during warm-up: ${warm.firstError}`);
    }
    for (let round = 0; round < REPEATS; round++) {
      const order = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length] as Target);
      for (const target of order) {
        const pid = pidOf(target);
        const cpuBefore = cpuTimeMs(pid);
        const result = await runJob({
          kind: "stream",
          ...jobFor(target),
          concurrency: config.clients,
          total: config.total,
          maxMs: MAX_MS,
        });
        const cpu = cpuTimeMs(pid) - cpuBefore;
        const row: Row = {
          target,
          config,
          round,
          p50: percentile(result.ttft, 50),
          p95: percentile(result.ttft, 95),
          streamsPerSecond: (result.ttft.length / result.wallMs) * 1000,
          cpuPerStream: result.ttft.length ? cpu / result.ttft.length : 0,
          errors: result.errors,
        };
        rows.push(row);
        console.error(
          `delay ${config.delayMs} ms, ${config.clients} clients, round ${round + 1}, ${target}: TTFT p50 ${fmt(row.p50)} ms, p95 ${fmt(row.p95)} ms, ${fmt(row.streamsPerSecond, 0)} streams/s, ${fmt(row.cpuPerStream, 2)} ms CPU/stream${row.errors ? `, ${row.errors} errors (${result.firstError})` : ""}`,
        );
      }
    }
    await Promise.all([upstream, on.server, off.server].map((s) => s.stop()));
    servers.splice(0, servers.length);
  }

  const med = (target: Target, config: Config, pick: (r: Row) => number) =>
    median(rows.filter((r) => r.target === target && r.config === config).map(pick));
  const lines: string[] = [];
  lines.push(
    `Measured ${new Date().toISOString()} on ${machine} (waited for load < 2.5: ${quietLoad}); ${REPEATS} rounds, targets rotated each round, medians over rounds.`,
  );
  lines.push("");
  lines.push("| delay | clients | target | TTFT p50 | TTFT p95 | streams/s | CPU per stream | errors |");
  lines.push("|---|---|---|---|---|---|---|---|");
  for (const config of CONFIGS) {
    for (const target of TARGETS) {
      const errors = rows
        .filter((r) => r.target === target && r.config === config)
        .reduce((n, r) => n + r.errors, 0);
      lines.push(
        `| ${config.delayMs} ms | ${config.clients} | ${target} | ${fmt(med(target, config, (r) => r.p50))} ms | ${fmt(med(target, config, (r) => r.p95))} ms | ${fmt(
          med(target, config, (r) => r.streamsPerSecond),
          0,
        )} | ${fmt(
          med(target, config, (r) => r.cpuPerStream),
          2,
        )} ms | ${errors} |`,
      );
    }
  }
  lines.push("");
  for (const config of CONFIGS) {
    const diff = med("on", config, (r) => r.p50) - med("off", config, (r) => r.p50);
    const throughput =
      med("on", config, (r) => r.streamsPerSecond) / med("off", config, (r) => r.streamsPerSecond);
    // Also on − off within each round (the two ran next to each other, under the same load):
    // informational; the verdict stays on the difference of the medians.
    const inRounds = (target: Target) =>
      rows.filter((r) => r.target === target && r.config === config).sort((a, b) => a.round - b.round);
    const paired = median(inRounds("on").map((r, i) => r.p50 - (inRounds("off")[i]?.p50 ?? r.p50)));
    lines.push(
      `- ${config.delayMs} ms chunks, ${config.clients} client(s): rules on adds ${diff >= 0 ? "+" : ""}${fmt(diff, 2)} ms to the median TTFT (target < 2 ms: ${diff < 2 ? "met" : "MISSED"}; round by round the median difference is ${paired >= 0 ? "+" : ""}${fmt(paired, 2)} ms); throughput on/off ${fmt(throughput * 100, 0)}%.`,
    );
  }
  console.log(lines.join("\n"));
} finally {
  await stopAll();
}
