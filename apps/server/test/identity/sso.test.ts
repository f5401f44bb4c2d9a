import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";
import { startIdp, TestBrowser, type TestIdp } from "./oidc-idp.ts";

let corp: TestIdp;
let partner: TestIdp;
let h: Harness;

beforeAll(async () => {
  // The providers' ports are known first; Parley's callback only once Parley listens.
  [corp, partner] = await Promise.all([startIdp(), startIdp({ idTokenClaims: true })]);
  h = await startHarness({
    PARLEY_OIDC_PROVIDERS: JSON.stringify([
      {
        id: "corp",
        name: "Corp SSO",
        issuer: corp.issuer,
        clientId: corp.clientId,
        clientSecret: corp.clientSecret,
        scopes: "openid email profile groups",
        defaultRole: null,
        groupMappings: [
          { group: "engineering", globalRole: "developer", team: "engineering", teamRole: "developer" },
          { group: "eng-leads", team: "engineering", teamRole: "admin" },
          { group: "ops", globalRole: "operator", team: "ops", teamRole: "operator" },
        ],
      },
      {
        id: "partner",
        name: "Partner IdP",
        issuer: partner.issuer,
        clientId: partner.clientId,
        clientSecret: partner.clientSecret,
        scopes: "openid email profile groups",
        groupMappings: [{ group: "writers", team: "partner-writers", teamRole: "viewer" }],
      },
    ]),
  });
  corp.register(`${h.url}/api/v1/auth/oidc/corp/callback`);
  partner.register(`${h.url}/api/v1/auth/oidc/partner/callback`);
});
afterAll(async () => {
  await h.stop();
  await Promise.all([corp.stop(), partner.stop()]);
});

interface Me {
  user: { id: string; email: string; name: string; globalRole: string; hasPassword: boolean };
  teams: { slug: string; role: string }[];
}
interface AuditItem {
  action: string;
  summary: Record<string, unknown>;
}

const callbackOf = (provider: string) => `${h.url}/api/v1/auth/oidc/${provider}/callback`;

/** Signs in through the provider's pages up to, not including, Parley's callback. */
async function reachCallback(
  browser: TestBrowser,
  provider: string,
  login: string,
  returnTo?: string,
): Promise<URL> {
  const query = returnTo === undefined ? "" : `?returnTo=${encodeURIComponent(returnTo)}`;
  return browser.signInAtIdp(
    `${h.url}/api/v1/auth/oidc/${provider}/start${query}`,
    login,
    callbackOf(provider),
  );
}

/** The whole sign-in in a fresh browser; returns the browser and Parley's answer to the callback. */
async function signIn(
  provider: string,
  login: string,
  returnTo?: string,
): Promise<{ browser: TestBrowser; res: Response }> {
  const browser = new TestBrowser();
  const callback = await reachCallback(browser, provider, login, returnTo);
  return { browser, res: await browser.request(callback) };
}

async function me(browser: TestBrowser): Promise<Me> {
  const res = await browser.request(`${h.url}/api/v1/me`);
  expect(res.status).toBe(200);
  return (await res.json()) as Me;
}

async function audit(action: string): Promise<AuditItem[]> {
  const res = await h.call<{ items: AuditItem[] }>("GET", `/api/v1/audit?action=${action}&limit=200`, {
    token: h.adminToken,
  });
  expect(res.status).toBe(200);
  return res.body.items;
}

async function usersMatching(q: string): Promise<{ id: string; email: string }[]> {
  const res = await h.call<{ items: { id: string; email: string }[] }>(
    "GET",
    `/api/v1/users?q=${encodeURIComponent(q)}`,
    {
      token: h.adminToken,
    },
  );
  return res.body.items;
}

