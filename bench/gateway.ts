/**
 * Gateway overhead, side by side in one interleaved session on loopback: streaming chat
 * completions (50 chunks, 0 ms and 10 ms apart; 1, 50 and 200 concurrent clients) against
 * (a) the fake upstream directly, (b) a minimal Node pass-through proxy, (c) Parley's
 * `/v1/chat/completions` (embedded, API key auth, metering and audit on) and (d) Portkey's
 * open-source gateway. Every configuration runs `--repeats` rounds; each round visits the four
 * targets in a rotated order; medians are quoted.
 *
 * Run: `npm run bench:gateway` (`-- --repeats 5 --quick`). Prints Markdown for bench/README.md and
 * writes the raw numbers to bench/results/gateway-<date>.json. `--baseline <checkout>` adds a fifth
 * target, Parley from another checkout (say `git worktree add /tmp/before <commit>`, with its
 * `node_modules`), measured in the same interleaved rounds: before/after as ratios of one run.
 */
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { StreamJob, StreamJobResult } from "./lib/stream-client.ts";
import {
  cpuTimeMs,
  freePort,
  machineLine,
  mb,
  pollRss,
  waitForQuietMachine,
  type ServerProcess,
} from "./lib/proc.ts";
import {
  apiKey,
  fakeProvider,
  login,
  parleyEnv,
  startFakeUpstream,
  startParley,
  startPassThroughProxy,
  startPortkey,
} from "./lib/servers.ts";
import { fmt, median, percentile } from "./lib/stats.ts";

const { values: flags } = parseArgs({
  options: {
    repeats: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    "cpu-prof": { type: "string" },
    only: { type: "string" },
    configs: { type: "string" },
    baseline: { type: "string" },
  },
});
const REPEATS = Number(flags.repeats);
const ALL_TARGETS = ["direct", "proxy", "parley", "portkey", "baseline"] as const;
type Target = (typeof ALL_TARGETS)[number];
// `--only parley,direct` (for profiling) measures a subset; the README tables use all four.
const TARGETS: readonly Target[] = ALL_TARGETS.filter(
  (t) =>
    (t !== "baseline" || flags.baseline !== undefined) && (!flags.only || flags.only.split(",").includes(t)),
);

interface Config {
  delayMs: number;
  clients: number;
  total: number;
}
// Bounded load: each run stops after `total` streams or 20 s, whichever comes first.
const ALL_CONFIGS: Config[] = [
  { delayMs: 10, clients: 1, total: flags.quick ? 6 : 24 },
  { delayMs: 10, clients: 50, total: flags.quick ? 100 : 200 },
  { delayMs: 10, clients: 200, total: flags.quick ? 400 : 800 },
  { delayMs: 0, clients: 1, total: flags.quick ? 100 : 300 },
  { delayMs: 0, clients: 50, total: flags.quick ? 500 : 1500 },
  { delayMs: 0, clients: 200, total: flags.quick ? 600 : 2000 },
];
// `--configs 0:50,10:1` (delay:clients, for profiling) runs a subset.
const CONFIGS = flags.configs
  ? ALL_CONFIGS.filter((c) => flags.configs?.split(",").includes(`${c.delayMs}:${c.clients}`))
  : ALL_CONFIGS;
const MAX_MS = 20_000;

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

/** The four targets of one configuration, started fresh so each one's peak RSS is its own. */
interface Targets {
  upstream: ServerProcess;
  proxy: ServerProcess;
  parley: ServerProcess;
  portkey: ServerProcess;
  key: string;
  baseline: ServerProcess | null;
  baselineKey: string;
}

async function startTargets(config: Config): Promise<Targets> {
  const upstream = await startFakeUpstream(config.delayMs);
  servers.push(upstream);
  const proxy = await startPassThroughProxy(upstream.url);
  servers.push(proxy);
  const parley = await startParley(
    "parley",
    parleyEnv([fakeProvider("up", upstream.url)], { PARLEY_DATA_DIR: mkdtempSync("/tmp/parley-bench-gw-") }),
    [],
    flags["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${flags["cpu-prof"]}`] : [],
  );
  servers.push(parley);
  const key = await apiKey(parley.url, await login(parley.url));
  const portkey = await startPortkey(await freePort());
  servers.push(portkey);
  let baseline: ServerProcess | null = null;
  let baselineKey = "";
  if (flags.baseline) {
    baseline = await startParley(
      "baseline",
      parleyEnv([fakeProvider("up", upstream.url)], {
        PARLEY_DATA_DIR: mkdtempSync("/tmp/parley-bench-gw-"),
      }),
      [],
      [],
      `${flags.baseline}/apps/server/src/main.ts`,
    );
    servers.push(baseline);
    baselineKey = await apiKey(baseline.url, await login(baseline.url));
  }
  return { upstream, proxy, parley, portkey, key, baseline, baselineKey };
}

const body = (model: string) =>
  JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "Say something long." }] });
