import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

async function raw(path: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${h.url}${path}`, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Non-JSON bodies fail the assertion below.
  }
  return { status: res.status, body };
}

const isEnvelope = (body: unknown) =>
  typeof body === "object" &&
  body !== null &&
  typeof (body as { error?: { code?: unknown } }).error?.code === "string";

describe("auth endpoints under random input", () => {
  it("answer login and refresh garbage with a 4xx envelope, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout"),
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.record({ email: fc.string(), password: fc.string() }).map((v) => JSON.stringify(v)),
          fc.record({ refreshToken: fc.string({ maxLength: 600 }) }).map((v) => JSON.stringify(v)),
          fc.string(),
        ),
        async (path, body) => {
          const res = await raw(path, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          });
          expect(res.status, `${path} ${body}`).toBeLessThan(500);
          if (res.status >= 400) expect(isEnvelope(res.body), `${path} ${body}`).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("answers random Authorization headers with 401, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }).map((s) => `Bearer ${s.replace(/[\r\n\0]/g, "")}`),
          fc.string({ maxLength: 100 }).map((s) => `pk_${s.replace(/[\r\n\0]/g, "")}`),
          fc.base64String().map((s) => `Bearer ${s}.${s}.${s}`),
          fc.string({ maxLength: 200 }).map((s) => s.replace(/[\r\n\0]/g, "")),
        ),
        async (authorization) => {
          let res;
          try {
            res = await raw("/api/v1/me", { headers: { authorization } });
          } catch {
            return; // the HTTP client itself refused the header
          }
          expect(res.status, authorization).toBe(401);
          expect(isEnvelope(res.body)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
