import OpenAI, { APIConnectionTimeoutError, InternalServerError, RateLimitError } from "openai";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "./fake-upstream.ts";

let upstream: FakeUpstream;
let client: OpenAI;

beforeEach(async () => {
  upstream = await startFakeUpstream({ chunks: 10 });
  // logLevel off: the client logs the malformed frame before throwing, which the test expects.
  client = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: "sk-test", maxRetries: 0, logLevel: "off" });
});

afterEach(async () => {
  await upstream.close();
});

const messages = [{ role: "user" as const, content: "hi" }];

/** Reads a stream the way a gateway would, keeping what arrived before any error. */
async function consume(model: string, signal?: AbortSignal) {
  const stream = await client.chat.completions.create({ model, messages, stream: true }, { signal });
  const contents: string[] = [];
  const finishReasons: string[] = [];
  let error: unknown;
  try {
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) contents.push(choice.delta.content);
      if (choice?.finish_reason) finishReasons.push(choice.finish_reason);
    }
  } catch (caught) {
    error = caught;
  }
  return { contents, finishReasons, error };
}

async function expectNothingLeaks(): Promise<void> {
  await vi.waitFor(() => {
    expect(upstream.inFlight).toBe(0);
    expect(upstream.connections).toBe(0);
  });
}

describe("status faults", () => {
  it("answers 429 with retry-after and an OpenAI-shaped body, then recovers", async () => {
    upstream.fail("429");
    const error: unknown = await client.chat.completions
      .create({ model: "fake-model", messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    const rateLimit = error as RateLimitError;
    expect(rateLimit.headers.get("retry-after")).toBe("1");
    expect(rateLimit.error).toMatchObject({ type: "requests", code: "rate_limit_exceeded" });
    await expect(client.chat.completions.create({ model: "fake-model", messages })).resolves.toBeDefined();
  });

  it("answers 500 to a stream request for as many requests as asked, and the client's retry is logged", async () => {
    upstream.fail("500", { times: 2 });
    await expect(consume("fake-model")).rejects.toBeInstanceOf(InternalServerError);
    // The client retries once (retry-after-ms would be honoured; 500 has none, so a short backoff).
    const retrying = new OpenAI({
      baseURL: `${upstream.url}/v1`,
      apiKey: "k",
      maxRetries: 1,
      timeout: 5_000,
    });
    const completion = await retrying.chat.completions.create({ model: "fake-model", messages });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(upstream.requests.map((r) => r.path)).toEqual(Array(3).fill("/v1/chat/completions"));
  });

  it("plays a fault named in the model or an x-fake-fault header on that request only", async () => {
    await expect(
      client.chat.completions.create({ model: "fake-model@fault=429", messages }),
    ).rejects.toBeInstanceOf(RateLimitError);
    await expect(
      client.chat.completions.create(
        { model: "fake-model", messages },
        { headers: { "x-fake-fault": "500" } },
      ),
    ).rejects.toBeInstanceOf(InternalServerError);
    await expect(client.chat.completions.create({ model: "fake-model", messages })).resolves.toBeDefined();
  });

  it("plays a configured fault on every generation request but not on /v1/models", async () => {
    upstream.configure({ fault: "429" });
    await expect(client.embeddings.create({ model: "fake-model", input: "x" })).rejects.toBeInstanceOf(
      RateLimitError,
    );
    await expect(client.models.retrieve("fake-model")).resolves.toBeDefined();
    upstream.configure({ fault: undefined });
    await expect(client.embeddings.create({ model: "fake-model", input: "x" })).resolves.toBeDefined();
  });
});

describe("hangs", () => {
  it("hangs without headers until the client times out, then frees the socket", async () => {
    upstream.fail("hang");
    const impatient = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: "k", maxRetries: 0, timeout: 150 });
    await expect(impatient.chat.completions.create({ model: "fake-model", messages })).rejects.toBeInstanceOf(
      APIConnectionTimeoutError,
    );
    await expectNothingLeaks();
  });

  it("sends the headers and the first chunk, then stalls until the client aborts", async () => {
    upstream.fail("hang-after-first");
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "fake-model", messages, stream: true },
      { signal: controller.signal },
    );
    const seen: string[] = [];
    const reading = (async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) seen.push(chunk.choices[0].delta.content);
      }
    })();
    await vi.waitFor(() => {
      expect(seen).toHaveLength(1);
    });
    controller.abort();
    await reading.catch(() => undefined);
    expect(seen).toHaveLength(1);
    await expectNothingLeaks();
  });

  it("hangs a non-streamed request and an abort frees it", async () => {
    const controller = new AbortController();
    const pending = client.chat.completions.create(
      { model: "fake-model@fault=hang", messages },
      { signal: controller.signal },
    );
    await vi.waitFor(() => {
      expect(upstream.inFlight).toBe(1);
    });
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expectNothingLeaks();
  });
});

describe("broken streams", () => {
  it("cuts the stream after half the chunks, without [DONE] or a finish_reason", async () => {
    const { contents, finishReasons, error } = await consume("fake-model@fault=cut");
    expect(contents).toHaveLength(5);
    expect(finishReasons).toEqual([]);
    expect(error).toBeInstanceOf(Error);
    await expectNothingLeaks();
  });

  it("sends a frame that is not JSON halfway, which the client fails to parse", async () => {
    const { contents, error } = await consume("fake-model@fault=malformed");
    expect(contents).toHaveLength(5);
    expect(error).toBeInstanceOf(SyntaxError);
  });

  it("streams everything and [DONE] but never a finish_reason for no-finish", async () => {
    const { contents, finishReasons, error } = await consume("fake-model@fault=no-finish");
    expect(error).toBeUndefined();
    expect(contents).toHaveLength(10);
    expect(finishReasons).toEqual([]);
    const completion = await client.chat.completions.create({
      model: "fake-model@fault=no-finish",
      messages,
    });
    expect(completion.choices[0]?.finish_reason).toBeNull();
  });

  it("cuts or garbles a non-streamed body", async () => {
    await expect(
      client.chat.completions.create({ model: "fake-model@fault=cut", messages }),
    ).rejects.toThrow();
    await expectNothingLeaks();
    await expect(
      client.chat.completions.create({ model: "fake-model@fault=malformed", messages }),
    ).rejects.toThrow(SyntaxError);
  });

  it("stops streaming and clears its timers when the client leaves mid-stream", async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "fake-model@chunks=50,delay=20", messages, stream: true },
      { signal: controller.signal },
    );
    let received = 0;
    await expect(
      (async () => {
        for await (const chunk of stream) {
          if (chunk.choices[0]?.delta.content && ++received === 2) controller.abort();
        }
      })(),
    ).resolves.toBeUndefined();
    expect(received).toBe(2);
    await expectNothingLeaks();
  });
});