function jobFor(target: Target, t: Targets): Omit<StreamJob, "kind" | "concurrency" | "total" | "maxMs"> {
  switch (target) {
    case "direct":
      return {
        url: `${t.upstream.url}/v1/chat/completions`,
        headers: { authorization: "Bearer any" },
        body: body("fake-model"),
      };
    case "proxy":
      return {
        url: `${t.proxy.url}/v1/chat/completions`,
        headers: { authorization: "Bearer any" },
        body: body("fake-model"),
      };
    case "parley":
      return {
        url: `${t.parley.url}/v1/chat/completions`,
        headers: { authorization: `Bearer ${t.key}` },
        body: body("up/fake-model"),
      };
    case "baseline":
      return {
        url: `${t.baseline?.url ?? ""}/v1/chat/completions`,
        headers: { authorization: `Bearer ${t.baselineKey}` },
        body: body("up/fake-model"),
      };
    case "portkey":
      return {
        url: `${t.portkey.url}/v1/chat/completions`,
        headers: {
          authorization: "Bearer any",
          "x-portkey-provider": "openai",
          "x-portkey-custom-host": `${t.upstream.url}/v1`,
        },
        body: body("fake-model"),
      };
  }
}
const pidOf = (target: Target, t: Targets): number =>
  ({
    direct: t.upstream,
    proxy: t.proxy,
    parley: t.parley,
    portkey: t.portkey,
    baseline: t.baseline ?? t.parley,
  })[target].child.pid ?? 0;
const runJob = (job: StreamJob) =>
  new Promise<StreamJobResult>((resolve) => {
    client.once("message", (result) => {
      resolve(result as StreamJobResult);
    });
    client.send(job);
  });