describe("OpenID Connect sign-in", () => {
  it("lists the configured providers for the login page", async () => {
    const res = await h.call("GET", "/api/v1/auth/providers");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        { id: "corp", name: "Corp SSO" },
        { id: "partner", name: "Partner IdP" },
      ],
    });
  });

  it("sends the browser to the provider with PKCE (S256), state and nonce", async () => {
    const res = await new TestBrowser().request(`${h.url}/api/v1/auth/oidc/corp/start`);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location") ?? "");
    expect(location.origin).toBe(corp.issuer);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      client_id: "parley",
      response_type: "code",
      redirect_uri: callbackOf("corp"),
      code_challenge_method: "S256",
      scope: "openid email profile groups",
    });
    for (const p of ["code_challenge", "state", "nonce"])
      expect(location.searchParams.get(p)).toMatch(/^[\w-]{43}$/);
    expect(res.headers.getSetCookie().find((c) => c.startsWith("parley_sso_state="))).toMatch(/HttpOnly/);
  });

  it("creates the user just in time with the mapped role and team, and a working session", async () => {
    corp.accounts.set("alice", {
      email: "Alice@Corp.test",
      name: "Alice Liddell",
      groups: ["engineering", "unrelated"],
    });
    const { browser, res } = await signIn("corp", "alice", "/chat/42?tab=files");

    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/chat/42?tab=files");
    const cookies = res.headers.getSetCookie();
    for (const name of ["parley_access", "parley_refresh", "parley_csrf"]) {
      expect(cookies.some((c) => c.startsWith(`${name}=`))).toBe(true);
    }
    const profile = await me(browser);
    expect(profile.user).toMatchObject({
      email: "alice@corp.test",
      name: "Alice Liddell",
      globalRole: "developer",
      hasPassword: false,
    });
    expect(profile.teams).toEqual([expect.objectContaining({ slug: "engineering", role: "developer" })]);

    const logins = await audit("auth.login");
    expect(logins.find((e) => e.summary.provider === "corp")?.summary).toMatchObject({
      method: "oidc",
      created: true,
    });
    expect((await audit("user.created")).some((e) => e.summary.email === "alice@corp.test")).toBe(true);
  });

  it("reuses the account on the next sign-in and re-applies changed groups", async () => {
    corp.accounts.set("bruno", { email: "bruno@corp.test", name: "Bruno", groups: ["engineering"] });
    const first = await signIn("corp", "bruno");
    const before = await me(first.browser);

    corp.accounts.set("bruno", { email: "bruno@corp.test", name: "Bruno", groups: ["ops", "eng-leads"] });
    const second = await signIn("corp", "bruno");
    expect(second.res.headers.get("location")).toBe("/");
    const after = await me(second.browser);
    expect(after.user.id).toBe(before.user.id);
    expect(after.user.globalRole).toBe("operator");
    expect(after.teams.map((t) => [t.slug, t.role]).sort()).toEqual([
      ["engineering", "admin"],
      ["ops", "operator"],
    ]);

    // Leaving a mapped group removes the membership of its team.
    corp.accounts.set("bruno", { email: "bruno@corp.test", name: "Bruno", groups: ["ops"] });
    const third = await signIn("corp", "bruno");
    expect((await me(third.browser)).teams.map((t) => t.slug)).toEqual(["ops"]);
    expect(await usersMatching("bruno@corp.test")).toHaveLength(1);
  });

  it("links an existing account with the same email instead of creating another", async () => {
    const existing = await h.user("viewer", "carmen");
    corp.accounts.set("carmen", { email: existing.email, name: "Carmen", groups: ["engineering"] });
    const { browser, res } = await signIn("corp", "carmen");
    expect(res.status).toBe(302);
    const profile = await me(browser);
    expect(profile.user).toMatchObject({ id: existing.id, hasPassword: true, globalRole: "developer" });
  });

  it("keeps an existing account's role when no group mapping decides it (the default role is for new accounts)", async () => {
    const existing = await h.user("admin", "root");
    partner.accounts.set("root", { email: existing.email, name: "Root", groups: ["writers"] });
    const { browser } = await signIn("partner", "root");
    expect((await me(browser)).user).toMatchObject({ id: existing.id, globalRole: "admin" });
  });

  it("reads email and groups from the ID token when the provider puts them there", async () => {
    partner.accounts.set("dora", { email: "dora@partner.test", name: "Dora", groups: ["writers"] });
    const userinfoCalls = partner.hits.get("/me") ?? 0;
    const { browser, res } = await signIn("partner", "dora");
    expect(res.headers.get("location")).toBe("/");
    const profile = await me(browser);
    // No mapping grants a global role: the provider's default (viewer) applies.
    expect(profile.user.globalRole).toBe("viewer");
    expect(profile.teams).toEqual([expect.objectContaining({ slug: "partner-writers", role: "viewer" })]);
    expect(partner.hits.get("/me") ?? 0).toBe(userinfoCalls);
  });
});

