import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startServer, type ServerProcess } from "./proc.ts";

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
export const PARLEY_MAIN = root("apps/server/src/main.ts");
const FAKE_MAIN = root("apps/server/test/fake-upstream/main.ts");
const PROXY_MAIN = root("bench/pass-through-proxy.ts");
const PEERS = root("bench/peers");
const PORTKEY_MAIN = root("bench/peers/node_modules/@portkey-ai/gateway/build/start-server.js");

export const ADMIN = { email: "bench@parley.test", password: "benchmarks are honest measurements" };

/** Starts the project's fake upstream (50 chunks, `delayMs` between them) on a free port. */
export function startFakeUpstream(delayMs: number, chunks = 50): Promise<ServerProcess> {
  return startServer(
    `upstream-${delayMs}ms`,
    process.execPath,
    [FAKE_MAIN, "--port", "0", "--chunks", String(chunks), "--delay", String(delayMs)],
    /listening on (http:\/\/[\d.:]+)/,
  );
}

/** Starts the minimal pass-through proxy in front of `upstreamUrl`. */
export function startPassThroughProxy(upstreamUrl: string): Promise<ServerProcess> {
  return startServer("proxy", process.execPath, [PROXY_MAIN, upstreamUrl], /listening on (http:\/\/[\d.:]+)/);
}

/** Installs the peers (Portkey) into bench/peers/node_modules from its lockfile when missing. */
export function installPeers(): void {
  if (existsSync(PORTKEY_MAIN)) return;
  console.error("installing bench/peers (Portkey's gateway) …");
  execFileSync("npm", ["ci", "--prefix", PEERS, "--no-audit", "--no-fund"], { stdio: "inherit" });
}

/** Starts Portkey's open-source gateway (Node build) on `port`. */
export function startPortkey(port: number): Promise<ServerProcess> {
  installPeers();
  return startServer(
    "portkey",
    process.execPath,
    [PORTKEY_MAIN, `--port=${port}`, "--headless"],
    /Ready for connections/,
    { env: { NODE_ENV: "production" }, url: `http://127.0.0.1:${port}` },
  );
}

/** A Parley provider declaration for an OpenAI-compatible fake upstream. */
export function fakeProvider(id: string, upstreamUrl: string): object {
  return { id, name: id, type: "openai-compatible", baseURL: `${upstreamUrl}/v1`, models: ["fake-model"] };
}

/** Settings for a benchmarked Parley: the bench admin, no rate limit in the way, providers. */
export function parleyEnv(providers: object[], extra: Record<string, string> = {}): Record<string, string> {
  const generous = { apiPerMinute: 10_000_000, aiPerMinute: 10_000_000 };
  return {
    PARLEY_ADMIN_EMAIL: ADMIN.email,
    PARLEY_ADMIN_PASSWORD: ADMIN.password,
    PARLEY_OLLAMA_DETECT: "false",
    PARLEY_IP_RATE_LIMIT_PER_MINUTE: "10000000",
    PARLEY_MAX_STREAMS_PER_USER: "100000",
    PARLEY_RATE_LIMITS: JSON.stringify({
      admin: generous,
      operator: generous,
      developer: generous,
      viewer: generous,
    }),
    PARLEY_PROVIDERS: JSON.stringify(providers),
    ...extra,
  };
}

/** Starts `parley start` as its own process and resolves once it listens. */
export function startParley(
  name: string,
  env: Record<string, string>,
  args: string[] = [],
  nodeArgs: string[] = [],
  main = PARLEY_MAIN,
): Promise<ServerProcess> {
  return startServer(
    name,
    process.execPath,
    [...nodeArgs, main, "start", "--port", "0", "--host", "127.0.0.1", ...args],
    /listening on (http:\/\/[\d.:]+)/,
    { env, timeoutMs: 60_000 },
  );
}

/** Signs in as the bench admin and returns the access token. */
export async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** Creates an API key with `ai:use` and returns it (`pk_...`). */
export async function apiKey(url: string, token: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/api-keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `bench-${Date.now()}`, permissions: ["ai:use"] }),
  });
  if (res.status !== 201) throw new Error(`api key failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

/** Creates a developer account as the admin and signs it in; returns its access token. */
export async function developer(url: string, adminToken: string, n: number): Promise<string> {
  const email = `bench-dev-${n}-${Date.now()}@parley.test`;
  const password = `bench developer ${n} password`;
  const res = await fetch(`${url}/api/v1/users`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ email, name: `dev ${n}`, password, globalRole: "developer" }),
  });
  if (res.status !== 201) throw new Error(`creating ${email} failed: ${res.status} ${await res.text()}`);
  const signIn = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (signIn.status !== 200) throw new Error(`login of ${email} failed: ${signIn.status}`);
  return ((await signIn.json()) as { accessToken: string }).accessToken;
}

/** Creates a conversation on `model` and returns its id. */
export async function conversation(url: string, token: string, model: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/conversations`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ model }),
  });
  if (res.status !== 201) throw new Error(`conversation failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** Posts a message and returns the assistant message's id. */
export async function send(
  url: string,
  token: string,
  conversationId: string,
  content: string,
): Promise<string> {
  const res = await fetch(`${url}/api/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ content }),
  });
  if (res.status !== 202) throw new Error(`send failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { assistantMessage: { id: string } }).assistantMessage.id;
}
