import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { startHarness, type Harness } from "../parley-harness.ts";

/** The trace of a call through the modules' stages, in order, with the fixed steps (ADR 0016). */
const AI_STAGES = [
  "authorize",
  "rate_limit",
  "assistant",
  "persona",
  "practices",
  "retrieval",
  "context_window",
  "governance",
  "budget",
  "provider_call",
  "budget",
  "governance",
  "metering",
  "audit",
];

const TEXT = "Parley streams every token through one governed pipeline.";
let fake: FakeUpstream;
let broken: FakeUpstream;
let h: Harness;
let client: OpenAI;
let key: string;

beforeAll(async () => {
  fake = await startFakeUpstream({ text: TEXT, chunks: 6, apiKey: "upstream-secret" });
  broken = await startFakeUpstream({ text: TEXT, chunks: 6 });
  h = await startHarness({
    PARLEY_PROVIDERS: JSON.stringify([
      {
        id: "fake",
        name: "Fake",
        type: "openai-compatible",
        baseURL: `${fake.url}/v1`,
        apiKey: "upstream-secret",
        models: [
          {
            id: "fake-model",
            aliases: ["house"],
            inputPricePerMTok: 1,
            outputPricePerMTok: 2,
            contextWindow: 1000,
          },
          "fake-large",
        ],
      },
      {
        id: "flaky",
        name: "Flaky",
        type: "openai-compatible",
        baseURL: `${broken.url}/v1`,
        models: [{ id: "fake-model", fallbacks: ["fake/fake-large"] }],
      },
    ]),
    PARLEY_AI_MAX_RETRIES: "2",
    PARLEY_AI_FIRST_TOKEN_TIMEOUT_MS: "1500",
    PARLEY_AI_IDLE_TIMEOUT_MS: "1500",
    PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 100000, aiPerMinute: 100000 } }),
  });
  const created = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
    token: h.adminToken,
    body: { name: "sdk", permissions: ["ai:use"] },
  });
  key = created.body.key;
  client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0 });
});
afterAll(async () => {
  await h.stop();
  await fake.close();
  await broken.close();
});
beforeEach(() => {
  fake.resetLog();
  broken.resetLog();
});

