import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";

const TIMEOUT_MS = 400;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ PARLEY_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) });
});
afterAll(async () => {
  await h.stop();
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
});
