import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";
import { allTables } from "../all-tables.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

interface KeyCreated {
  id: string;
  key: string;
  prefix: string;
  permissions: string[];
  lastUsedAt: string | null;
}
const code = (body: unknown) => (body as { error: { code: string } }).error.code;

describe("API keys", () => {
  it("are shown once, stored only as a hash, and accepted as Bearer pk_...", async () => {
    const dev = await h.user("developer");
    const created = await h.call<KeyCreated>("POST", "/api/v1/api-keys", {
      token: dev.token,
      body: { name: "ci bot", permissions: ["profile:read", "teams:read"] },
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^pk_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
    const list = await h.call<{ items: KeyCreated[] }>("GET", "/api/v1/api-keys", { token: dev.token });
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);

    const me = await h.call<{ authenticatedBy: string; permissions: string[] }>("GET", "/api/v1/me", {
      token: created.body.key,
    });
    expect(me.status).toBe(200);
    expect(me.body.authenticatedBy).toBe("api_key");
    expect(me.body.permissions).toEqual(["profile:read", "teams:read"]);
    const stored = await allTables(h.parley.platform.database)
      .selectFrom("api_keys")
      .select("key_hash")
      .where("id", "=", created.body.id)
      .executeTakeFirstOrThrow();
    // The secret is everything after `pk_<id>_`; base64url may itself hold underscores.
    const secret = /^pk_[^_]+_(.+)$/.exec(created.body.key)?.[1] ?? "";
    expect(secret.length).toBeGreaterThan(20);
    expect(stored.key_hash).not.toContain(secret);
    const after = await h.call<{ items: KeyCreated[] }>("GET", "/api/v1/api-keys", { token: dev.token });
    expect(after.body.items.find((k) => k.id === created.body.id)?.lastUsedAt).not.toBeNull();
  });

  it("only carries permissions the owner holds, and only those it lists", async () => {
    const dev = await h.user("developer");
    const greedy = await h.call("POST", "/api/v1/api-keys", {
      token: dev.token,
      body: { name: "greedy", permissions: ["users:manage"] },
    });
    expect(greedy.status).toBe(403);
    expect(code(greedy.body)).toBe("api_key.permission_not_held");

    const narrow = await h.call<KeyCreated>("POST", "/api/v1/api-keys", {
      token: dev.token,
      body: { name: "narrow", permissions: ["profile:read"] },
    });
    const teams = await h.call("GET", "/api/v1/teams", { token: narrow.body.key });
    expect(teams.status).toBe(403);
    // A key cannot mint keys.
    const mint = await h.call("POST", "/api/v1/api-keys", {
      token: narrow.body.key,
      body: { name: "x", permissions: ["profile:read"] },
    });
    expect(mint.status).toBe(403);
  });

  it("stops working once revoked, and when its owner loses the permission", async () => {
    const dev = await h.user("developer");
    const key = await h.call<KeyCreated>("POST", "/api/v1/api-keys", {
      token: dev.token,
      body: { name: "soon revoked", permissions: ["teams:read", "profile:read"] },
    });
    expect((await h.call("GET", "/api/v1/teams", { token: key.body.key })).status).toBe(200);
    // The owner is demoted: the key may not exceed what the owner holds now.
    await h.call("PATCH", `/api/v1/users/${dev.id}`, { token: h.adminToken, body: { globalRole: "viewer" } });
    expect((await h.call("GET", "/api/v1/me", { token: key.body.key })).status).toBe(200);
    const revoke = await h.call("DELETE", `/api/v1/api-keys/${key.body.id}`, { token: h.adminToken });
    expect(revoke.status).toBe(200);
    const after = await h.call("GET", "/api/v1/me", { token: key.body.key });
    expect(after.status).toBe(401);
    expect(code(after.body)).toBe("auth.invalid_token");
  });

  it("can be limited to one team", async () => {
    const dev = await h.user("developer");
    const team = await h.call<{ id: string }>("POST", "/api/v1/teams", {
      token: h.adminToken,
      body: { name: "Keyed" },
    });
    await h.call("PUT", `/api/v1/teams/${team.body.id}/members/${dev.id}`, {
      token: h.adminToken,
      body: { role: "developer" },
    });
    const devToken = await h.login(dev.email, dev.password);
    const key = await h.call<KeyCreated & { teamId: string }>("POST", "/api/v1/api-keys", {
      token: devToken,
      body: { name: "team key", permissions: ["teams:read"], teamId: team.body.id },
    });
    expect(key.status).toBe(201);
    expect(key.body.teamId).toBe(team.body.id);
    const foreign = await h.call("POST", "/api/v1/api-keys", {
      token: devToken,
      body: { name: "foreign", permissions: ["teams:read"], teamId: "00000000-0000-0000-0000-000000000000" },
    });
    expect(foreign.status).toBe(404);
  });

  it("expire", async () => {
    const dev = await h.user("developer");
    const key = await h.call<KeyCreated>("POST", "/api/v1/api-keys", {
      token: dev.token,
      body: { name: "short", permissions: ["profile:read"], expiresInDays: 1 },
    });
    await allTables(h.parley.platform.database)
      .updateTable("api_keys")
      .set({ expires_at: Date.now() - 1 })
      .where("id", "=", key.body.id)
      .execute();
    const res = await h.call("GET", "/api/v1/me", { token: key.body.key });
    expect(res.status).toBe(401);
  });

  it("are audited when created and revoked", async () => {
    const audit = await h.call<{ items: { action: string }[] }>(
      "GET",
      "/api/v1/audit?action=api_key.created",
      { token: h.adminToken },
    );
    expect(audit.body.items.length).toBeGreaterThan(0);
  });
});
