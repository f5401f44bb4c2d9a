import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Role } from "@parley/contracts";
import pino, { type Logger } from "pino";
import { startParley, type RunningParley, type StartOptions } from "../src/app/parley.ts";
import { loadConfig } from "../src/config/config.ts";

export const ADMIN = { email: "admin@parley.test", password: "correct horse battery staple" };

/**
 * `PARLEY_PROVIDERS` with one provider, `fake`, serving `fake-model` from the fake upstream at
 * `fakeUrl`; its model is `fake/fake-model`.
 */
export function fakeProviders(fakeUrl: string): string {
  return JSON.stringify([
    { id: "fake", name: "Fake", type: "openai-compatible", baseURL: `${fakeUrl}/v1`, models: ["fake-model"] },
  ]);
}

/** A JSON answer. */
export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** An embedded Parley on a free port, with its first admin, driven over real HTTP. */
export interface Harness {
  parley: RunningParley;
  url: string;
  /** Its data folder (SQLite database, blobs under `blobs/data/`). */
  dataDir: string;
  /** A request with an optional bearer token. */
  call<T = unknown>(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Answer<T>>;
  /** Signs in and returns the access token. */
  login(email: string, password: string): Promise<string>;
  /** Creates a user with `role` (as the admin) and returns their id, email, password and access token. */
  user(role: Role, name?: string): Promise<{ id: string; email: string; password: string; token: string }>;
  adminToken: string;
  stop(): Promise<void>;
}

let counter = 0;

/**
 * Starts Parley embedded in this process (port 0, temporary data folder) with generous limits
 * unless `env` says otherwise; its logs go nowhere unless `options.logger` is given.
 * @example
 * const h = await startHarness(); const me = await h.call("GET", "/api/v1/me", { token: h.adminToken });
 */
export async function startHarness(
  env: Record<string, string> = {},
  options: {
    logger?: Logger;
    aiStages?: StartOptions["aiStages"];
    mcp?: StartOptions["mcp"];
    dataDir?: string;
  } = {},
): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "parley-h-"));
  const config = loadConfig({
    env: {
      PARLEY_ADMIN_EMAIL: ADMIN.email,
      PARLEY_ADMIN_PASSWORD: ADMIN.password,
      PARLEY_IP_RATE_LIMIT_PER_MINUTE: "100000",
      PARLEY_OLLAMA_DETECT: "false",
      PARLEY_RATE_LIMITS: JSON.stringify({
        admin: { apiPerMinute: 100000 },
        operator: { apiPerMinute: 100000 },
        developer: { apiPerMinute: 100000 },
        viewer: { apiPerMinute: 100000 },
      }),
      ...env,
    },
    flags: { port: 0, host: "127.0.0.1", dataDir },
  });
  const parley = await startParley(config, {
    logger: options.logger ?? pino({ level: "silent" }),
    webRoot: null,
    ...(options.aiStages ? { aiStages: options.aiStages } : {}),
    ...(options.mcp ? { mcp: options.mcp } : {}),
  });
  const call = async <T>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${parley.url}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    // JSON answers parsed; others (a CSV export, a text) as their text.
    const json = res.headers.get("content-type")?.includes("json") ?? false;
    return {
      status: res.status,
      body: (text ? (json ? JSON.parse(text) : text) : null) as T,
      headers: res.headers,
    };
  };
  const login = async (email: string, password: string) => {
    const res = await call<{ accessToken: string }>("POST", "/api/v1/auth/login", {
      body: { email, password },
    });
    if (res.status !== 200)
      throw new Error(`login of ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.accessToken;
  };
  const adminToken = await login(ADMIN.email, ADMIN.password);
  return {
    parley,
    url: parley.url,
    dataDir,
    call,
    login,
    adminToken,
    user: async (role, name) => {
      counter += 1;
      const email = `${name ?? role}-${counter}-${Date.now()}@parley.test`;
      const password = `pw-${role}-${counter}-long-enough`;
      const res = await call<{ id: string }>("POST", "/api/v1/users", {
        token: adminToken,
        body: { email, name: name ?? role, password, globalRole: role },
      });
      if (res.status !== 201)
        throw new Error(`creating ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.id, email, password, token: await login(email, password) };
    },
    stop: () => parley.stop(),
  };
}