try {
  interface Row {
    target: Target;
    config: Config;
    round: number;
    p50: number;
    p95: number;
    p99: number;
    totalP50: number;
    streamsPerSecond: number;
    peakRss: number;
    /** CPU time of the target's process per completed stream, in ms. */
    cpuPerStream: number;
    completed: number;
    errors: number;
    firstError: string | null;
  }
  const rows: Row[] = [];
  for (const config of CONFIGS) {
    const targets = await startTargets(config);
    // Warm-up: JIT, connection pools and caches, for every target, outside the measurements.
    for (const target of TARGETS) {
      const warm = await runJob({
        kind: "stream",
        ...jobFor(target, targets),
        concurrency: 20,
        total: config.delayMs === 0 ? 300 : 60,
        maxMs: MAX_MS,
      });
      if (warm.errors > 0) throw new Error(`${target} failed during warm-up: ${warm.firstError}`);
    }
    for (let round = 0; round < REPEATS; round++) {
      // Rotate the order every round so no target always runs first (or right after another).
      const order = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length] as Target);
      for (const target of order) {
        const pid = pidOf(target, targets);
        const poll = pollRss([pid]);
        const cpuBefore = cpuTimeMs(pid);
        const result = await runJob({
          kind: "stream",
          ...jobFor(target, targets),
          concurrency: config.clients,
          total: config.total,
          maxMs: MAX_MS,
        });
        const peak = poll.stop().get(pid) ?? 0;
        const cpu = cpuTimeMs(pid) - cpuBefore;
        const row: Row = {
          target,
          config,
          round,
          p50: percentile(result.ttft, 50),
          p95: percentile(result.ttft, 95),
          p99: percentile(result.ttft, 99),
          totalP50: percentile(result.total, 50),
          streamsPerSecond: (result.ttft.length / result.wallMs) * 1000,
          peakRss: peak,
          cpuPerStream: result.ttft.length ? cpu / result.ttft.length : 0,
          completed: result.ttft.length,
          errors: result.errors,
          firstError: result.firstError,
        };
        rows.push(row);
        console.error(
          `delay ${config.delayMs} ms, ${config.clients} clients, round ${round + 1}, ${target}: TTFT p50 ${fmt(row.p50)} ms, ${fmt(row.streamsPerSecond, 0)} streams/s, ${fmt(row.cpuPerStream, 2)} ms CPU/stream, ${mb(peak)} MB${row.errors ? `, ${row.errors} errors (${row.firstError})` : ""}`,
        );
      }
    }
    const mine = [targets.upstream, targets.proxy, targets.parley, targets.portkey, targets.baseline].filter(
      (s): s is ServerProcess => s !== null,
    );
    await Promise.all(mine.map((server) => server.stop()));
    servers.splice(0, servers.length, ...servers.filter((server) => !mine.includes(server)));
  }

  // Medians over rounds, then overheads against direct.
  const med = (target: Target, config: Config, pick: (r: Row) => number) =>
    median(rows.filter((r) => r.target === target && r.config === config).map(pick));
  const lines: string[] = [];
  lines.push(`Measured ${new Date().toISOString()} on ${machine} (waited for load < 2.5: ${quietLoad}).`);
  lines.push(
    `Each configuration starts its targets afresh (so peak RSS is that configuration's), warms them up, then runs ${REPEATS} rounds with the targets rotated each round; medians over rounds. Load generator: one Node ${process.version} process (node:http, keep-alive agent), ${MAX_MS / 1000} s cap per run.`,
  );
  lines.push("");
  lines.push(
    "| delay | clients | target | TTFT p50 | p95 | p99 | TTFT overhead p50 (vs direct) | total p50 | streams/s | CPU per stream | peak RSS | errors |",
  );
  lines.push("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const config of CONFIGS) {
    const direct = med("direct", config, (r) => r.p50);
    for (const target of TARGETS) {
      const p50 = med(target, config, (r) => r.p50);
      const errors = rows
        .filter((r) => r.target === target && r.config === config)
        .reduce((n, r) => n + r.errors, 0);
      lines.push(
        `| ${config.delayMs} ms | ${config.clients} | ${target} | ${fmt(p50)} | ${fmt(med(target, config, (r) => r.p95))} | ${fmt(med(target, config, (r) => r.p99))} | ${target === "direct" ? "—" : `+${fmt(p50 - direct)} ms`} | ${fmt(med(target, config, (r) => r.totalP50))} | ${fmt(
          med(target, config, (r) => r.streamsPerSecond),
          0,
        )} | ${fmt(
          med(target, config, (r) => r.cpuPerStream),
          2,
        )} ms | ${mb(Math.max(...rows.filter((r) => r.target === target && r.config === config).map((r) => r.peakRss)))} MB | ${errors} |`,
      );
    }
  }
  lines.push("");
  lines.push("Verdicts against ../shared/DESIGN.md (Targets):");
  for (const config of CONFIGS.filter((c) => c.clients <= 50)) {
    const direct = med("direct", config, (r) => r.p50);
    const over = (t: Target) => med(t, config, (r) => r.p50) - direct;
    const ratio = over("parley") / over("proxy");
    const ratioText =
      over("proxy") > 0.05
        ? `${fmt(ratio, 1)}x; target ≤ 1.5x: ${ratio <= 1.5 ? "met" : "MISSED"}`
        : "the proxy's overhead is below this run's noise, no ratio";
    lines.push(
      `- TTFT overhead, ${config.delayMs} ms chunks, ${config.clients} client(s): Parley +${fmt(over("parley"))} ms, proxy +${fmt(over("proxy"))} ms (${ratioText}), Portkey +${fmt(over("portkey"))} ms (Parley/Portkey ${fmt(over("parley") / over("portkey"), 2)}; target ≤ 0.2: ${over("parley") <= over("portkey") / 5 ? "met" : "MISSED"})`,
    );
  }
  for (const config of CONFIGS.filter((c) => c.delayMs === 0 && c.clients > 1)) {
    const share =
      med("parley", config, (r) => r.streamsPerSecond) / med("proxy", config, (r) => r.streamsPerSecond);
    lines.push(
      `- Saturated throughput at ${config.clients} clients (0 ms delay): Parley ${fmt(
        med("parley", config, (r) => r.streamsPerSecond),
        0,
      )} streams/s = ${fmt(share * 100, 0)}% of the proxy's ${fmt(
        med("proxy", config, (r) => r.streamsPerSecond),
        0,
      )} (target ≥ 75%: ${share >= 0.75 ? "met" : "MISSED"}); Portkey ${fmt(
        med("portkey", config, (r) => r.streamsPerSecond),
        0,
      )}`,
    );
  }
  for (const config of CONFIGS.filter((c) => c.clients === 200)) {
    const peak = (t: Target) =>
      Math.max(...rows.filter((r) => r.target === t && r.config === config).map((r) => r.peakRss));
    lines.push(
      `- Peak RSS at 200 clients (${config.delayMs} ms delay): Parley ${mb(peak("parley"))} MB, Portkey ${mb(peak("portkey"))} MB, proxy ${mb(peak("proxy"))} MB (target: less than Portkey: ${peak("parley") < peak("portkey") ? "met" : "MISSED"})`,
    );
  }
  if (TARGETS.includes("baseline") && TARGETS.includes("parley")) {
    lines.push("");
    lines.push(`Against the baseline (Parley from ${flags.baseline ?? ""}), same rounds:`);
    for (const config of CONFIGS) {
      const direct = TARGETS.includes("direct") ? med("direct", config, (r) => r.p50) : 0;
      const pick = (t: Target) => ({
        over: med(t, config, (r) => r.p50) - direct,
        rate: med(t, config, (r) => r.streamsPerSecond),
        cpu: med(t, config, (r) => r.cpuPerStream),
      });
      const now = pick("parley");
      const before = pick("baseline");
      lines.push(
        `- ${config.delayMs} ms, ${config.clients} client(s): TTFT ${TARGETS.includes("direct") ? "overhead " : ""}p50 ${fmt(before.over)} → ${fmt(now.over)} ms; ${fmt(before.rate, 0)} → ${fmt(now.rate, 0)} streams/s (${fmt(now.rate / before.rate, 2)}x); CPU per stream ${fmt(before.cpu, 2)} → ${fmt(now.cpu, 2)} ms`,
      );
    }
  }
  console.log(lines.join("\n"));
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}gateway-${new Date().toISOString().replace(/[:.]/g, "-")}.json`,
    JSON.stringify({ machine, rows }, null, 1),
  );
} finally {
  await stopAll();
}
