/**
 * The cost of governance on the gateway, side by side in one interleaved session on loopback:
 * streaming chat completions (50 chunks, 10 ms and 0 ms apart; 1 and 50 concurrent clients)
 * through two Parley processes against the same fake upstream, one without rules (`off`) and one
 * with the recommended rules installed organisation-wide (`on`: secrets blocked before and during
 * the call, personal data redacted for the provider, card numbers masked in answers), plus the
 * upstream itself (`direct`) for reference.
 *
 * Method (a shared machine's load moves by more than the effect measured): `on` and `off` run in
 * pairs of short batches back to back (`--pairs`, the order alternating: off-on, on-off, …), so
 * both batches of a pair see the same load. The verdict is on the median of the pairs' on − off
 * differences of the median TTFT, with a bootstrap 95% interval: met when the whole interval is
 * under the target, missed when it is all at or over it, else not shown either way. The load
 * average is sampled at every pair and printed.
 *
 * Run: `npm run bench:governance` (`-- --pairs 40`, `--configs 10:50,10:1`). Prints Markdown for
 * bench/README.md.
 */
import { fork } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { StreamJob, StreamJobResult } from "./lib/stream-client.ts";
import { cpuTimeMs, loadAverage, machineLine, waitForQuietMachine, type ServerProcess } from "./lib/proc.ts";
import { apiKey, fakeProvider, login, parleyEnv, startFakeUpstream, startParley } from "./lib/servers.ts";
import { bootstrapMedianInterval, fmt, median, percentile } from "./lib/stats.ts";

const { values: flags } = parseArgs({
  options: {
    pairs: { type: "string", default: "30" },
    // For profiling: `--configs 10:50` (delay:clients) runs a subset; `--prompt` another prompt.
    configs: { type: "string" },
    prompt: { type: "string" },
    // `--cpu-prof DIR`: both Parley processes write a V8 CPU profile there when they stop.
    "cpu-prof": { type: "string" },
  },
});
const PAIRS = Number(flags.pairs);
const TARGET_MS = 2;
type Target = "direct" | "off" | "on";

