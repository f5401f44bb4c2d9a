import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, startHarness, type Harness } from "../parley-harness.ts";

/**
 * Behind one reverse proxy that appends the client's address to `X-Forwarded-For`, the client
 * writes whatever it likes before that address. With `PARLEY_TRUST_PROXY=1` only the proxy's
 * entry counts, so rotating the rest neither escapes the sign-in limits nor locks someone else out.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ PARLEY_TRUST_PROXY: "1" });
});
afterAll(async () => {
  await h.stop();
});

const attempt = (forwardedFor: string, password: string) =>
  h.call("POST", "/api/v1/auth/login", {
    body: { email: ADMIN.email, password },
    headers: { "x-forwarded-for": forwardedFor },
  });

describe("PARLEY_TRUST_PROXY as a hop count", () => {
  it("counts attempts by the address the proxy appended, whatever the client wrote before it", async () => {
    const answers = [];
    for (let i = 0; i < 14; i++)
      answers.push((await attempt(`10.9.0.${i}, 203.0.113.7`, "wrong password here")).status);
    expect(answers.filter((s) => s === 401)).toHaveLength(10);
    expect(answers.filter((s) => s === 429)).toHaveLength(4);
  });

  it("lets the owner in from their own address while a stranger forges it in front of theirs", async () => {
    for (let i = 0; i < 12; i++) await attempt("198.51.100.1, 203.0.113.9", "wrong password here");
    expect((await attempt("198.51.100.1", ADMIN.password)).status).toBe(200);
  });
});
