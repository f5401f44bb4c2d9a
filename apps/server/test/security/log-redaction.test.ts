import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/platform/logger.ts";
import { ADMIN, startHarness, type Harness } from "../parley-harness.ts";

/** Every line the server logs, at debug level, through the production logger. */
const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString("utf8"));
    done();
  },
});

let h: Harness;
beforeAll(async () => {
  const logger = createLogger({ level: "debug", base: {}, pretty: false, destination: capture });
  h = await startHarness({}, { logger });
});
afterAll(async () => {
  await h.stop();
});

interface Session {
  accessToken: string;
  refreshToken: string;
  csrfToken: string;
}

describe("request logs", () => {
  it("never contain a token, key, code or password used in the requests", async () => {
    const secrets: string[] = [ADMIN.password, h.adminToken];
    const team = await h.call<{ id: string }>("POST", "/api/v1/teams", {
      token: h.adminToken,
      body: { name: "Logged" },
    });
    const invite = await h.call<{ token: string }>("POST", `/api/v1/teams/${team.body.id}/invitations`, {
      token: h.adminToken,
      body: { role: "viewer" },
    });
    const invitation = invite.body.token;
    secrets.push(invitation);
    expect((await h.call("GET", `/api/v1/invitations/${invitation}`)).status).toBe(200);
    expect((await h.call("GET", `/invite/${invitation}`)).status).toBe(404);
    expect((await h.call("GET", `/api/v1/invitations/${invitation}x`)).status).toBe(404);
    const inviteePassword = "quiet harbour lantern morning";
    secrets.push(inviteePassword);
    const accepted = await h.call("POST", `/api/v1/invitations/${invitation}/accept`, {
      body: { email: "logged@parley.test", name: "Logged", password: inviteePassword },
    });
    expect(accepted.status).toBe(200);

    const login = await h.call<Session>("POST", "/api/v1/auth/login", { body: ADMIN });
    secrets.push(login.body.accessToken, login.body.refreshToken, login.body.csrfToken);
    const refreshed = await h.call<Session>("POST", "/api/v1/auth/refresh", {
      body: { refreshToken: login.body.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    secrets.push(refreshed.body.accessToken, refreshed.body.refreshToken, refreshed.body.csrfToken);
    const cookieRefresh = await fetch(`${h.url}/api/v1/auth/refresh`, {
      method: "POST",
      headers: { cookie: `parley_refresh=${refreshed.body.refreshToken}` },
    });
    expect(cookieRefresh.status).toBe(200);

    const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
      token: h.adminToken,
      body: { name: "logged", permissions: ["profile:read"] },
    });
    secrets.push(key.body.key);
    expect((await h.call("GET", "/api/v1/me", { token: key.body.key })).status).toBe(200);
    expect((await h.call("GET", `/api/v1/keys/${key.body.key}`, { token: h.adminToken })).status).toBe(404);
    expect((await h.call("GET", `/api/v1/me?api_key=${key.body.key}`)).status).toBe(401);

    const code = "oidc-code-4f9a1c2e8b7d6a5f";
    const state = "oidc-state-0e1d2c3b4a596877";
    secrets.push(code, state);
    await fetch(`${h.url}/api/v1/auth/oidc/corp/callback?code=${code}&state=${state}`, {
      redirect: "manual",
    });
    const badBearer = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLW9mLWEtc3RvbGVuLXRva2Vu";
    secrets.push(badBearer);
    expect((await h.call("GET", "/api/v1/me", { token: badBearer })).status).toBe(401);

    const log = lines.join("");
    expect(lines.some((l) => l.includes('"msg":"request"'))).toBe(true);
    expect(log).toContain("/api/v1/invitations/[redacted]");
    for (const secret of secrets)
      expect(log, `a secret was logged: ${secret.slice(0, 12)}...`).not.toContain(secret);
  });
});
