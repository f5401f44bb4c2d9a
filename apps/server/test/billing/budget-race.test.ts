import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import OpenAI from "openai";
import pg from "pg";
import type { Balance, Budget } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { eventually, runParley, type ParleyProcess } from "../process-harness.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { pricedProviders } from "./billing-support.ts";

/**
 * The budget race (issue 18 point 6): 100 concurrent streamed completions through the official
 * OpenAI SDK against one small budget may overshoot it by at most one request's maximum cost,
 * embedded and on PostgreSQL with two api pods; and the ledger's usage debits equal the usage
 * records' costs to the micro-unit.
 */
const STREAMS = 100;
const TEXT = "Budgets hold under load.";
/** The fake upstream's answers have one completion token per chunk: the limit is what they use. */
const CHUNKS = 4;
const OUTPUT_LIMIT = CHUNKS;
/** 399 characters, 100 tokens for the fake upstream (and fewer for o200k). */
const PROMPT = "race ".repeat(80).trim();
/**
 * One request's maximum cost as the budget stage prices it: the prompt bound (3 + 100 + 4 per
 * message) at 10 per million, the output limit at 20 per million: 1150, where a call really costs
 * 1080. Reservations close to the real cost are what makes an unlocked check overshoot.
 */
const MAX_COST = (3 + 100 + 4) * 10 + OUTPUT_LIMIT * 20;
const LIMIT = 10 * MAX_COST;
const RATE_LIMITS = JSON.stringify({
  admin: { apiPerMinute: 100000, aiPerMinute: 100000 },
  developer: { apiPerMinute: 100000, aiPerMinute: 100000 },
});

/** The outcome of the race: answers completed and refusals. */
interface RaceResult {
  completed: number;
  refused: number;
  others: string[];
}

/** Streams {@link STREAMS} completions at once, spread over `clients` (one per pod). */
async function race(clients: OpenAI[]): Promise<RaceResult> {
  const result: RaceResult = { completed: 0, refused: 0, others: [] };
  await Promise.all(
    Array.from({ length: STREAMS }, async (_, i) => {
      const client = clients[i % clients.length];
      if (!client) throw new Error("no client");
      try {
        const stream = await client.chat.completions.create({
          model: "fake/priced",
          messages: [{ role: "user", content: PROMPT }],
          max_completion_tokens: OUTPUT_LIMIT,
          stream: true,
        });
        let text = "";
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
        if (text === TEXT) result.completed += 1;
        else result.others.push(`partial: ${text}`);
      } catch (error) {
        if (error instanceof OpenAI.APIError && error.status === 402 && error.code === "budget.exceeded")
          result.refused += 1;
        else result.others.push(String(error));
      }
    }),
  );
  return result;
}

/** The maximum cost the stage priced, read from a refusal once the budget is spent. */
async function pricedMaxCost(baseUrl: string, key: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: "fake/priced",
      messages: [{ role: "user", content: PROMPT }],
      max_completion_tokens: OUTPUT_LIMIT,
    }),
  });
  expect(res.status).toBe(402);
  return ((await res.json()) as { error: { message: string } }).error.message;
}

/** The totals the test compares: usage records' cost, the ledger's usage debits, the budget's spend. */
interface Totals {
  usageCount: number;
  usageMicros: number;
  ledgerUsageMicros: number;
}

function checkRace(result: RaceResult, totals: Totals, budget: Budget, calls: number): void {
  expect(result.others).toEqual([]);
  expect(result.completed + result.refused).toBe(STREAMS);
  // The budget bit, and let some through.
  expect(result.refused).toBeGreaterThan(0);
  expect(result.completed).toBeGreaterThan(0);
  // No refused call reached the provider.
  expect(calls).toBe(result.completed);
  expect(budget.spentMicros).toBeLessThanOrEqual(LIMIT + MAX_COST);
  expect(budget.heldMicros).toBe(0);
  // Every completed call is one usage record, its cost the budget's spend and the ledger's debit.
  expect(totals.usageCount).toBe(result.completed + result.refused);
  expect(totals.usageMicros).toBe(budget.spentMicros);
  expect(totals.ledgerUsageMicros).toBe(-totals.usageMicros);
}

/**
 * The balance race: with no budget, an enforced balance of {@link LIMIT} is all that stops the
 * streams; holds of calls in flight count against it, so it ends no lower than one call's
 * maximum below 0 (in fact at or above 0: each call costs less than it reserved).
 */
function checkBalanceRace(result: RaceResult, totals: Totals, balance: Balance, calls: number): void {
  expect(result.others).toEqual([]);
  expect(result.completed + result.refused).toBe(STREAMS);
  expect(result.refused).toBeGreaterThan(0);
  expect(result.completed).toBeGreaterThan(0);
  expect(calls).toBe(result.completed);
  expect(balance.heldMicros).toBe(0);
  expect(balance.balanceMicros).toBeGreaterThanOrEqual(-MAX_COST);
  expect(balance.balanceMicros).toBe(LIMIT + totals.ledgerUsageMicros);
  expect(totals.ledgerUsageMicros).toBe(-totals.usageMicros);
}

