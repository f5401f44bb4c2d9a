import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { startHarness, type Harness } from "../parley-harness.ts";

const TEXT = "Answers come from Anthropic-shaped upstreams too.";
let fake: FakeUpstream;
let down: FakeUpstream;
let h: Harness;
let client: OpenAI;

type ApiError = InstanceType<typeof OpenAI.APIError>;

beforeAll(async () => {
  fake = await startFakeUpstream({ text: TEXT, chunks: 4 });
  down = await startFakeUpstream({ text: TEXT, chunks: 4, fault: "500" });
  h = await startHarness({
    PARLEY_PROVIDERS: JSON.stringify([
      {
        id: "claude",
        name: "Claude (fake)",
        type: "anthropic",
        baseURL: `${fake.url}/v1`,
        apiKey: "anthropic-key",
        models: ["fake-model"],
      },
      {
        id: "oai",
        name: "OpenAI-compatible (fake)",
        type: "openai-compatible",
        baseURL: `${fake.url}/v1`,
        models: ["fake-model", "fake-large"],
      },
      {
        id: "down",
        name: "Always failing",
        type: "openai-compatible",
        baseURL: `${down.url}/v1`,
        models: ["fake-model"],
      },
    ]),
    PARLEY_AI_MAX_RETRIES: "0",
    PARLEY_RATE_LIMITS: JSON.stringify({
      admin: { apiPerMinute: 100000, aiPerMinute: 100000 },
      developer: { aiPerMinute: 2 },
    }),
  });
  const created = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
    token: h.adminToken,
    body: { name: "sdk", permissions: ["ai:use"] },
  });
  client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: created.body.key, maxRetries: 0 });
});
afterAll(async () => {
  await h.stop();
  await fake.close();
  await down.close();
});

describe("providers of every type", () => {
  it("serves an Anthropic provider through the OpenAI-compatible API, streaming and not", async () => {
    const answer = await client.chat.completions.create({
      model: "claude/fake-model",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer.choices[0]?.message.content).toBe(TEXT);
    expect(fake.requests.at(-1)?.path).toBe("/v1/messages");
    expect(fake.requests.at(-1)?.headers["x-api-key"]).toBe("anthropic-key");
    const stream = await client.chat.completions.create({
      model: "claude/fake-model",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(TEXT);
  });
});

describe("policies", () => {
  it("answers a disabled model with 409 provider.disabled", async () => {
    const patch = await h.call("PATCH", "/api/v1/models/oai/fake-large", {
      token: h.adminToken,
      body: { enabled: false },
    });
    expect(patch.status).toBe(200);
    const error = (await client.chat.completions
      .create({ model: "oai/fake-large", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(409);
    expect(error.code).toBe("provider.disabled");
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).not.toContain("oai/fake-large");
  });

  it("limits AI requests per user per minute by role (10 by default; 2 here for developers)", async () => {
    const dev = await h.user("developer");
    const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
      token: dev.token,
      body: { name: "k", permissions: ["ai:use"] },
    });
    const devClient = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key.body.key, maxRetries: 0 });
    const ask = () =>
      devClient.chat.completions.create({
        model: "oai/fake-model",
        messages: [{ role: "user", content: "x" }],
      });
    await ask();
    await ask();
    const error = (await ask().catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.code).toBe("rate_limit.exceeded");
    expect(error.headers?.get("retry-after")).toMatch(/^\d+$/);
  });

  it("opens the circuit of a failing provider: after five failures it is no longer called", async () => {
    down.resetLog();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const error = (await client.chat.completions
        .create({ model: "down/fake-model", messages: [{ role: "user", content: "x" }] })
        .catch((e: unknown) => e)) as ApiError;
      statuses.push(error.status ?? 0);
    }
    expect(down.requests.filter((r) => r.path === "/v1/chat/completions")).toHaveLength(5);
    expect(statuses.slice(0, 5)).toEqual([502, 502, 502, 502, 502]);
    expect(statuses.slice(5)).toEqual([503, 503, 503]);
  });
});

describe("usage reports", () => {
  it("aggregates by user, team, model and day", async () => {
    for (const groupBy of ["user", "team", "model", "day"]) {
      const res = await h.call<{
        groupBy: string;
        rows: { key: string; requests: number }[];
        totals: { requests: number };
      }>("GET", `/api/v1/usage?groupBy=${groupBy}`, { token: h.adminToken });
      expect(res.status, groupBy).toBe(200);
      expect(res.body.rows.reduce((a, r) => a + r.requests, 0)).toBe(res.body.totals.requests);
    }
    const day = await h.call<{ rows: { key: string }[] }>("GET", "/api/v1/usage?groupBy=day", {
      token: h.adminToken,
    });
    expect(day.body.rows[0]?.key).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const bad = await h.call("GET", "/api/v1/usage?groupBy=planet", { token: h.adminToken });
    expect(bad.status).toBe(400);
  });
});
