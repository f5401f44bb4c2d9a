import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, startHarness, type Harness } from "../parley-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

interface Session {
  accessToken: string;
  refreshToken: string;
}

describe("parallel refreshes over HTTP", () => {
  it("answer every one of 8 parallel refreshes of one token with a working session, and keep it active", async () => {
    const login = await h.call<Session>("POST", "/api/v1/auth/login", { body: ADMIN });
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        h.call<Session>("POST", "/api/v1/auth/refresh", { body: { refreshToken: login.body.refreshToken } }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    for (const answer of answers) {
      expect((await h.call("GET", "/api/v1/me", { token: answer.body.accessToken })).status).toBe(200);
    }
    expect((await h.call("GET", "/api/v1/me", { token: login.body.accessToken })).status).toBe(200);
  });
});
