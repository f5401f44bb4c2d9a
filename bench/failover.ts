/**
 * Failover: an api pod is killed (SIGKILL) mid-answer; the client notices its stream end,
 * reconnects to the other pod with `Last-Event-ID` and reads on. Over many trials: time from the
 * kill to the client's next chunk, time from the reconnect to it, and every answer checked for
 * lost, duplicated and reordered chunks. Distributed mode (two api pods, one worker, PostgreSQL,
 * NATS JetStream, Redis); a killed pod is replaced by a fresh one for the next trial.
 *
 * Run: `npm run bench:failover` (`-- --trials 30`).
 */
import { mkdtempSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createTestPostgres, type TestPostgres } from "../apps/server/test/postgres.ts";
import { cleanupNamespace, testServices, uniqueId } from "../apps/server/test/services.ts";
import { machineLine, waitForQuietMachine, type ServerProcess } from "./lib/proc.ts";
import {
  conversation,
  fakeProvider,
  login,
  parleyEnv,
  send,
  startFakeUpstream,
  startParley,
} from "./lib/servers.ts";
import { openEventStream, type SseStream } from "./lib/sse.ts";
import { fmt, percentile } from "./lib/stats.ts";

const { values: flags } = parseArgs({
  options: { trials: { type: "string", default: "30" }, delay: { type: "string", default: "20" } },
});
const TRIALS = Number(flags.trials);
const CHUNKS = 50;
const DELAY = Number(flags.delay);

const quietLoad = await waitForQuietMachine(2.5);
const machine = machineLine();
const all: ServerProcess[] = [];
let database: TestPostgres | null = null;
const namespace = uniqueId("bench");

interface Trial {
  killAfter: number;
  killToNextMs: number;
  reconnectToNextMs: number;
  lost: number;
  duplicated: number;
  reordered: number;
  outcome: string;
}

/** Counts what went wrong in a sequence of chunk indexes that should be 0..CHUNKS-1 once each, in order. */
function audit(indexes: number[]): { lost: number; duplicated: number; reordered: number } {
  const seen = new Set<number>();
  let duplicated = 0;
  let reordered = 0;
  let max = -1;
  for (const i of indexes) {
    if (seen.has(i)) duplicated += 1;
    else if (i < max) reordered += 1;
    seen.add(i);
    max = Math.max(max, i);
  }
  let lost = 0;
  for (let i = 0; i < CHUNKS; i++) if (!seen.has(i)) lost += 1;
  return { lost, duplicated, reordered };
}

