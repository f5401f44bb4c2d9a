import { AI_CALL_SETTLED, AiCallSettled } from "@parley/contracts";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../src/kernel/app-error.ts";
import type { PipelineStage, StageCall, StageContext, TextFilter } from "../../src/modules/ai/ai-stage.ts";
import { promptText } from "../../src/modules/ai/context-window.stage.ts";
import { openSse, type SseEvent } from "../chat/sse-client.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";

// Whole words, split by the fake upstream one word a chunk.
const TEXT = "Alpha beta gamma. Delta epsilon. Zeta eta theta";
const CHUNKS = 8;

/** Every hook a test stage ran, tagged with the call's marker (a `[[word]]` in the prompt). */
interface Hook {
  marker: string;
  stage: string;
  hook: "before" | "after";
  outcome?: string;
  errorCode?: string | null;
}
const hooks: Hook[] = [];
const settled: AiCallSettled[] = [];
const markers = new WeakMap<StageContext, string>();

function markerOf(call: StageCall): string {
  const text = call.operation === "chat" ? promptText(call.prompt) : call.values.join(" ");
  return /\[\[(\w+)\]\]/.exec(text)?.[1] ?? "none";
}

/** A stage that records its hooks. */
function recorder(name: string): PipelineStage {
  return {
    name,
    before(call, ctx) {
      markers.set(ctx, markerOf(call));
      hooks.push({ marker: markerOf(call), stage: name, hook: "before" });
      return undefined;
    },
    after(result, ctx) {
      hooks.push({
        marker: markers.get(ctx) ?? "unknown",
        stage: name,
        hook: "after",
        outcome: result.outcome,
        errorCode: result.errorCode,
      });
    },
  };
}

/** Refuses calls marked `blocked`, as a governance pre-check would. */
const guard: PipelineStage = {
  name: "guard",
  before(call) {
    if (markerOf(call) === "blocked") throw new AppError("governance.blocked", "This prompt is not allowed");
    return undefined;
  },
};

/** Holds text back until a sentence ends, for calls marked `holdback`. */
const holdback: PipelineStage = {
  name: "holdback",
  filter(call) {
    if (markerOf(call) !== "holdback") return undefined;
    let held = "";
    const filter: TextFilter = {
      push(text) {
        held += text;
        const end = held.lastIndexOf(". ");
        if (end < 0) return "";
        const out = held.slice(0, end + 2);
        held = held.slice(end + 2);
        return out;
      },
      flush: () => held,
    };
    return filter;
  },
};

/** Lets two deltas through and breaks on the third, for calls marked `explode`. */
const exploder: PipelineStage = {
  name: "exploder",
  filter(call) {
    if (markerOf(call) !== "explode") return undefined;
    let seen = 0;
    return {
      push(text) {
        if (++seen === 3) throw new Error("detector crashed");
        return text;
      },
      flush: () => "",
    };
  },
};

/** Fails in `after` for calls marked `afterfail`, as a settlement store that is down would. */
const brokenAfter: PipelineStage = {
  name: "broken_after",
  before(call, ctx) {
    markers.set(ctx, markerOf(call));
    return undefined;
  },
  after(_result, ctx) {
    if (markers.get(ctx) === "afterfail") throw new Error("ledger unavailable");
  },
};

let fake: FakeUpstream;
let h: Harness;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeUpstream({ text: TEXT, chunks: CHUNKS });
  h = await startHarness(
    {
      PARLEY_PROVIDERS: fakeProviders(fake.url),
      PARLEY_AI_MAX_RETRIES: "0",
      PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 100000, aiPerMinute: 100000 } }),
    },
    {
      // After the defaults (rate limit, context window, audit, metering): refusals are audited.
      aiStages: (defaults) => [
        ...defaults,
        recorder("first"),
        guard,
        recorder("second"),
        holdback,
        exploder,
        brokenAfter,
      ],
    },
  );
  await h.parley.platform.bus.pubsub.subscribe(AI_CALL_SETTLED, (payload) => {
    settled.push(AiCallSettled.parse(payload));
  });
  const created = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
    token: h.adminToken,
    body: { name: "stages", permissions: ["ai:use"] },
  });
  client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: created.body.key, maxRetries: 0 });
});
afterAll(async () => {
  await h.stop();
  await fake.close();
});
beforeEach(() => {
  fake.configure({ chunkDelayMs: 0 });
  fake.resetLog();
});

const ask = (marker: string) => [{ role: "user" as const, content: `[[${marker}]] tell me` }];
const hooksOf = (marker: string) => hooks.filter((x) => x.marker === marker);

