import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";
import { rawRequest, type RawAnswer } from "./raw-http.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const get = (target: string, extraHeaders = "") =>
  rawRequest(h.url, `GET ${target} HTTP/1.1\r\nHost: parley\r\n${extraHeaders}Connection: close\r\n\r\n`);
const post = (target: string, contentType: string, body: string) =>
  rawRequest(
    h.url,
    `POST ${target} HTTP/1.1\r\nHost: parley\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );

/** The answer is the JSON error envelope with `code`, under `status`, with the security headers. */
function expectEnvelope(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers["content-type"]).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(answer.headers["x-content-type-options"]).toBe("nosniff");
  expect(answer.headers["content-security-policy"]).toContain("default-src 'self'");
  expect(answer.headers["x-frame-options"]).toBe("SAMEORIGIN");
}

describe("errors raised before a route runs", () => {
  it("answers a URL with bad percent-encoding with 400 request.bad_url", async () => {
    expectEnvelope(await get("/api/v1/users/%E0%A4%A"), 400, "request.bad_url");
  });

  it("answers an overlong path segment with 414 request.uri_too_long", async () => {
    expectEnvelope(await get(`/api/v1/users/${"a".repeat(300)}`), 414, "request.uri_too_long");
  });

  it("answers a URL longer than the header limit with 431 request.headers_too_large", async () => {
    expectEnvelope(await get(`/api/v1/users?q=${"a".repeat(20_000)}`), 431, "request.headers_too_large");
  });

  it("answers an oversized header with 431 request.headers_too_large", async () => {
    expectEnvelope(
      await get("/healthz", `X-Big: ${"b".repeat(20_000)}\r\n`),
      431,
      "request.headers_too_large",
    );
  });

  it("answers a request the HTTP parser cannot read with 400 request.invalid", async () => {
    expectEnvelope(await rawRequest(h.url, "NOT HTTP AT ALL\r\n\r\n"), 400, "request.invalid");
  });

  it("answers malformed JSON with 400 request.malformed_json", async () => {
    expectEnvelope(
      await post("/api/v1/auth/login", "application/json", "{bad"),
      400,
      "request.malformed_json",
    );
  });

  it("answers an unsupported content type with 415 request.unsupported_media_type", async () => {
    expectEnvelope(
      await post("/api/v1/auth/login", "application/xml", "<a/>"),
      415,
      "request.unsupported_media_type",
    );
  });

  it("sends the security headers on answers refused by authentication", async () => {
    expectEnvelope(await get("/api/v1/me"), 401, "auth.required");
  });

  it("sends them on the errors of a route that sets its own headers (the event stream)", async () => {
    expectEnvelope(await get(`/api/v1/conversations/${"c".repeat(36)}/events`), 401, "auth.required");
  });
});