interface Config {
  delayMs: number;
  clients: number;
  /** Streams per batch: each pair is one batch of `off` and one of `on`. */
  batch: number;
}
const ALL_CONFIGS: Config[] = [
  { delayMs: 10, clients: 1, batch: 8 },
  { delayMs: 10, clients: 50, batch: 100 },
  { delayMs: 0, clients: 1, batch: 50 },
  { delayMs: 0, clients: 50, batch: 500 },
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

/** One batch of one target. */
interface Batch {
  ttft: number[];
  p50: number;
  streamsPerSecond: number;
  cpuPerStream: number;
  errors: number;
  firstError: string | null;
}

/** One configuration's measurements: a pair is `off` and `on` batches run back to back. */
interface Measured {
  config: Config;
  pairs: { off: Batch; on: Batch; load: number }[];
  direct: Batch[];
}

const signed = (n: number, digits = 2) => `${n >= 0 ? "+" : ""}${fmt(n, digits)}`;

try {
  const measured: Measured[] = [];
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
    const batch = async (target: Target): Promise<Batch> => {
      const pid = pidOf(target);
      const cpuBefore = cpuTimeMs(pid);
      const result = await runJob({
        kind: "stream",
        ...jobFor(target),
        concurrency: config.clients,
        total: config.batch,
        maxMs: MAX_MS,
      });
      const cpu = cpuTimeMs(pid) - cpuBefore;
      return {
        ttft: result.ttft,
        p50: percentile(result.ttft, 50),
        streamsPerSecond: (result.ttft.length / result.wallMs) * 1000,
        cpuPerStream: result.ttft.length ? cpu / result.ttft.length : 0,
        errors: result.errors,
        firstError: result.firstError,
      };
    };
    for (const target of ["direct", "off", "on"] as const) {
      const warm = await runJob({
        kind: "stream",
        ...jobFor(target),
        concurrency: 20,
        total: 200,
        maxMs: MAX_MS,
      });
      if (warm.errors > 0) throw new Error(`${target} failed during warm-up: ${warm.firstError}`);
    }
    const m: Measured = { config, pairs: [], direct: [await batch("direct")] };
    for (let pair = 0; pair < PAIRS; pair++) {
      const load = loadAverage();
      const order = pair % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const);
      const results: Partial<Record<"off" | "on", Batch>> = {};
      for (const target of order) results[target] = await batch(target);
      const p = { off: results.off as Batch, on: results.on as Batch, load };
      m.pairs.push(p);
      console.error(
        `delay ${config.delayMs} ms, ${config.clients} clients, pair ${pair + 1}/${PAIRS} (${order.join("-")}, load ${fmt(load, 2)}): TTFT p50 off ${fmt(p.off.p50, 2)} ms, on ${fmt(p.on.p50, 2)} ms (${signed(p.on.p50 - p.off.p50)}); CPU/stream off ${fmt(p.off.cpuPerStream, 2)}, on ${fmt(p.on.cpuPerStream, 2)} ms${p.off.errors + p.on.errors ? `; errors ${p.off.errors + p.on.errors} (${p.off.firstError ?? p.on.firstError})` : ""}`,
      );
    }
    m.direct.push(await batch("direct"));
    measured.push(m);
    await Promise.all([upstream, on.server, off.server].map((s) => s.stop()));
    servers.splice(0, servers.length);
  }

  const lines: string[] = [];
  lines.push(
    `Measured ${new Date().toISOString()} on ${machine} (waited up to 2 min for load < 2.5: ${quietLoad}); ${PAIRS} pairs of off/on batches per configuration, order alternating.`,
  );
  lines.push("");
  lines.push(
    "| delay | clients | target | streams | TTFT p50 | TTFT p95 | streams/s | CPU per stream | errors |",
  );
  lines.push("|---|---|---|---|---|---|---|---|---|");
  for (const { config, pairs, direct } of measured) {
    const of = (target: Target): Batch[] =>
      target === "direct" ? direct : pairs.map((p) => (target === "on" ? p.on : p.off));
    for (const target of ["direct", "off", "on"] as const) {
      const batches = of(target);
      const all = batches.flatMap((b) => b.ttft);
      lines.push(
        `| ${config.delayMs} ms | ${config.clients} | ${target} | ${all.length} | ${fmt(percentile(all, 50))} ms | ${fmt(percentile(all, 95))} ms | ${fmt(
          median(batches.map((b) => b.streamsPerSecond)),
          0,
        )} | ${fmt(median(batches.map((b) => b.cpuPerStream)), 2)} ms | ${batches.reduce((n, b) => n + b.errors, 0)} |`,
      );
    }
  }
  lines.push("");
  for (const { config, pairs } of measured) {
    const ttft = pairs.map((p) => p.on.p50 - p.off.p50);
    const cpu = pairs.map((p) => p.on.cpuPerStream - p.off.cpuPerStream);
    const [low, high] = bootstrapMedianInterval(ttft);
    const [cpuLow, cpuHigh] = bootstrapMedianInterval(cpu);
    const loads = pairs.map((p) => p.load);
    const verdict = high < TARGET_MS ? "met" : low >= TARGET_MS ? "MISSED" : "not shown either way";
    lines.push(
      `- ${config.delayMs} ms chunks, ${config.clients} client(s), ${pairs.length} pairs of ${config.batch} streams (load ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)}, median ${fmt(median(loads), 1)}): rules on add **${signed(median(ttft))} ms** to the median TTFT, median of paired differences (95% interval ${signed(low)} to ${signed(high)} ms; target < ${TARGET_MS} ms: **${verdict}**); CPU per stream ${signed(median(cpu))} ms (${signed(cpuLow)} to ${signed(cpuHigh)}); throughput on/off ${fmt(
        (median(pairs.map((p) => p.on.streamsPerSecond)) / median(pairs.map((p) => p.off.streamsPerSecond))) *
          100,
        0,
      )}%.`,
    );
  }
  console.log(lines.join("\n"));
} finally {
  await stopAll();
}
