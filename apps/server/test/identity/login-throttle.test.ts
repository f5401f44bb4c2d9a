import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryRateLimiter } from "../../src/platform/rate-limit/memory-rate-limiter.ts";
import { RedisRateLimiter } from "../../src/platform/rate-limit/redis-rate-limiter.ts";
import { startHarness, type Answer, type Harness } from "../parley-harness.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";

interface Outcome {
  status: number;
  code: string | null;
  retryAfter: string | null;
}

/** Sign-in attempts sent all at once, each from the IP it names (the server trusts the proxy). */
async function signInAtOnce(
  h: Harness,
  attempts: { email: string; password: string; ip: string }[],
): Promise<Outcome[]> {
  const answers: Answer<{ error?: { code: string } }>[] = await Promise.all(
    attempts.map((a) =>
      h.call<{ error?: { code: string } }>("POST", "/api/v1/auth/login", {
        body: { email: a.email, password: a.password },
        headers: { "x-forwarded-for": a.ip },
      }),
    ),
  );
  return answers.map((a) => ({
    status: a.status,
    code: a.body.error?.code ?? null,
    retryAfter: a.headers.get("retry-after"),
  }));
}

/** The attempts whose password was looked at: signed in, or refused as wrong. */
const evaluated = (outcomes: Outcome[]) =>
  outcomes.filter((o) => o.status === 200 || o.code === "auth.invalid_credentials");

function expectLocked(outcomes: Outcome[], count: number): void {
  const locked = outcomes.filter((o) => o.code === "auth.locked");
  expect(locked).toHaveLength(count);
  for (const o of locked) {
    expect(o.status).toBe(429);
    expect(o.retryAfter).toMatch(/^[1-9]\d*$/);
  }
}

describe.each([
  { shape: "embedded", redis: false },
  { shape: "Redis", redis: true },
])("sign-in limits under concurrency ($shape)", ({ redis }) => {
  let h: Harness;
  const namespace = uniqueId("login");
  beforeAll(async () => {
    h = await startHarness({
      PARLEY_TRUST_PROXY: "true",
      ...(redis ? { PARLEY_REDIS_URL: testServices.redisUrl, PARLEY_NAMESPACE: namespace } : {}),
    });
    expect(h.parley.platform.rateLimiter).toBeInstanceOf(redis ? RedisRateLimiter : MemoryRateLimiter);
  });
  afterAll(async () => {
    await h.stop();
    if (redis) await cleanupNamespace(namespace);
  });

  it("evaluates at most 10 of 100 simultaneous sign-ins to one account from one IP, the right one included", async () => {
    const dev = await h.user("developer");
    const attempts = Array.from({ length: 100 }, (_, i) => ({
      email: dev.email,
      password: i === 50 ? dev.password : `wrong password ${i}`,
      ip: "203.0.113.10",
    }));
    const outcomes = await signInAtOnce(h, attempts);
    expect(evaluated(outcomes)).toHaveLength(10);
    expectLocked(outcomes, 90);
    // Every refusal is audited, with its reason.
    await expect
      .poll(async () => {
        const page = await h.call<{ items: { actor: { email: string }; summary: { reason: string } }[] }>(
          "GET",
          "/api/v1/audit?action=auth.login_failed&limit=200",
          { token: h.adminToken },
        );
        const mine = page.body.items.filter((e) => e.actor.email === dev.email);
        return mine.map((e) => e.summary.reason).sort();
      })
      .toEqual(
        [
          ...Array<string>(90).fill("locked"),
          ...Array<string>(outcomes.filter((o) => o.code === "auth.invalid_credentials").length).fill(
            "wrong_password",
          ),
        ].sort(),
      );
  });

  it("evaluates at most 50 of 100 simultaneous sign-ins from one IP across accounts", async () => {
    const attempts = Array.from({ length: 100 }, (_, i) => ({
      email: `nobody-${i}-${uniqueId()}@parley.test`,
      password: "some password",
      ip: "203.0.113.20",
    }));
    const outcomes = await signInAtOnce(h, attempts);
    expect(evaluated(outcomes)).toHaveLength(50);
    expectLocked(outcomes, 50);
  });

  it("lets the owner sign in from their IP while a stranger hammers the account from another", async () => {
    const dev = await h.user("developer");
    const stranger = Array.from({ length: 100 }, (_, i) => ({
      email: dev.email,
      password: `guess ${i}`,
      ip: "198.51.100.66",
    }));
    const owner = { email: dev.email, password: dev.password, ip: "192.0.2.44" };
    const outcomes = await signInAtOnce(h, [...stranger, owner]);
    expect(outcomes.at(-1)).toMatchObject({ status: 200 });
    expect(evaluated(outcomes.slice(0, -1))).toHaveLength(10);
    // Afterwards too: the stranger's IP stays locked, the owner's does not.
    const [strangerAgain, ownerAgain] = await signInAtOnce(h, [stranger[0] ?? owner, owner]);
    expect(strangerAgain).toMatchObject({ status: 429, code: "auth.locked" });
    expect(ownerAgain).toMatchObject({ status: 200 });
  });
});