async function until<T>(read: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("AI pipeline stages on every surface", () => {
  it("runs the stages in order before and after a streamed gateway call, settling once", async () => {
    const stream = await client.chat.completions.create({
      model: "fake/fake-model",
      messages: ask("streamed"),
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(TEXT);
    const seen = await until(() => (hooksOf("streamed").length === 4 ? hooksOf("streamed") : undefined));
    expect(seen.map((x) => `${x.hook}:${x.stage}`)).toEqual([
      "before:first",
      "before:second",
      "after:second",
      "after:first",
    ]);
    expect(seen[3]?.outcome).toBe("success");
  });

  it("runs the same stages for a non-streamed gateway call and an embedding", async () => {
    const answer = await client.chat.completions.create({ model: "fake/fake-model", messages: ask("plain") });
    expect(answer.choices[0]?.message.content).toBe(TEXT);
    await client.embeddings.create({
      model: "fake/fake-model",
      input: "[[embedded]] vectors",
      encoding_format: "float",
    });
    for (const marker of ["plain", "embedded"]) {
      const seen = await until(() => (hooksOf(marker).length === 4 ? hooksOf(marker) : undefined));
      expect(seen.map((x) => `${x.hook}:${x.stage}`)).toEqual([
        "before:first",
        "before:second",
        "after:second",
        "after:first",
      ]);
    }
  });

  it("runs the same stages for a chat answer generated by the worker", async () => {
    const conversation = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
      token: h.adminToken,
      body: { title: "Stages", model: "fake/fake-model" },
    });
    const id = conversation.body.id;
    const sse = await openSse(`${h.url}/api/v1/conversations/${id}/events`, {
      authorization: `Bearer ${h.adminToken}`,
    });
    await h.call("POST", `/api/v1/conversations/${id}/messages`, {
      token: h.adminToken,
      body: { content: "[[chat]] hello" },
    });
    await sse.until((events) => events.some((e) => e.event === "message.completed"));
    sse.close();
    const seen = await until(() => (hooksOf("chat").length === 4 ? hooksOf("chat") : undefined));
    expect(seen.map((x) => `${x.hook}:${x.stage}`)).toEqual([
      "before:first",
      "before:second",
      "after:second",
      "after:first",
    ]);
  });
});

describe("a stage that refuses", () => {
  it("answers the caller with its typed error, never calls the provider, and settles the stages before it", async () => {
    const error = await client.chat.completions
      .create({ model: "fake/fake-model", messages: ask("blocked"), stream: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(403);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("governance.blocked");
    expect(fake.requests.filter((r) => JSON.stringify(r.body).includes("[[blocked]]"))).toEqual([]);
    const seen = await until(() => (hooksOf("blocked").length === 2 ? hooksOf("blocked") : undefined));
    // "second" comes after the guard: it never ran, so it has nothing to settle.
    expect(seen.map((x) => `${x.hook}:${x.stage}`)).toEqual(["before:first", "after:first"]);
    expect(seen[1]).toMatchObject({ outcome: "failure", errorCode: "governance.blocked" });
    const audit = await h.call<{ items: { action: string; summary: Record<string, unknown> }[] }>(
      "GET",
      "/api/v1/audit?limit=5&outcome=failure",
      { token: h.adminToken },
    );
    expect(audit.body.items.find((e) => e.action === "ai.chat")?.summary).toMatchObject({
      refusedBy: "guard",
      errorCode: "governance.blocked",
      attempts: 0,
    });
  });

  it("fails a chat answer with the refusal's code", async () => {
    const conversation = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
      token: h.adminToken,
      body: { title: "Refused", model: "fake/fake-model" },
    });
    const id = conversation.body.id;
    const sse = await openSse(`${h.url}/api/v1/conversations/${id}/events`, {
      authorization: `Bearer ${h.adminToken}`,
    });
    await h.call("POST", `/api/v1/conversations/${id}/messages`, {
      token: h.adminToken,
      body: { content: "[[blocked]] hi" },
    });
    const events = await sse.until((all) => all.some((e) => e.event === "message.failed"));
    sse.close();
    const failed = events.find((e: SseEvent) => e.event === "message.failed")?.data as {
      error: { code: string };
    };
    expect(failed.error.code).toBe("governance.blocked");
    expect(events.some((e) => e.event === "message.delta")).toBe(false);
  });
});

describe("text filters", () => {
  it("hold text back until a sentence ends, release it in order and flush the rest at the end", async () => {
    const stream = await client.chat.completions.create({
      model: "fake/fake-model",
      messages: ask("holdback"),
      stream: true,
    });
    const deltas: string[] = [];
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) deltas.push(content);
    }
    expect(deltas).toEqual(["Alpha beta gamma. ", "Delta epsilon. ", "Zeta eta theta"]);
    const answer = await client.chat.completions.create({
      model: "fake/fake-model",
      messages: ask("holdback"),
    });
    expect(answer.choices[0]?.message.content).toBe(TEXT);
  });

  it("end the stream with an error when one throws, releasing no text after it", async () => {
    const stream = await client.chat.completions.create({
      model: "fake/fake-model",
      messages: ask("explode"),
      stream: true,
    });
    const deltas: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) {
        const content = chunk.choices[0]?.delta.content;
        if (content) deltas.push(content);
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(deltas.join("")).toBe("Alpha beta ");
    const seen = await until(() => hooksOf("explode").find((x) => x.hook === "after" && x.stage === "first"));
    expect(seen).toMatchObject({ outcome: "failure", errorCode: "server.internal" });
    const plain = await client.chat.completions
      .create({ model: "fake/fake-model", messages: ask("explode") })
      .catch((e: unknown) => e);
    expect((plain as InstanceType<typeof OpenAI.APIError>).status).toBe(500);
  });
});

