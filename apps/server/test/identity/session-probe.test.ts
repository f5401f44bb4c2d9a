import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { SessionState } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, startHarness, type Harness } from "../parley-harness.ts";

/** The `name=value` pairs of a response's Set-Cookie headers, as a Cookie header. */
const cookieHeader = (res: { headers: Headers }) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
const cookieNamed = (header: string, name: string) =>
  header.split("; ").find((c) => c.startsWith(`${name}=`)) ?? "";

const CHECK_NODE = fileURLToPath(new URL("../../../../scripts/check-node.mjs", import.meta.url));

describe("the session probe, the metrics token and the Node check", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ PARLEY_METRICS_TOKEN: "metrics-token-0123456789" });
  }, 60_000);
  afterAll(async () => {
    await h.stop();
  });
  const probe = (cookie?: string) =>
    fetch(`${h.url}/api/v1/auth/session`, cookie ? { headers: { cookie } } : {});

  it("answers 200 signed out, without a session, and signed in with one", async () => {
    const anonymous = await probe();
    expect(anonymous.status).toBe(200);
    expect((await anonymous.json()) as SessionState).toEqual({ signedIn: false, me: null });
    const login = await fetch(`${h.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    const cookies = cookieHeader(login);
    const signedIn = (await (await probe(cookies)).json()) as SessionState;
    expect(signedIn.signedIn).toBe(true);
    expect(signedIn.me?.user.email).toBe(ADMIN.email);

    // Only the refresh cookie (the access cookie expired): renewed on the way, new cookies set.
    const refreshOnly = cookieNamed(cookies, "parley_refresh");
    const renewed = await probe(refreshOnly);
    expect(renewed.status).toBe(200);
    expect(((await renewed.json()) as SessionState).me?.user.email).toBe(ADMIN.email);
    expect(renewed.headers.getSetCookie().some((c) => c.startsWith("parley_access="))).toBe(true);

    // A refresh cookie that holds no session (expired, revoked): signed out, cookies cleared.
    const garbage = await probe("parley_refresh=not-a-token; parley_access=expired.jwt.value");
    expect(garbage.status).toBe(200);
    expect((await garbage.json()) as SessionState).toEqual({ signedIn: false, me: null });
    expect(garbage.headers.getSetCookie().some((c) => c.startsWith("parley_refresh=;"))).toBe(true);
  });

  it("serves /metrics only with the metrics token when one is set", async () => {
    const none = await fetch(`${h.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
    const wrong = await fetch(`${h.url}/metrics`, {
      headers: { authorization: "Bearer metrics-token-0123456780" },
    });
    expect(wrong.status).toBe(401);
    // A user's own access token is not the metrics token either.
    expect(
      (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${h.adminToken}` } })).status,
    ).toBe(401);
    const right = await fetch(`${h.url}/metrics`, {
      headers: { authorization: "Bearer metrics-token-0123456789" },
    });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain("parley_");
    // The probes stay open.
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  it("says in one line that Node 24 is needed when started on an older Node", () => {
    const older = spawnSync(
      process.execPath,
      [
        "--import",
        'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.19.0"})',
        CHECK_NODE,
      ],
      { encoding: "utf8" },
    );
    expect(older.status).toBe(1);
    expect(older.stderr.trim().split("\n")).toHaveLength(1);
    expect(older.stderr).toContain("Parley needs Node 24 or later; this is Node 20.19.0");
    expect(older.stderr).toContain("source scripts/use-node24.sh");
    expect(spawnSync(process.execPath, [CHECK_NODE]).status).toBe(0);
  });
});
