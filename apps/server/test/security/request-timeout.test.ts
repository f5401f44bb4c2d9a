import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";

const TIMEOUT_MS = 400;
let h: Harness;
let fake: FakeUpstream;
beforeAll(async () => {
  // Six chunks 150 ms apart: a streamed completion lasts more than twice the timeout.
  fake = await startFakeUpstream({ chunks: 6, chunkDelayMs: 150 });
  h = await startHarness({
    PARLEY_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
    PARLEY_PROVIDERS: fakeProviders(fake.url),
  });
});
afterAll(async () => {
  await h.stop();
  await fake.close();
});

/** A raw connection that records what it receives and whether the server closed it. */
function open(request: string): { socket: Socket; received: () => string; closed: Promise<void> } {
  const url = new URL(h.url);
  const socket = connect(Number(url.port), url.hostname, () => socket.write(request));
  let text = "";
  socket.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  const closed = new Promise<void>((resolve) =>
    socket.on("close", () => {
      resolve();
    }),
  );
  return { socket, received: () => text, closed };
}

describe("request timeout", () => {
  it("answers 408 request.timeout and closes a connection whose body stops arriving", async () => {
    const stalled = open(
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: parley\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"email":',
    );
    await stalled.closed;
    const text = stalled.received();
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text.toLowerCase()).toContain("x-content-type-options: nosniff");
    expect(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4))).toMatchObject({
      error: { code: "request.timeout" },
    });
  });

  it("does not cut an event stream held open past the timeout", async () => {
    const conversation = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
      token: h.adminToken,
      body: { title: "held" },
    });
    const stream = open(
      `GET /api/v1/conversations/${conversation.body.id}/events HTTP/1.1\r\nHost: parley\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${h.adminToken}\r\n\r\n`,
    );
    // A stalled request opened after the stream is timed out first: by then the stream has been
    // open for longer than the timeout.
    const stalled = open(
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: parley\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
    );
    await stalled.closed;
    expect(stalled.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(stream.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(stream.socket.destroyed).toBe(false);
    stream.socket.destroy();
  });

  it("does not cut a streamed completion that lasts longer than the timeout", async () => {
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${h.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "fake/fake-model",
        stream: true,
        messages: [{ role: "user", content: "hello" }],
      }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.match(/^data: \{/gm)?.length).toBeGreaterThanOrEqual(6);
    expect(text).toContain("data: [DONE]");
  });
});