/**
 * Sets up a developer with a key, a day budget on them (unless `budget: false`), and a balance
 * (`balanceMicros`, a large one by default); answers the client's key and the budget id.
 */
async function prepare(
  call: Caller,
  adminToken: string,
  login: (email: string, password: string) => Promise<string>,
  options: { budget?: boolean; balanceMicros?: number } = {},
): Promise<{ userId: string; key: string; budgetId: string }> {
  const email = `racer-${uniqueId()}@parley.test`;
  const password = "racing the budget long enough";
  const user = await call("POST", "/api/v1/users", adminToken, {
    email,
    name: "Racer",
    password,
    globalRole: "developer",
  });
  expect(user.status).toBe(201);
  const userId = (user.body as { id: string }).id;
  const token = await login(email, password);
  const key = await call("POST", "/api/v1/api-keys", token, {
    name: "race",
    permissions: ["ai:use"],
  });
  let budgetId = "";
  if (options.budget ?? true) {
    const budget = await call("POST", "/api/v1/billing/budgets", adminToken, {
      scope: { kind: "user", id: userId },
      period: "day",
      limitMicros: LIMIT,
    });
    expect(budget.status).toBe(201);
    budgetId = (budget.body as Budget).id;
  }
  const topUp = await call("POST", "/api/v1/billing/top-ups", adminToken, {
    account: { kind: "user", id: userId },
    amountMicros: options.balanceMicros ?? 1_000_000,
    reason: "race",
  });
  expect(topUp.status).toBe(201);
  return { userId, key: (key.body as { key: string }).key, budgetId };
}

/** The totals of one person's calls in the embedded harness's database. */
async function embeddedTotals(h: Harness, userId: string): Promise<Totals> {
  const db = h.parley.platform.database.db;
  const usage = await sql<{ n: number | string; micros: number | string | null }>`
    select count(*) as n, sum(cost_micros) as micros from usage_records where user_id = ${userId}`.execute(
    db,
  );
  const ledger = await sql<{ micros: number | string | null }>`
    select sum(t.amount_micros) as micros from billing_transactions t
    join billing_accounts a on a.id = t.account_id where a.user_id = ${userId} and t.kind = 'usage'`.execute(
    db,
  );
  return {
    usageCount: Number(usage.rows[0]?.n ?? 0),
    usageMicros: Number(usage.rows[0]?.micros ?? 0),
    ledgerUsageMicros: Number(ledger.rows[0]?.micros ?? 0),
  };
}

/** The totals of one person's calls in the PostgreSQL database at `url`. */
async function postgresTotals(url: string, userId: string): Promise<Totals> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const usage = await client.query<{ n: string; micros: string | null }>(
      "select count(*) as n, sum(cost_micros) as micros from usage_records where user_id = $1",
      [userId],
    );
    const ledger = await client.query<{ micros: string | null }>(
      `select sum(t.amount_micros) as micros from billing_transactions t
       join billing_accounts a on a.id = t.account_id where a.user_id = $1 and t.kind = 'usage'`,
      [userId],
    );
    return {
      usageCount: Number(usage.rows[0]?.n ?? 0),
      usageMicros: Number(usage.rows[0]?.micros ?? 0),
      ledgerUsageMicros: Number(ledger.rows[0]?.micros ?? 0),
    };
  } finally {
    await client.end();
  }
}

/** A JSON request with a bearer token; the body is the caller's to check. */
type Caller = (
  method: string,
  path: string,
  token: string,
  body?: unknown,
) => Promise<{ status: number; body: unknown }>;

function httpCaller(baseUrl: string): Caller {
  return async (method, path, token, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  };
}

async function loginAt(baseUrl: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  return ((await res.json()) as { accessToken: string }).accessToken;
}