try {
  const upstream = await startFakeUpstream(DELAY, CHUNKS);
  all.push(upstream);
  database = await createTestPostgres();
  const env = parleyEnv([fakeProvider("up", upstream.url)], {
    PARLEY_DATABASE_URL: database.url,
    PARLEY_NATS_URL: testServices.natsUrl,
    PARLEY_REDIS_URL: testServices.redisUrl,
    PARLEY_NAMESPACE: namespace,
    PARLEY_SECRET_KEY: "bench-failover-secret-0123456789abcdefgh",
    PARLEY_DATA_DIR: mkdtempSync("/tmp/parley-bench-failover-"),
  });
  const startApi = async (name: string) => {
    const p = await startParley(name, env, ["--role", "api"]);
    all.push(p);
    return p;
  };
  all.push(await startParley("worker", env, ["--role", "worker"]));
  let pods: [ServerProcess, ServerProcess] = [await startApi("api-0"), await startApi("api-1")];
  const token = await login(pods[0].url);
  const trials: Trial[] = [];

  for (let t = 0; t < TRIALS; t++) {
    const [victim, survivor] = pods;
    const conversationId = await conversation(victim.url, token, "up/fake-model");
    // Kill after a varying number of chunks, from early to late in the answer.
    const killAfter = 3 + ((t * 7) % (CHUNKS - 10));
    const indexes: number[] = [];
    let messageId: string | null = null;
    let lastId = "";
    let outcome = "";
    let killedAt = 0;
    let reconnectedAt = 0;
    let nextAt = 0;
    let killed = false;
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const onEvent = (event: { id: string | null; event: string; data: string }) => {
      if (event.id) lastId = event.id;
      if (!event.event.startsWith("message.")) return;
      const data = JSON.parse(event.data) as { messageId: string; index?: number };
      if (messageId !== null && data.messageId !== messageId) return;
      if (event.event === "message.delta" && data.index !== undefined) {
        indexes.push(data.index);
        if (killed && nextAt === 0) nextAt = performance.now();
        if (!killed && indexes.length === killAfter) {
          killed = true;
          killedAt = performance.now();
          victim.child.kill("SIGKILL");
        }
      } else if (event.event !== "message.started") {
        outcome = event.event;
        finish();
      }
    };
    const headers = () => ({
      authorization: `Bearer ${token}`,
      ...(lastId ? { "last-event-id": lastId } : {}),
    });
    const first: SseStream = openEventStream(
      `${victim.url}/api/v1/conversations/${conversationId}/events`,
      headers(),
      onEvent,
    );
    await first.opened;
    messageId = await send(victim.url, token, conversationId, `trial ${t}`);
    await first.ended;
    // The stream ended: the pod is gone (or the answer finished before the kill). Resume on the other pod.
    let second: SseStream | null = null;
    if (outcome === "") {
      reconnectedAt = performance.now();
      second = openEventStream(
        `${survivor.url}/api/v1/conversations/${conversationId}/events`,
        headers(),
        onEvent,
      );
      await second.opened;
    }
    const timeout = setTimeout(() => {
      outcome = "timeout";
      finish();
    }, 30_000);
    await finished;
    clearTimeout(timeout);
    second?.close();
    first.close();
    const counts = audit(indexes);
    trials.push({
      killAfter,
      killToNextMs: nextAt - killedAt,
      reconnectToNextMs: nextAt - reconnectedAt,
      ...counts,
      outcome,
    });
    console.error(
      `trial ${t + 1}: killed after ${killAfter} chunks, next chunk ${fmt(nextAt - killedAt)} ms after the kill (${fmt(nextAt - reconnectedAt)} ms after reconnecting), ${outcome}, lost ${counts.lost}, duplicated ${counts.duplicated}, reordered ${counts.reordered}`,
    );
    await victim.stop("SIGKILL");
    pods = [survivor, await startApi(`api-${t + 2}`)];
  }

  const killToNext = trials.map((t) => t.killToNextMs);
  const reconnectToNext = trials.map((t) => t.reconnectToNextMs);
  const sum = (pick: (t: Trial) => number) => trials.reduce((n, t) => n + pick(t), 0);
  const completed = trials.filter((t) => t.outcome === "message.completed").length;
  const lines = [
    `Measured ${new Date().toISOString()} on ${machine} (waited for load < 2.5: ${quietLoad}).`,
    `Distributed: two api pods, one worker, PostgreSQL, NATS JetStream, Redis on this machine; fake upstream 50 chunks ${DELAY} ms apart; the client (node:http SSE reader in the bench process) reconnects to the other pod with Last-Event-ID as soon as its stream ends. ${TRIALS} trials, the kill after 3 to 42 chunks.`,
    "",
    "| measurement | p50 | p95 | p99 | max |",
    "|---|---|---|---|---|",
    `| kill → next chunk on the client | ${fmt(percentile(killToNext, 50))} ms | ${fmt(percentile(killToNext, 95))} ms | ${fmt(percentile(killToNext, 99))} ms | ${fmt(Math.max(...killToNext))} ms |`,
    `| reconnect → next chunk | ${fmt(percentile(reconnectToNext, 50))} ms | ${fmt(percentile(reconnectToNext, 95))} ms | ${fmt(percentile(reconnectToNext, 99))} ms | ${fmt(Math.max(...reconnectToNext))} ms |`,
    "",
    `Answers completed: ${completed}/${TRIALS}. Chunks lost: ${sum((t) => t.lost)}, duplicated: ${sum((t) => t.duplicated)}, reordered: ${sum((t) => t.reordered)} (target: all zero: ${sum((t) => t.lost + t.duplicated + t.reordered) === 0 && completed === TRIALS ? "met" : "MISSED"}). Resumed within 1 s of reconnecting: ${reconnectToNext.filter((ms) => ms <= 1000).length}/${TRIALS} (${Math.max(...reconnectToNext) <= 1000 ? "met" : "MISSED"}).`,
  ];
  console.log(lines.join("\n"));
} finally {
  await Promise.all(all.map((s) => s.stop("SIGKILL")));
  if (database) await database.drop();
  await cleanupNamespace(namespace);
}
