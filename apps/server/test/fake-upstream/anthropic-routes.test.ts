import { createAnthropic } from "@ai-sdk/anthropic";
import { APICallError, generateText, isStepCount, jsonSchema, streamText, tool } from "ai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_TEXT, startFakeUpstream, type FakeUpstream } from "./fake-upstream.ts";

// The SDK warns that the fake models are unknown to its catalogue; that is expected here.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let upstream: FakeUpstream;
let anthropic: ReturnType<typeof createAnthropic>;

beforeEach(async () => {
  upstream = await startFakeUpstream();
  anthropic = createAnthropic({ baseURL: `${upstream.url}/v1`, apiKey: "sk-ant-test" });
});

afterEach(async () => {
  await upstream.close();
});

const anthropicHeaders = {
  "x-api-key": "k",
  "anthropic-version": "2023-06-01",
  "content-type": "application/json",
};

describe("Anthropic messages", () => {
  it("streams the text through @ai-sdk/anthropic with end_turn and usage", async () => {
    const result = streamText({
      model: anthropic("fake-model@chunks=5"),
      prompt: "Say something.",
      maxRetries: 0,
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas).toHaveLength(5);
    expect(deltas.join("")).toBe(DEFAULT_TEXT);
    expect(await result.finishReason).toBe("stop");
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(4);
    expect(usage.outputTokens).toBe(5);
    expect(upstream.requests[0]).toMatchObject({
      path: "/v1/messages",
      headers: { "x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01" },
    });
  });

  it("cites the numbered sources of the system prompt with reply=cite", async () => {
    const result = await generateText({
      model: anthropic("fake-model@reply=cite"),
      instructions: "Use these.\n[1] Runbook › Restore\npg_restore it.",
      prompt: "How do I restore?",
      maxRetries: 0,
    });
    expect(result.text).toBe("From Runbook › Restore [1].");
  });

  it("sends the real event sequence", async () => {
    const response = await fetch(`${upstream.url}/v1/messages`, {
      method: "POST",
      headers: anthropicHeaders,
      body: JSON.stringify({
        model: "fake-model@chunks=2",
        max_tokens: 10,
        stream: true,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    const events = [...(await response.text()).matchAll(/^event: (.+)$/gmu)].map((m) => m[1]);
    expect(events).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
  });

  it("answers a non-streamed message through generateText", async () => {
    upstream.configure({ text: "Hello from the fake.", chunks: 3 });
    const result = await generateText({ model: anthropic("fake-large"), prompt: "hi", maxRetries: 0 });
    expect(result.text).toBe("Hello from the fake.");
    expect(result.finishReason).toBe("stop");
    expect(result.usage.outputTokens).toBe(3);
  });

  it("calls the first tool, then answers text once the tool result comes back", async () => {
    const calls: unknown[] = [];
    const result = await generateText({
      model: anthropic("fake-model"),
      prompt: "Weather in Paris?",
      maxRetries: 0,
      stopWhen: isStepCount(3),
      tools: {
        weather: tool({
          description: "Weather for a city",
          inputSchema: jsonSchema<{ city: string }>({
            type: "object",
            properties: { city: { type: "string" } },
            required: ["city"],
          }),
          execute: (input) => {
            calls.push(input);
            return Promise.resolve("sunny");
          },
        }),
      },
    });
    expect(calls).toEqual([{ city: "fake city" }]);
    expect(result.steps.map((step) => step.finishReason)).toEqual(["tool-calls", "stop"]);
    expect(result.text).toBe(DEFAULT_TEXT);
  });

  it("requires x-api-key and anthropic-version, and the configured key when there is one", async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${upstream.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({
          model: "fake-model",
          max_tokens: 5,
          messages: [{ role: "user", content: "hi" }],
        }),
      });
    const noKey = await post({ "anthropic-version": "2023-06-01" });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect((await post({ "x-api-key": "k" })).status).toBe(400);
    upstream.configure({ apiKey: "right" });
    expect((await post(anthropicHeaders)).status).toBe(401);
    expect((await post({ ...anthropicHeaders, "x-api-key": "right" })).status).toBe(200);
  });

  it("rejects an unknown model with not_found_error and a missing max_tokens with 400", async () => {
    const error: unknown = await generateText({
      model: anthropic("claude-9"),
      prompt: "hi",
      maxRetries: 0,
    }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error) && error.statusCode).toBe(404);
    const response = await fetch(`${upstream.url}/v1/messages`, {
      method: "POST",
      headers: anthropicHeaders,
      body: JSON.stringify({ model: "fake-model", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(400);
  });

  it("lists models in Anthropic's shape when asked with anthropic-version", async () => {
    const response = await fetch(`${upstream.url}/v1/models`, { headers: anthropicHeaders });
    expect(await response.json()).toMatchObject({
      data: [
        { type: "model", id: "fake-model" },
        { type: "model", id: "fake-large" },
      ],
      has_more: false,
    });
  });
});

describe("Anthropic faults", () => {
  it("answers 429 with an Anthropic-shaped rate_limit_error", async () => {
    upstream.fail("429");
    const error: unknown = await generateText({
      model: anthropic("fake-model"),
      prompt: "hi",
      maxRetries: 0,
    }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    const apiError = error as APICallError;
    expect(apiError.statusCode).toBe(429);
    expect(apiError.responseHeaders?.["retry-after"]).toBe("1");
    expect(JSON.parse(apiError.responseBody ?? "")).toMatchObject({ error: { type: "rate_limit_error" } });
  });

  /** Streams through the AI SDK, keeping the deltas and every error it reports, however it reports it. */
  async function streamWithFault(fault: "500" | "cut" | "malformed") {
    upstream.fail(fault);
    const errors: unknown[] = [];
    const result = streamText({
      model: anthropic("fake-model@chunks=6"),
      prompt: "hi",
      maxRetries: 0,
      onError: ({ error }) => {
        errors.push(error);
      },
    });
    const deltas: string[] = [];
    try {
      for await (const delta of result.textStream) deltas.push(delta);
    } catch (error) {
      errors.push(error);
    }
    return { deltas, errors };
  }

  it("surfaces a 500 as an API call error before any text", async () => {
    const { deltas, errors } = await streamWithFault("500");
    expect(deltas).toEqual([]);
    expect(errors.map((e) => APICallError.isInstance(e) && e.statusCode)).toEqual([500]);
  });

  it("surfaces a cut as a terminated stream after half the text", async () => {
    const { deltas, errors } = await streamWithFault("cut");
    expect(deltas).toHaveLength(3);
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).cause)).toMatch(/terminated/);
  });

  it("surfaces a malformed frame as a parse error the SDK reports and skips", async () => {
    const { deltas, errors } = await streamWithFault("malformed");
    expect(deltas.join("")).toBe(DEFAULT_TEXT);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/JSON/);
  });

  it("ends without a stop reason for no-finish", async () => {
    upstream.fail("no-finish");
    const result = streamText({ model: anthropic("fake-model@chunks=4"), prompt: "hi", maxRetries: 0 });
    expect(await result.text).toBe(DEFAULT_TEXT);
    expect(await result.finishReason).not.toBe("stop");
  });
});