describe("the budget race, embedded", () => {
  let fake: FakeUpstream;
  let h: Harness;
  beforeAll(async () => {
    fake = await startFakeUpstream({ text: TEXT, chunks: CHUNKS, chunkDelayMs: 10, models: ["priced"] });
    h = await startHarness({
      PARLEY_PROVIDERS: pricedProviders(fake.url),
      PARLEY_BILLING_BALANCES: "enforce",
      PARLEY_RATE_LIMITS: RATE_LIMITS,
    });
  });
  afterAll(async () => {
    await h.stop();
    await fake.close();
  });

  it("overshoots a budget by at most one request's maximum cost under 100 concurrent streams", async () => {
    const caller = httpCaller(h.url);
    const { userId, key, budgetId } = await prepare(caller, h.adminToken, (email, password) =>
      h.login(email, password),
    );
    fake.resetLog();
    const result = await race([new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0 })]);
    const totals = () => embeddedTotals(h, userId);
    // Usage records are group-committed: wait for all of them.
    await eventually("every usage record", async () => (await totals()).usageCount === STREAMS);
    const budget = (await caller("GET", `/api/v1/billing/budgets/${budgetId}`, h.adminToken)).body as Budget;
    checkRace(result, await totals(), budget, fake.requests.length);
    expect(await pricedMaxCost(h.url, key)).toContain(`may cost up to ${MAX_COST} micro-units`);
  }, 120_000);

  it("keeps an enforced balance from going below 0 by more than one call under 100 concurrent streams", async () => {
    const caller = httpCaller(h.url);
    const { userId, key } = await prepare(
      caller,
      h.adminToken,
      (email, password) => h.login(email, password),
      {
        budget: false,
        balanceMicros: LIMIT,
      },
    );
    fake.resetLog();
    const result = await race([new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0 })]);
    const totals = () => embeddedTotals(h, userId);
    await eventually("every usage record", async () => (await totals()).usageCount === STREAMS);
    const balance = (await caller("GET", `/api/v1/billing/balance?userId=${userId}`, h.adminToken))
      .body as Balance;
    checkBalanceRace(result, await totals(), balance, fake.requests.length);
  }, 120_000);
});

describe("the budget race on PostgreSQL with two api pods", () => {
  const namespace = uniqueId("billing");
  const dataDir = mkdtempSync(join(tmpdir(), "parley-billing-race-"));
  const processes: ParleyProcess[] = [];
  let database: TestPostgres;
  let fake: FakeUpstream;
  let urls: string[] = [];

  const start = () => {
    const p = runParley(["start", "--role", "api", "--port", "0", "--host", "127.0.0.1"], {
      PARLEY_DATABASE_URL: database.url,
      PARLEY_NATS_URL: testServices.natsUrl,
      PARLEY_REDIS_URL: testServices.redisUrl,
      PARLEY_NAMESPACE: namespace,
      PARLEY_SECRET_KEY: "billing-race-secret-key-0123456789abcdef",
      PARLEY_DATA_DIR: dataDir,
      PARLEY_ADMIN_EMAIL: "race@parley.test",
      PARLEY_ADMIN_PASSWORD: "racing two pods at once",
      PARLEY_OLLAMA_DETECT: "false",
      PARLEY_PROVIDERS: pricedProviders(fake.url),
      PARLEY_BILLING_BALANCES: "enforce",
      PARLEY_RATE_LIMITS: RATE_LIMITS,
      PARLEY_IP_RATE_LIMIT_PER_MINUTE: "100000",
    });
    processes.push(p);
    return p.listening(60_000);
  };

  beforeAll(async () => {
    database = await createTestPostgres();
    fake = await startFakeUpstream({ text: TEXT, chunks: CHUNKS, chunkDelayMs: 10, models: ["priced"] });
    // The first pod migrates and creates the admin; then the second.
    urls = [await start()];
    urls.push(await start());
  }, 120_000);
  afterAll(async () => {
    for (const p of processes) p.kill();
    await Promise.all(processes.map((p) => p.exited()));
    await fake.close();
    await database.drop();
    await cleanupNamespace(namespace);
  });

  it("overshoots a budget by at most one request's maximum cost, the pods sharing 100 streams", async () => {
    const [a, b] = urls;
    if (!a || !b) throw new Error("two pods expected");
    const adminToken = await loginAt(a, "race@parley.test", "racing two pods at once");
    const caller = httpCaller(a);
    const { userId, key, budgetId } = await prepare(caller, adminToken, (email, password) =>
      loginAt(a, email, password),
    );
    fake.resetLog();
    const result = await race(
      urls.map((url) => new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 })),
    );
    const totals = () => postgresTotals(database.url, userId);
    await eventually("every usage record", async () => (await totals()).usageCount === STREAMS);
    const budget = (await caller("GET", `/api/v1/billing/budgets/${budgetId}`, adminToken)).body as Budget;
    checkRace(result, await totals(), budget, fake.requests.length);
    expect(await pricedMaxCost(b, key)).toContain(`may cost up to ${MAX_COST} micro-units`);
  }, 120_000);

  it("keeps an enforced balance from going below 0 by more than one call, the pods sharing 100 streams", async () => {
    const [a, b] = urls;
    if (!a || !b) throw new Error("two pods expected");
    const adminToken = await loginAt(a, "race@parley.test", "racing two pods at once");
    const caller = httpCaller(a);
    const { userId, key } = await prepare(
      caller,
      adminToken,
      (email, password) => loginAt(a, email, password),
      {
        budget: false,
        balanceMicros: LIMIT,
      },
    );
    fake.resetLog();
    const result = await race(
      urls.map((url) => new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 })),
    );
    const totals = () => postgresTotals(database.url, userId);
    await eventually("every usage record", async () => (await totals()).usageCount === STREAMS);
    const balance = (await caller("GET", `/api/v1/billing/balance?userId=${userId}`, adminToken))
      .body as Balance;
    checkBalanceRace(result, await totals(), balance, fake.requests.length);
  }, 120_000);
});
