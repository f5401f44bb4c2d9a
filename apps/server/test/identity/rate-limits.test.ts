import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 100000 }, developer: { apiPerMinute: 5 } }),
  });
});
afterAll(async () => {
  await h.stop();
});

describe("per-principal rate limits", () => {
  it("limits a user per minute by role, with 429, Retry-After and RateLimit headers", async () => {
    const dev = await h.user("developer");
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 6; i++) {
      last = await h.call("GET", "/api/v1/me", { token: dev.token });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last?.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(last?.headers.get("ratelimit-limit")).toBe("5");
    expect(last?.headers.get("ratelimit-remaining")).toBe("0");
    expect((last?.body as { error: { code: string; details: { scope: string } } }).error).toMatchObject({
      code: "rate_limit.exceeded",
      details: { scope: "user" },
    });
  });

  it("counts an API key's requests against its owner too", async () => {
    const dev = await h.user("developer");
    const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
      token: dev.token,
      body: { name: "k", permissions: ["profile:read"] },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await h.call("GET", "/api/v1/me", { token: key.body.key })).status);
    // 1 request to create the key + 4 with the key = 5: the owner's sixth is refused.
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect((await h.call("GET", "/api/v1/me", { token: dev.token })).status).toBe(429);
  });

  it("keeps the default of 100 API requests per minute for roles not configured", async () => {
    const viewer = await h.user("viewer");
    const res = await h.call("GET", "/api/v1/me", { token: viewer.token });
    expect(res.headers.get("ratelimit-limit")).toBe("100");
  });
});
