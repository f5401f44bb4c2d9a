import OpenAI, { NotFoundError, AuthenticationError, BadRequestError } from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_TEXT, startFakeUpstream, type FakeUpstream } from "./fake-upstream.ts";

let upstream: FakeUpstream;
let client: OpenAI;

beforeEach(async () => {
  upstream = await startFakeUpstream();
  client = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: "sk-test", maxRetries: 0 });
});

afterEach(async () => {
  await upstream.close();
});

const prompt = [{ role: "user" as const, content: "Say something." }];

async function collect(model: string, extra: Partial<OpenAI.ChatCompletionCreateParamsStreaming> = {}) {
  const stream = await client.chat.completions.create({ model, messages: prompt, stream: true, ...extra });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function rawPost(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${upstream.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

describe("OpenAI chat completions", () => {
  it("streams the default text as 50 content deltas after a role chunk, then stop and usage", async () => {
    const chunks = await collect("fake-model", { stream_options: { include_usage: true } });
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const contents = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? ""));
    expect(contents.filter((c) => c !== "")).toHaveLength(50);
    expect(contents.join("")).toBe(DEFAULT_TEXT);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({ prompt_tokens: 4, completion_tokens: 50, total_tokens: 54 });
  });

  it("leaves the usage chunk out unless the client asks for it", async () => {
    const chunks = await collect("fake-model");
    expect(chunks.every((c) => c.usage === undefined || c.usage === null)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("answers a non-streamed completion with the same text and usage", async () => {
    const completion = await client.chat.completions.create({ model: "fake-large", messages: prompt });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("fake-large");
    expect(completion.choices[0]?.message.content).toBe(DEFAULT_TEXT);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage).toEqual({ prompt_tokens: 4, completion_tokens: 50, total_tokens: 54 });
  });

  it("splits into the number of chunks a model directive or an x-fake header asks for", async () => {
    upstream.configure({ text: "one two three four five six" });
    const byDirective = await collect("fake-model@chunks=3");
    expect(byDirective.map((c) => c.choices[0]?.delta.content).filter(Boolean)).toEqual([
      "one two ",
      "three four ",
      "five six",
    ]);
    const viaHeader = await client.chat.completions.create(
      { model: "fake-model", messages: prompt, stream: true },
      { headers: { "x-fake-chunks": "2" } },
    );
    const pieces: string[] = [];
    for await (const chunk of viaHeader)
      if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
    expect(pieces).toEqual(["one two three ", "four five six"]);
  });

  it("waits the first-token delay and the chunk delay the directives ask for", async () => {
    const started = performance.now();
    const stream = await client.chat.completions.create({
      model: "fake-model@chunks=4,ttft=60,delay=20",
      messages: prompt,
      stream: true,
    });
    let firstAt = 0;
    for await (const chunk of stream)
      if (chunk.choices[0]?.delta.content && !firstAt) firstAt = performance.now();
    // Lower bounds only: the server cannot send earlier, but a busy client may notice later.
    expect(firstAt - started).toBeGreaterThanOrEqual(55);
    expect(performance.now() - started).toBeGreaterThanOrEqual(60 + 3 * 20 - 5);
  });

  it("answers with the text textFor computes from the request", async () => {
    upstream.configure({ textFor: (body) => `echo ${JSON.stringify(body.messages)}`, chunks: 1 });
    const completion = await client.chat.completions.create({ model: "fake-model", messages: prompt });
    expect(completion.choices[0]?.message.content).toBe(`echo ${JSON.stringify(prompt)}`);
  });

  it("cites the numbered sources of the system prompt with reply=cite, and says when there are none", async () => {
    const system =
      "Answer from these.\n\n[1] Guide.md › Setup\nInstall it.\n\n[2] Guide.md › Backups\nNightly.";
    const cited = await client.chat.completions.create({
      model: "fake-model@reply=cite",
      messages: [
        { role: "system", content: system },
        { role: "user", content: "How?" },
      ],
    });
    expect(cited.choices[0]?.message.content).toBe("From Guide.md › Setup [1]. From Guide.md › Backups [2].");
    // Configured for every request, and streamed like any text.
    upstream.configure({ reply: "cite", chunks: 2 });
    const stream = await client.chat.completions.create({
      model: "fake-model",
      stream: true,
      messages: [{ role: "developer", content: [{ type: "text", text: "[7] Notes" }] }, ...prompt],
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("From Notes [7].");
    const bare = await client.chat.completions.create({ model: "fake-model", messages: prompt });
    expect(bare.choices[0]?.message.content).toBe("There are no numbered sources to cite.");
  });

  it("gives the same bytes to the same request, even from another server", async () => {
    const body = { model: "fake-model@chunks=7", messages: prompt, stream: true };
    const first = await (await rawPost("/v1/chat/completions", body)).text();
    const second = await (await rawPost("/v1/chat/completions", body)).text();
    const other = await startFakeUpstream();
    try {
      const third = await (
        await fetch(`${other.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify(body) })
      ).text();
      expect(second).toBe(first);
      expect(third).toBe(first);
    } finally {
      await other.close();
    }
  });
});

describe("OpenAI tools and JSON mode", () => {
  const tools: OpenAI.ChatCompletionTool[] = [
    {
      type: "function",
      function: {
        name: "get_weather",
        parameters: {
          type: "object",
          properties: { city: { type: "string" }, days: { type: "integer" } },
          required: ["city"],
        },
      },
    },
    { type: "function", function: { name: "other", parameters: { type: "object", properties: {} } } },
  ];

  it("calls the first tool with arguments built from its schema, streamed as tool_call deltas", async () => {
    const chunks = await collect("fake-model@chunks=4", { tools });
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, type: "function", function: { name: "get_weather" } });
    expect(calls[0]?.id).toMatch(/^call_/);
    expect(calls.map((call) => call.function?.arguments ?? "").join("")).toBe('{"city":"fake city"}');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("answers a non-streamed tool call, the tool tool_choice names, and text after a tool result", async () => {
    const first = await client.chat.completions.create({ model: "fake-model", messages: prompt, tools });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({ city: "fake city" });
    const chosen = await client.chat.completions.create({
      model: "fake-model",
      messages: prompt,
      tools,
      tool_choice: { type: "function", function: { name: "other" } },
    });
    const other = chosen.choices[0]?.message.tool_calls?.[0];
    expect(other?.type === "function" && other.function).toEqual({ name: "other", arguments: "{}" });
    const after = await client.chat.completions.create({
      model: "fake-model",
      tools,
      messages: [
        ...prompt,
        { role: "assistant", tool_calls: first.choices[0]?.message.tool_calls ?? [] },
        { role: "tool", tool_call_id: call?.id ?? "", content: "sunny" },
      ],
    });
    expect(after.choices[0]?.finish_reason).toBe("stop");
    expect(after.choices[0]?.message.content).toBe(DEFAULT_TEXT);
  });

  it("answers a JSON object in json_object mode and a sample of the schema in json_schema mode", async () => {
    upstream.configure({ text: "short", chunks: 3 });
    const object = await client.chat.completions.create({
      model: "fake-model",
      messages: prompt,
      response_format: { type: "json_object" },
    });
    expect(JSON.parse(object.choices[0]?.message.content ?? "")).toEqual({ answer: "short" });
    const schema = {
      type: "object",
      properties: { title: { type: "string" }, tags: { type: "array" }, done: { type: "boolean" } },
      required: ["title", "tags", "done"],
      additionalProperties: false,
    };
    const chunks = await collect("fake-model", {
      response_format: { type: "json_schema", json_schema: { name: "note", schema, strict: true } },
    });
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(JSON.parse(content)).toEqual({ title: "fake title", tags: [], done: true });
  });
});

describe("OpenAI embeddings, models and errors", () => {
  it("returns deterministic unit vectors, as floats or as the client's default base64", async () => {
    const viaClient = await client.embeddings.create({ model: "fake-model", input: ["a", "b", "a"] });
    const vectors = viaClient.data.map((d) => d.embedding);
    expect(vectors.map((v) => v.length)).toEqual([8, 8, 8]);
    expect(vectors[2]).toEqual(vectors[0]);
    expect(vectors[1]).not.toEqual(vectors[0]);
    expect(Math.hypot(...(vectors[0] ?? []))).toBeCloseTo(1, 5);
    const floats = await (
      await rawPost("/v1/embeddings", { model: "fake-model", input: "a", encoding_format: "float" })
    ).json();
    expect(floats).toMatchObject({ object: "list", data: [{ index: 0, embedding: vectors[0] }] });
    const sized = await client.embeddings.create({ model: "fake-model", input: "a", dimensions: 40 });
    expect(sized.data[0]?.embedding).toHaveLength(40);
    expect(sized.usage).toEqual({ prompt_tokens: 1, total_tokens: 1 });
  });

  it("embeds as a bag of words, so texts sharing words score higher than unrelated ones", async () => {
    const texts = [
      "Which gas do stars fuse in their core?",
      "A star fuses hydrogen into helium in its core.",
      "Backups run nightly; restore them with pg_restore.",
    ];
    const { data } = await client.embeddings.create({ model: "fake-model@dims=128", input: texts });
    const [query, related, unrelated] = data.map((d) => d.embedding);
    expect(query).toHaveLength(128);
    const cosine = (a: number[] = [], b: number[] = []) => a.reduce((sum, v, i) => sum + v * (b[i] ?? 0), 0);
    expect(cosine(query, related)).toBeGreaterThan(0.3);
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.3);
    // The request's `dimensions` wins over the model's `dims` directive.
    const sized = await client.embeddings.create({
      model: "fake-model@dims=128",
      input: "x",
      dimensions: 12,
    });
    expect(sized.data[0]?.embedding).toHaveLength(12);
  });

  it("lists and retrieves the configured models", async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(["fake-model", "fake-large"]);
    expect(await client.models.retrieve("fake-large")).toMatchObject({ id: "fake-large", object: "model" });
    await expect(client.models.retrieve("gpt-9")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("rejects an unknown model with model_not_found and a missing model or messages with 400", async () => {
    await expect(client.chat.completions.create({ model: "gpt-9", messages: prompt })).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
    const missing = await rawPost("/v1/chat/completions", { messages: prompt });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { type: "invalid_request_error", param: "model" } });
    await expect(
      client.chat.completions.create({ model: "fake-model", messages: [] }),
    ).rejects.toBeInstanceOf(BadRequestError);
    await expect(
      client.chat.completions.create({ model: "fake-model@fault=typo", messages: prompt }),
    ).rejects.toThrow(/unknown fault "typo"/);
  });

  it("checks the API key when one is configured", async () => {
    upstream.configure({ apiKey: "sk-right" });
    await expect(
      client.chat.completions.create({ model: "fake-model", messages: prompt }),
    ).rejects.toBeInstanceOf(AuthenticationError);
    const right = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: "sk-right", maxRetries: 0 });
    await expect(
      right.chat.completions.create({ model: "fake-model", messages: prompt }),
    ).resolves.toBeDefined();
  });

  it("logs every request with its headers and parsed body until resetLog", async () => {
    await client.chat.completions.create({ model: "fake-model", messages: prompt });
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]).toMatchObject({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { authorization: "Bearer sk-test" },
      body: { model: "fake-model", messages: prompt },
    });
    upstream.resetLog();
    expect(upstream.requests).toHaveLength(0);
  });
});
