import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, startHarness, type Harness } from "../parley-harness.ts";

let h: Harness;
beforeAll(async () => {
  // No reuse grace: a repeated refresh token is theft at once (the grace: security/parallel-refresh).
  h = await startHarness({ PARLEY_REFRESH_REUSE_GRACE_MS: "0" });
});
afterAll(async () => {
  await h.stop();
});

interface Tokens {
  accessToken: string;
  refreshToken: string;
  csrfToken: string;
  user: { email: string; globalRole: string };
}
const errorCode = (body: unknown) => (body as { error: { code: string } }).error.code;

describe("password sign-in", () => {
  it("returns tokens and sets httpOnly, SameSite cookies", async () => {
    const res = await fetch(`${h.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: ADMIN.email.toUpperCase(), password: ADMIN.password }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Tokens;
    expect(body.user).toMatchObject({ email: ADMIN.email, globalRole: "admin" });
    expect(body.accessToken.split(".")).toHaveLength(3);
    expect(body.refreshToken).toMatch(/^rt_/);
    const cookies = res.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith("parley_access="))).toMatch(
      /HttpOnly.*SameSite=Lax|SameSite=Lax.*HttpOnly/,
    );
    expect(cookies.find((c) => c.startsWith("parley_refresh="))).toMatch(/Path=\/api\/v1\/auth/);
    expect(cookies.find((c) => c.startsWith("parley_refresh="))).toContain("SameSite=Strict");
    expect(cookies.find((c) => c.startsWith("parley_csrf="))).not.toContain("HttpOnly");
  });

  it("answers wrong passwords and unknown emails alike", async () => {
    const wrong = await h.call("POST", "/api/v1/auth/login", {
      body: { email: ADMIN.email, password: "nope-nope-nope" },
    });
    const unknown = await h.call("POST", "/api/v1/auth/login", {
      body: { email: "ghost@parley.test", password: "nope-nope-nope" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (b: unknown) => ({ ...(b as { error: object }).error, requestId: undefined });
    expect(strip(wrong.body)).toEqual(strip(unknown.body));
    expect(errorCode(wrong.body)).toBe("auth.invalid_credentials");
  });

  it("rejects malformed sign-in bodies with 400", async () => {
    for (const body of [
      {},
      { email: "not-an-email", password: "x" },
      { email: ADMIN.email },
      { email: ADMIN.email, password: "x", extra: 1 },
    ]) {
      const res = await h.call("POST", "/api/v1/auth/login", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorCode(res.body)).toBe("validation.failed");
    }
  });
});

describe("refresh tokens", () => {
  it("rotates: each refresh token works once and yields a new pair", async () => {
    const first = await h.call<Tokens>("POST", "/api/v1/auth/login", { body: ADMIN });
    const second = await h.call<Tokens>("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: first.body.refreshToken },
    });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
    const me = await h.call("GET", "/api/v1/me", { token: second.body.accessToken });
    expect(me.status).toBe(200);
  });

  it("revokes the whole family when an old refresh token is reused", async () => {
    const login = await h.call<Tokens>("POST", "/api/v1/auth/login", { body: ADMIN });
    const rotated = await h.call<Tokens>("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: login.body.refreshToken },
    });
    const replay = await h.call("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: login.body.refreshToken },
    });
    expect(replay.status).toBe(401);
    expect(errorCode(replay.body)).toBe("auth.invalid_token");
    // The thief's replay also ends the legitimate holder's session.
    const next = await h.call("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: rotated.body.refreshToken },
    });
    expect(next.status).toBe(401);
    const me = await h.call("GET", "/api/v1/me", { token: rotated.body.accessToken });
    expect(me.status).toBe(401);
    const audit = await h.call<{ items: { action: string }[] }>(
      "GET",
      "/api/v1/audit?action=auth.refresh_reuse",
      { token: h.adminToken },
    );
    expect(audit.body.items.length).toBeGreaterThan(0);
  });

  it("refreshes from the cookie alone, with no body (as the web app does)", async () => {
    const login = await fetch(`${h.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(";")[0] ?? "")
      .join("; ");
    const refreshed = await fetch(`${h.url}/api/v1/auth/refresh`, { method: "POST", headers: { cookie } });
    expect(refreshed.status).toBe(200);
  });

  it("logs out: the session's access and refresh tokens stop working", async () => {
    const login = await h.call<Tokens>("POST", "/api/v1/auth/login", { body: ADMIN });
    const out = await h.call("POST", "/api/v1/auth/logout", {
      token: login.body.accessToken,
      body: { refreshToken: login.body.refreshToken },
    });
    expect(out.status).toBe(204);
    expect((await h.call("GET", "/api/v1/me", { token: login.body.accessToken })).status).toBe(401);
    expect(
      (await h.call("POST", "/api/v1/auth/refresh", { body: { refreshToken: login.body.refreshToken } }))
        .status,
    ).toBe(401);
  });
});

describe("cookie sessions", () => {
  async function cookieSession(): Promise<{ cookie: string; csrf: string }> {
    const res = await fetch(`${h.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    const cookies = res.headers.getSetCookie().map((c) => c.split(";")[0] ?? "");
    const csrf = cookies.find((c) => c.startsWith("parley_csrf="))?.split("=")[1] ?? "";
    return { cookie: cookies.join("; "), csrf };
  }

  it("authenticates reads by cookie and requires the CSRF token on unsafe methods", async () => {
    const { cookie, csrf } = await cookieSession();
    const me = await h.call("GET", "/api/v1/me", { headers: { cookie } });
    expect(me.status).toBe(200);
    const body = { name: "csrf team" };
    const without = await h.call("POST", "/api/v1/teams", { headers: { cookie }, body });
    expect(without.status).toBe(403);
    expect(errorCode(without.body)).toBe("auth.csrf_failed");
    const wrong = await h.call("POST", "/api/v1/teams", {
      headers: { cookie, "x-csrf-token": `${csrf}x` },
      body,
    });
    expect(wrong.status).toBe(403);
    const right = await h.call("POST", "/api/v1/teams", { headers: { cookie, "x-csrf-token": csrf }, body });
    expect(right.status).toBe(201);
  });

  it("does not ask bearer-token clients for a CSRF token", async () => {
    const res = await h.call("POST", "/api/v1/teams", { token: h.adminToken, body: { name: "bearer team" } });
    expect(res.status).toBe(201);
  });
});

describe("forged and malformed tokens", () => {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const claims = () => ({
    sub: "x",
    sid: "y",
    iss: "parley",
    aud: "parley-api",
    exp: Math.floor(Date.now() / 1000) + 600,
  });

  it.each([
    ["alg none", `${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.`],
    [
      "wrong key",
      (() => {
        const head = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims())}`;
        return `${head}.${createHmac("sha256", "not-the-key").update(head).digest("base64url")}`;
      })(),
    ],
    ["garbage", "not.a.jwt"],
    ["expired-looking", `${b64({ alg: "HS256" })}.${b64({ ...claims(), exp: 1 })}.sig`],
    ["bad api key", "pk_00000000-0000-0000-0000-000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
  ])("rejects %s with 401 auth.invalid_token", async (_name, token) => {
    const res = await h.call("GET", "/api/v1/me", { token });
    expect(res.status).toBe(401);
    expect(errorCode(res.body)).toBe("auth.invalid_token");
  });

  it("rejects an Authorization header that is not a bearer token", async () => {
    const res = await h.call("GET", "/api/v1/me", { headers: { authorization: "Basic YWxhZGRpbjpvcGVu" } });
    expect(res.status).toBe(401);
  });

  it("answers 401 auth.required without credentials", async () => {
    const res = await h.call("GET", "/api/v1/me");
    expect(res.status).toBe(401);
    expect(errorCode(res.body)).toBe("auth.required");
  });
});