describe("settlement", () => {
  it("runs after exactly once when the client goes away mid-answer", async () => {
    fake.configure({ chunkDelayMs: 50 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "fake/fake-model", messages: ask("cancelled"), stream: true },
      { signal: controller.signal },
    );
    await (async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) controller.abort();
      }
    })().catch(() => undefined);
    const after = await until(() =>
      hooksOf("cancelled").find((x) => x.hook === "after" && x.stage === "first"),
    );
    expect(after.outcome).toBe("cancelled");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hooksOf("cancelled").filter((x) => x.hook === "after")).toHaveLength(2);
  });

  it("runs after exactly once when the provider fails", async () => {
    fake.fail("500", { times: 1 });
    const error = await client.chat.completions
      .create({ model: "fake/fake-model", messages: ask("upstreamfail") })
      .catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    const seen = await until(() => {
      const all = hooksOf("upstreamfail").filter((x) => x.hook === "after");
      return all.length === 2 ? all : undefined;
    });
    expect(seen[0]).toMatchObject({ stage: "second", outcome: "failure", errorCode: "upstream.error" });
  });

  it("runs after exactly once when a chat answer is stopped", async () => {
    fake.configure({ chunkDelayMs: 50 });
    const conversation = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
      token: h.adminToken,
      body: { title: "Stopped", model: "fake/fake-model" },
    });
    const id = conversation.body.id;
    const sse = await openSse(`${h.url}/api/v1/conversations/${id}/events`, {
      authorization: `Bearer ${h.adminToken}`,
    });
    const sent = await h.call<{ assistantMessage: { id: string } }>(
      "POST",
      `/api/v1/conversations/${id}/messages`,
      { token: h.adminToken, body: { content: "[[stopped]] hi" } },
    );
    await sse.until((events) => events.some((e) => e.event === "message.delta"));
    await h.call("POST", `/api/v1/messages/${sent.body.assistantMessage.id}/cancel`, { token: h.adminToken });
    await sse.until((events) => events.some((e) => e.event === "message.cancelled"));
    sse.close();
    const after = await until(() =>
      hooksOf("stopped").find((x) => x.hook === "after" && x.stage === "first"),
    );
    expect(after.outcome).toBe("cancelled");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hooksOf("stopped").filter((x) => x.hook === "after")).toHaveLength(2);
  });

  it("still meters and audits a call when another stage's after throws, and says so", async () => {
    const answer = await client.chat.completions.create({
      model: "fake/fake-model",
      messages: ask("afterfail"),
    });
    expect(answer.choices[0]?.message.content).toBe(TEXT);
    const audit = await h.call<{
      items: { action: string; summary: { stages: string[]; stageErrors?: string[] } }[];
    }>("GET", "/api/v1/audit?limit=5&outcome=success", { token: h.adminToken });
    const entry = audit.body.items.find((e) => e.action === "ai.chat");
    // broken_after failed first (reverse order); metering and audit still ran, and audit knew.
    expect(entry?.summary.stageErrors).toEqual(["broken_after"]);
    expect(entry?.summary.stages.slice(-5)).toEqual(["broken_after", "second", "first", "metering", "audit"]);
    const metrics = await fetch(`${h.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/parley_ai_stage_failures_total\{[^}]*stage="broken_after"[^}]*\} 1/);
  });

  it("publishes one typed ai.call.settled per call, after the stages settled it", async () => {
    const before = settled.length;
    const answer = await client.chat.completions.create({ model: "fake/fake-model", messages: ask("event") });
    const event = await until(() => (settled.length > before ? settled.at(-1) : undefined));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled.length).toBe(before + 1);
    expect(event).toMatchObject({
      v: 1,
      surface: "gateway",
      operation: "chat",
      model: "fake/fake-model",
      providerId: "fake",
      fallbackFrom: null,
      outcome: "success",
      errorCode: null,
      refusedBy: null,
      usage: { inputTokens: answer.usage?.prompt_tokens, outputTokens: answer.usage?.completion_tokens },
      attempts: 1,
    });
    expect(event.apiKeyId).toMatch(/.+/);
    expect(event.userId).toMatch(/.+/);
    expect(event.durationMs).toBeGreaterThanOrEqual(0);
    expect(event.ttftMs).not.toBeNull();
    // The trace includes every stage's after, audit and metering included.
    expect(event.stages).toEqual([
      "authorize",
      "rate_limit",
      "context_window",
      "first",
      "guard",
      "second",
      "broken_after",
      "provider_call",
      "broken_after",
      "second",
      "first",
      "metering",
      "audit",
    ]);
    expect(event.costMicros).toBe(0); // the fake model has no price
  });
});
