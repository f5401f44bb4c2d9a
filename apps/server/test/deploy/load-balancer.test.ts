import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerOf, openSse, type SseEvent } from "../chat/sse-client.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { eventually, runParley, type ParleyProcess } from "../process-harness.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { ROOT } from "./deploy-support.ts";

// The compose file's load balancer, for real: deploy/compose/nginx.conf in Debian's nginx in
// front of two api processes and a worker on PostgreSQL, NATS and Redis. Only the addresses are
// rewritten (compose's service names become loopback ports).

const NGINX = "/usr/sbin/nginx";
const CHUNKS = 30;
const namespace = uniqueId("lb_");
let dir: string;
let database: TestPostgres;
let fake: FakeUpstream;
let nginx: ChildProcess | undefined;
let lb = "";
let token = "";
const apis: ParleyProcess[] = [];
const processes: ParleyProcess[] = [];

/** What nginx wrote (access and error log). */
function nginxOutput(): string {
  return existsSync(join(dir, "nginx.log")) ? readFileSync(join(dir, "nginx.log"), "utf8") : "";
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Replaces `from` by `to` in `text`, failing unless it occurs exactly once. */
function replaceOnce(text: string, from: RegExp, to: string): string {
  const count = [...text.matchAll(new RegExp(from.source, "gm"))].length;
  if (count !== 1) throw new Error(`deploy/compose/nginx.conf: expected one ${String(from)}, found ${count}`);
  return text.replace(from, to);
}

function start(role: "api" | "worker"): ParleyProcess {
  const p = runParley(["start", "--role", role, "--port", "0", "--host", "127.0.0.1"], {
    PARLEY_DATABASE_URL: database.url,
    PARLEY_NATS_URL: testServices.natsUrl,
    PARLEY_REDIS_URL: testServices.redisUrl,
    PARLEY_NAMESPACE: namespace,
    PARLEY_SECRET_KEY: "load-balancer-test-secret-key-0123456789",
    PARLEY_DATA_DIR: dir,
    PARLEY_TRUST_PROXY: "1",
    PARLEY_ADMIN_EMAIL: "lb@parley.test",
    PARLEY_ADMIN_PASSWORD: "balanced across replicas",
    PARLEY_OLLAMA_DETECT: "false",
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 100000, aiPerMinute: 100000 } }),
    PARLEY_IP_RATE_LIMIT_PER_MINUTE: "100000",
  });
  processes.push(p);
  return p;
}

beforeAll(async () => {
  if (!existsSync(NGINX))
    throw new Error(`${NGINX} is missing: run bash scripts/ensure-nginx.sh (Debian's nginx-light)`);
  dir = mkdtempSync(join(tmpdir(), "parley-lb-"));
  database = await createTestPostgres();
  fake = await startFakeUpstream({ chunks: CHUNKS, chunkDelayMs: 60 });
  const first = start("api");
  const urlA = await first.listening(60_000);
  const others = [start("api"), start("worker")];
  const [urlB] = await Promise.all(others.map((p) => p.listening(60_000)));
  apis.push(first, others[0] as ParleyProcess);

  const port = await freePort();
  let conf = readFileSync(join(ROOT, "deploy/compose/nginx.conf"), "utf8");
  conf = replaceOnce(conf, /server api-1:8080/, `server ${new URL(urlA).host}`);
  conf = replaceOnce(conf, /server api-2:8080/, `server ${new URL(urlB ?? "").host}`);
  conf = replaceOnce(conf, /listen 8080;/, `listen 127.0.0.1:${port};`);
  conf = replaceOnce(conf, /pid \/tmp\/nginx\.pid;/, `pid ${join(dir, "nginx.pid")};`);
  writeFileSync(join(dir, "nginx.conf"), conf);
  // Files, not pipes: nginx opens /dev/stdout itself, which fails on a socket (as Node's pipes are).
  const log = openSync(join(dir, "nginx.log"), "a");
  nginx = spawn(NGINX, ["-e", "stderr", "-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], {
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  lb = `http://127.0.0.1:${port}`;
  try {
    await eventually("nginx to answer", async () => (await fetch(`${lb}/healthz`)).ok);
  } catch (err) {
    throw new Error(`nginx did not answer: ${nginxOutput()}`, { cause: err });
  }

  const login = await fetch(`${lb}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "lb@parley.test", password: "balanced across replicas" }),
  });
  token = ((await login.json()) as { accessToken: string }).accessToken;
}, 120_000);

afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((resolve) => nginx?.once("exit", resolve));
    nginx.kill("SIGTERM");
    await exited;
  }
  for (const p of processes) p.kill();
  await Promise.all(processes.map((p) => p.exited()));
  await fake.close();
  await database.drop();
  await cleanupNamespace(namespace);
  rmSync(dir, { recursive: true, force: true });
});

const headers = () => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });
const finished = (id: string) => (events: SseEvent[]) =>
  events.some((e) => e.event === "message.completed" && (e.data as { messageId: string }).messageId === id);

describe("deploy/compose/nginx.conf in front of two api replicas", () => {
  it("streams an answer as it is generated, and resumes it through the other replica when one dies", async () => {
    expect(token, nginxOutput()).not.toBe("");
    const conv = await fetch(`${lb}/api/v1/conversations`, {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ model: "fake/fake-model" }),
    });
    const conversationId = ((await conv.json()) as { id: string }).id;
    const sent = await fetch(`${lb}/api/v1/conversations/${conversationId}/messages`, {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ content: "through the load balancer" }),
    });
    expect(sent.status).toBe(202);
    const messageId = ((await sent.json()) as { assistantMessage: { id: string } }).assistantMessage.id;
    const url = `${lb}/api/v1/conversations/${conversationId}/events`;

    const first = await openSse(url, { authorization: `Bearer ${token}` });
    await first.until((ev) => answerOf(ev, messageId).indexes.length >= CHUNKS / 3);
    // Unbuffered: a third of the answer is here while the rest is still being generated.
    expect(finished(messageId)(first.events)).toBe(false);

    // One replica dies; whichever held the stream, the answer completes through nginx.
    apis[0]?.kill("SIGKILL");
    const partA = [...first.events];
    const stillOpen = await Promise.race([
      first.ended.then(() => false),
      first.until(finished(messageId), 20_000).then(() => true),
    ]);
    first.close();
    let rest: SseEvent[] = [];
    if (!stillOpen) {
      const resumed = await openSse(url, {
        authorization: `Bearer ${token}`,
        "last-event-id": first.lastId() ?? "",
      });
      await resumed.until(finished(messageId), 20_000);
      resumed.close();
      rest = resumed.events;
    }
    const joined = answerOf([...(stillOpen ? first.events : partA), ...rest], messageId);
    expect(joined.indexes).toEqual([...Array(CHUNKS).keys()]);

    // Later requests go to the live replica (nginx retries a refused connection on the other).
    for (let i = 0; i < 6; i++) expect((await fetch(`${lb}/readyz`)).status).toBe(200);
  }, 90_000);
});
