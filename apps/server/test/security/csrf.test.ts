import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, startHarness, type Harness } from "../parley-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

/** A browser's view of a sign-in: its cookies by name. */
interface Browser {
  cookies: Record<string, string>;
}

const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

function cookiesOf(res: Response, into: Record<string, string> = {}): Record<string, string> {
  for (const line of res.headers.getSetCookie()) {
    const [pair = ""] = line.split(";");
    const eq = pair.indexOf("=");
    into[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return into;
}

async function signIn(): Promise<Browser> {
  const res = await fetch(`${h.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  expect(res.status).toBe(200);
  return { cookies: cookiesOf(res) };
}

/** A request as a browser sends it: the given cookies, and the CSRF header when named. */
function send(
  path: string,
  cookies: Record<string, string>,
  options: { csrf?: string; body?: unknown } = {},
) {
  const headers: Record<string, string> = {
    cookie: Object.entries(cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join("; "),
  };
  if (options.csrf !== undefined) headers["x-csrf-token"] = options.csrf;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  return fetch(`${h.url}${path}`, {
    method: "POST",
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
}

const newTeam = () => ({ name: `csrf-${Math.random().toString(36).slice(2)}` });

describe("CSRF tokens of cookie sessions", () => {
  it("accept the browser flow: the header echoes the readable cookie, before and after a refresh", async () => {
    const browser = await signIn();
    const csrf = browser.cookies.parley_csrf ?? "";
    expect((await send("/api/v1/teams", browser.cookies, { csrf, body: newTeam() })).status).toBe(201);
    const refreshed = await send("/api/v1/auth/refresh", browser.cookies);
    expect(refreshed.status).toBe(200);
    cookiesOf(refreshed, browser.cookies);
    const again = await send("/api/v1/teams", browser.cookies, {
      csrf: browser.cookies.parley_csrf ?? "",
      body: newTeam(),
    });
    expect(again.status).toBe(201);
  });

  it("refuse a planted cookie and header pair with a victim's access cookie", async () => {
    const victim = await signIn();
    const planted = { parley_access: victim.cookies.parley_access ?? "", parley_csrf: "x" };
    const res = await send("/api/v1/teams", planted, { csrf: "x", body: newTeam() });
    expect(res.status).toBe(403);
    expect(code(await res.json())).toBe("auth.csrf_failed");
  });

  it("refuse another session's token", async () => {
    const a = await signIn();
    const b = await signIn();
    const res = await send("/api/v1/teams", b.cookies, {
      csrf: a.cookies.parley_csrf ?? "",
      body: newTeam(),
    });
    expect(res.status).toBe(403);
    expect(code(await res.json())).toBe("auth.csrf_failed");
  });
});

describe("signing out a cookie session", () => {
  it("is refused without the CSRF header, and the session goes on", async () => {
    const browser = await signIn();
    const res = await send("/api/v1/auth/logout", browser.cookies);
    expect(res.status).toBe(403);
    expect(code(await res.json())).toBe("auth.csrf_failed");
    const still = await send("/api/v1/teams", browser.cookies, {
      csrf: browser.cookies.parley_csrf ?? "",
      body: newTeam(),
    });
    expect(still.status).toBe(201);
  });

  it("is refused with another session's token, even with only the refresh cookie", async () => {
    const a = await signIn();
    const b = await signIn();
    const res = await send(
      "/api/v1/auth/logout",
      { parley_refresh: b.cookies.parley_refresh ?? "" },
      {
        csrf: a.cookies.parley_csrf ?? "",
      },
    );
    expect(res.status).toBe(403);
  });

  it("ends the session with the header", async () => {
    const browser = await signIn();
    const res = await send("/api/v1/auth/logout", browser.cookies, {
      csrf: browser.cookies.parley_csrf ?? "",
    });
    expect(res.status).toBe(204);
    const after = await send("/api/v1/auth/refresh", browser.cookies);
    expect(after.status).toBe(401);
  });

  it("needs no header when the client names its refresh token in the body", async () => {
    const login = await h.call<{ refreshToken: string }>("POST", "/api/v1/auth/login", { body: ADMIN });
    const res = await h.call("POST", "/api/v1/auth/logout", {
      body: { refreshToken: login.body.refreshToken },
    });
    expect(res.status).toBe(204);
  });
});