describe("refused sign-ins", () => {
  it("refuses a user whose groups map to nothing when there is no default role", async () => {
    corp.accounts.set("eve", { email: "eve@corp.test", name: "Eve", groups: ["marketing"] });
    const { res } = await signIn("corp", "eve");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?error=auth.sso_failed");
    expect(res.headers.getSetCookie().some((c) => c.startsWith("parley_access="))).toBe(false);
    expect(await usersMatching("eve@corp.test")).toHaveLength(0);
    const failures = await audit("auth.login_failed");
    expect(failures.find((e) => e.summary.reason === "not_allowed")?.summary).toMatchObject({
      method: "oidc",
      provider: "corp",
    });
  });

  it("refuses a disabled account", async () => {
    corp.accounts.set("fred", { email: "fred@corp.test", name: "Fred", groups: ["engineering"] });
    const { browser } = await signIn("corp", "fred");
    const { user } = await me(browser);
    const disabled = await h.call("PATCH", `/api/v1/users/${user.id}`, {
      token: h.adminToken,
      body: { status: "disabled" },
    });
    expect(disabled.status).toBe(200);
    const again = await signIn("corp", "fred");
    expect(again.res.headers.get("location")).toBe("/login?error=auth.sso_failed");
    expect((await audit("auth.login_failed")).some((e) => e.summary.reason === "disabled")).toBe(true);
  });

  it("refuses an email the provider marks as unverified", async () => {
    corp.accounts.set("gina", {
      email: "gina@corp.test",
      name: "Gina",
      groups: ["engineering"],
      emailVerified: false,
    });
    const { res } = await signIn("corp", "gina");
    expect(res.headers.get("location")).toBe("/login?error=auth.sso_failed");
    expect(await usersMatching("gina@corp.test")).toHaveLength(0);
    expect((await audit("auth.login_failed")).some((e) => e.summary.reason === "email_unverified")).toBe(
      true,
    );
  });

  it("reports a sign-in the user cancelled at the provider", async () => {
    const browser = new TestBrowser();
    const start = `${h.url}/api/v1/auth/oidc/corp/start`;
    const callback = await browser.signInAtIdp(start, "nobody", callbackOf("corp"), { cancel: true });
    expect(callback.searchParams.get("error")).toBe("access_denied");
    const res = await browser.request(callback);
    expect(res.headers.get("location")).toBe("/login?error=auth.sso_failed");
    expect((await audit("auth.login_failed")).some((e) => e.summary.reason === "provider_error")).toBe(true);
  });

  it("refuses a replayed callback (same state and code)", async () => {
    corp.accounts.set("hugo", { email: "hugo@corp.test", name: "Hugo", groups: ["engineering"] });
    const browser = new TestBrowser();
    const callback = await reachCallback(browser, "corp", "hugo");
    const stateCookie = `parley_sso_state=${browser.cookie(callback, "parley_sso_state") ?? ""}`;
    const first = await browser.request(callback);
    expect(first.headers.get("location")).toBe("/");

    // Again from the same browser (its state cookie is gone), and with the state cookie replayed too.
    for (const headers of [{}, { cookie: stateCookie }] as Record<string, string>[]) {
      const replay = await new TestBrowser().request(callback, { headers });
      expect(replay.status).toBe(302);
      expect(replay.headers.get("location")).toBe("/login?error=auth.sso_failed");
      expect(replay.headers.getSetCookie().some((c) => c.startsWith("parley_access="))).toBe(false);
    }
    const reasons = (await audit("auth.login_failed")).map((e) => e.summary.reason);
    expect(reasons).toEqual(expect.arrayContaining(["state_mismatch", "state_unknown"]));
  });

  it("refuses a tampered state, and a callback from a browser that did not start the sign-in", async () => {
    corp.accounts.set("iris", { email: "iris@corp.test", name: "Iris", groups: ["engineering"] });
    const browser = new TestBrowser();
    const callback = await reachCallback(browser, "corp", "iris");
    const state = callback.searchParams.get("state") ?? "";
    const tampered = new URL(callback);
    tampered.searchParams.set("state", `${state.slice(0, -2)}xx`);
    // The forged state with a matching cookie: not a sign-in Parley started.
    const forged = await new TestBrowser().request(tampered, {
      headers: { cookie: `parley_sso_state=${state.slice(0, -2)}xx` },
    });
    expect(forged.headers.get("location")).toBe("/login?error=auth.sso_failed");
    // The genuine answer carried to another browser (login CSRF): refused.
    const elsewhere = await new TestBrowser().request(callback);
    expect(elsewhere.headers.get("location")).toBe("/login?error=auth.sso_failed");
    // The browser that started it still completes.
    const genuine = await browser.request(callback);
    expect(genuine.headers.get("location")).toBe("/");
    expect(await usersMatching("iris@corp.test")).toHaveLength(1);
  });

  it("answers 404 for an unknown provider", async () => {
    for (const path of ["/api/v1/auth/oidc/nope/start", "/api/v1/auth/oidc/nope/callback?code=x&state=y"]) {
      const res = await h.call<{ error: { code: string } }>("GET", path);
      expect([path, res.status, res.body.error.code]).toEqual([path, 404, "sso_provider.not_found"]);
    }
  });

  it("lands on / when returnTo points to another site", async () => {
    corp.accounts.set("jack", { email: "jack@corp.test", name: "Jack", groups: ["engineering"] });
    for (const returnTo of ["//evil.example/x", "https://evil.example", "/\\evil.example", "chat"]) {
      const { res } = await signIn("corp", "jack", returnTo);
      expect([returnTo, res.headers.get("location")]).toEqual([returnTo, "/"]);
    }
  });
});