describe("OpenAI-compatible gateway", () => {
  it("lists the models a key may use", async () => {
    const models = await client.models.list();
    const ids = models.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(["fake/fake-model", "fake/fake-large", "flaky/fake-model"]));
  });

  it("answers a chat completion, passing the provider key to the upstream and never back", async () => {
    const answer = await client.chat.completions.create({
      model: "fake/fake-model",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(answer.choices[0]?.message.content).toBe(TEXT);
    expect(answer.choices[0]?.finish_reason).toBe("stop");
    expect(answer.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(answer.model).toBe("fake/fake-model");
    expect(fake.requests.at(-1)?.headers.authorization).toBe("Bearer upstream-secret");
    expect(JSON.stringify(answer)).not.toContain("upstream-secret");
  });

  it("streams a chat completion whose deltas join to the upstream's text, with usage", async () => {
    const stream = await client.chat.completions.create({
      model: "house",
      messages: [{ role: "user", content: "stream please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(TEXT);
    expect(finish).toBe("stop");
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("passes tools through and returns the model's tool call", async () => {
    const answer = await client.chat.completions.create({
      model: "fake/fake-model",
      messages: [{ role: "user", content: "what is the weather?" }],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          },
        },
      ],
    });
    const call = answer.choices[0]?.message.tool_calls?.[0];
    expect(answer.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" ? call.function.name : undefined).toBe("get_weather");
    expect(fake.requests.at(-1)?.body).toMatchObject({
      tools: [expect.objectContaining({ type: "function" })],
    });
  });

  it("passes JSON mode through", async () => {
    const answer = await client.chat.completions.create({
      model: "fake/fake-model",
      messages: [{ role: "user", content: "json" }],
      response_format: { type: "json_object" },
    });
    expect(() => JSON.parse(answer.choices[0]?.message.content ?? "") as unknown).not.toThrow();
    expect(fake.requests.at(-1)?.body).toMatchObject({ response_format: { type: "json_object" } });
  });

  it("creates embeddings, as floats and in the SDK's default base64", async () => {
    const floats = await client.embeddings.create({
      model: "fake/fake-model",
      input: ["a", "b"],
      encoding_format: "float",
    });
    expect(floats.data).toHaveLength(2);
    const vector = floats.data[0]?.embedding ?? [];
    expect(vector.length).toBeGreaterThan(0);
    const decoded = await client.embeddings.create({ model: "fake/fake-model", input: "a" });
    expect(decoded.data[0]?.embedding.map((v) => Math.fround(v))).toEqual(vector.map((v) => Math.fround(v)));
  });
});

describe("gateway errors in OpenAI's shape", () => {
  it("answers an unknown model with 404 model.not_found", async () => {
    const error = await client.chat.completions
      .create({ model: "nope/none", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("model.not_found");
  });

  it("answers invalid parameters with 400 and names the parameter", async () => {
    const error = await client.chat.completions
      .create({ model: "fake/fake-model", messages: [{ role: "user", content: "x" }], temperature: 7 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("validation.failed");
    expect((error as InstanceType<typeof OpenAI.APIError>).param).toBe("temperature");
  });

  it("answers a missing or wrong key with 401", async () => {
    const anonymous = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: "pk_wrong", maxRetries: 0 });
    const error = await anonymous.models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("refuses a prompt larger than the model's context window", async () => {
    const error = await client.chat.completions
      .create({ model: "fake/fake-model", messages: [{ role: "user", content: "x".repeat(8000) }] })
      .catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("prompt.too_large");
  });

  it("answers unknown /v1 paths in OpenAI's shape", async () => {
    const res = await fetch(`${h.url}/v1/completions-legacy`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
  });
});

describe("resilience", () => {
  it("retries 429 and 5xx before the first token and then succeeds", async () => {
    fake.fail("429", { times: 1 });
    fake.fail("500", { times: 1 });
    const answer = await client.chat.completions.create({
      model: "fake/fake-model",
      messages: [{ role: "user", content: "retry" }],
    });
    expect(answer.choices[0]?.message.content).toBe(TEXT);
    expect(fake.requests.filter((r) => r.path === "/v1/chat/completions")).toHaveLength(3);
  });

  it("falls back to the next model when a provider keeps failing", async () => {
    broken.fail("500", { times: 10 });
    const answer = await client.chat.completions.create({
      model: "flaky/fake-model",
      messages: [{ role: "user", content: "fallback" }],
    });
    expect(answer.model).toBe("fake/fake-large");
    expect(answer.choices[0]?.message.content).toBe(TEXT);
  });

  it("fails, never completes cleanly, when the upstream cuts the stream mid-answer", async () => {
    fake.fail("cut", { times: 1 });
    const stream = await client.chat.completions.create({
      model: "fake/fake-model",
      messages: [{ role: "user", content: "cut" }],
      stream: true,
    });
    let finish: string | null = null;
    const error = await (async () => {
      for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(finish).toBeNull();
    // After the first token nothing is retried.
    expect(fake.requests.filter((r) => r.path === "/v1/chat/completions")).toHaveLength(1);
  });

  it("treats a stream that ends without a finish reason as a failure", async () => {
    fake.fail("no-finish", { times: 1 });
    const error = await client.chat.completions
      .create({ model: "fake/fake-model", messages: [{ role: "user", content: "no finish" }] })
      .catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("upstream.incomplete");
  });

  it("times out an upstream that never answers", async () => {
    fake.fail("hang", { times: 3 });
    const error = await client.chat.completions
      .create({ model: "fake/fake-large", messages: [{ role: "user", content: "hang" }] })
      .catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("upstream.timeout");
  });
});

describe("one pipeline", () => {
  it("runs every stage for streaming, non-streaming and embedding calls, and meters them", async () => {
    await client.chat.completions.create({
      model: "fake/fake-model",
      messages: [{ role: "user", content: "stages" }],
    });
    const stream = await client.chat.completions.create({
      model: "fake/fake-model",
      messages: [{ role: "user", content: "stages" }],
      stream: true,
    });
    for await (const _chunk of stream) {
      // drain
    }
    await client.embeddings.create({ model: "fake/fake-model", input: "stages", encoding_format: "float" });
    const audit = await h.call<{
      items: { action: string; summary: { stages: string[]; outcome: string } }[];
    }>("GET", "/api/v1/audit?limit=3&outcome=success", { token: h.adminToken });
    const calls = audit.body.items
      .filter((e) => e.action === "ai.chat" || e.action === "ai.embed")
      .slice(0, 3);
    expect(calls.map((c) => c.action).sort()).toEqual(["ai.chat", "ai.chat", "ai.embed"]);
    for (const call of calls) expect(call.summary.stages).toEqual(AI_STAGES);

    const usage = await h.call<{
      rows: { key: string; requests: number; inputTokens: number; cost: number }[];
    }>("GET", "/api/v1/usage?groupBy=model", { token: h.adminToken });
    const row = usage.body.rows.find((r) => r.key === "fake/fake-model");
    expect(row?.requests).toBeGreaterThan(3);
    expect(row?.cost).toBeGreaterThan(0);
  });
});
