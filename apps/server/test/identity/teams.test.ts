import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

interface Team {
  id: string;
  name: string;
  slug: string;
  role: string | null;
}
const code = (body: unknown) => (body as { error: { code: string } }).error.code;

describe("teams and isolation", () => {
  it("keeps one team's data invisible to another team's members (404, never the data)", async () => {
    const alice = await h.user("developer", "alice");
    const bob = await h.user("developer", "bob");
    const a = await h.call<Team>("POST", "/api/v1/teams", { token: h.adminToken, body: { name: "Team A" } });
    const b = await h.call<Team>("POST", "/api/v1/teams", { token: h.adminToken, body: { name: "Team B" } });
    await h.call("PUT", `/api/v1/teams/${a.body.id}/members/${alice.id}`, {
      token: h.adminToken,
      body: { role: "admin" },
    });
    await h.call("PUT", `/api/v1/teams/${b.body.id}/members/${bob.id}`, {
      token: h.adminToken,
      body: { role: "developer" },
    });

    const own = await h.call<Team>("GET", `/api/v1/teams/${a.body.id}`, { token: alice.token });
    expect(own.body).toMatchObject({ name: "Team A", role: "admin" });
    for (const [method, path, body] of [
      ["GET", `/api/v1/teams/${b.body.id}`, undefined],
      ["GET", `/api/v1/teams/${b.body.id}/members`, undefined],
      ["PATCH", `/api/v1/teams/${b.body.id}`, { name: "mine now" }],
      ["PUT", `/api/v1/teams/${b.body.id}/members/${alice.id}`, { role: "admin" }],
      ["POST", `/api/v1/teams/${b.body.id}/invitations`, { role: "admin" }],
      ["DELETE", `/api/v1/teams/${b.body.id}`, undefined],
    ] as const) {
      const res = await h.call(method, path, { token: alice.token, ...(body ? { body } : {}) });
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(JSON.stringify(res.body)).not.toContain("Team B");
    }
    const explain = await h.call(
      "GET",
      `/api/v1/access/explain?permission=teams:read&resource=team:${b.body.id}`,
      { token: alice.token },
    );
    expect(explain.status).toBe(404);

    const list = await h.call<{ items: Team[] }>("GET", "/api/v1/teams", { token: alice.token });
    expect(list.body.items.map((t) => t.name)).toEqual(["Team A"]);
  });

  it("lets a team admin manage their team without any global admin rights", async () => {
    const lead = await h.user("developer", "lead");
    const member = await h.user("viewer", "member");
    const team = await h.call<Team>("POST", "/api/v1/teams", {
      token: h.adminToken,
      body: { name: "Led team" },
    });
    await h.call("PUT", `/api/v1/teams/${team.body.id}/members/${lead.id}`, {
      token: h.adminToken,
      body: { role: "admin" },
    });
    const add = await h.call("PUT", `/api/v1/teams/${team.body.id}/members/${member.id}`, {
      token: lead.token,
      body: { role: "developer" },
    });
    expect(add.status).toBe(200);
    const rename = await h.call<Team>("PATCH", `/api/v1/teams/${team.body.id}`, {
      token: lead.token,
      body: { name: "Renamed" },
    });
    expect(rename.body.name).toBe("Renamed");
    // A plain member of the same team sees it but cannot manage it.
    const memberToken = await h.login(member.email, member.password);
    expect((await h.call("GET", `/api/v1/teams/${team.body.id}`, { token: memberToken })).status).toBe(200);
    const denied = await h.call("PATCH", `/api/v1/teams/${team.body.id}`, {
      token: memberToken,
      body: { name: "x" },
    });
    expect(denied.status).toBe(403);
  });

  it("keeps at least one admin in a team", async () => {
    const team = await h.call<Team>("POST", "/api/v1/teams", {
      token: h.adminToken,
      body: { name: "Lonely" },
    });
    const me = await h.call<{ user: { id: string } }>("GET", "/api/v1/me", { token: h.adminToken });
    const res = await h.call("DELETE", `/api/v1/teams/${team.body.id}/members/${me.body.user.id}`, {
      token: h.adminToken,
    });
    expect(res.status).toBe(409);
  });

  it("refuses a duplicate slug with 409", async () => {
    await h.call("POST", "/api/v1/teams", { token: h.adminToken, body: { name: "Dup", slug: "dup-slug" } });
    const again = await h.call("POST", "/api/v1/teams", {
      token: h.adminToken,
      body: { name: "Dup 2", slug: "dup-slug" },
    });
    expect(again.status).toBe(409);
    expect(code(again.body)).toBe("team.slug_taken");
  });
});

describe("invitations by link", () => {
  it("lets someone without an account join a team by signing up through the link, once", async () => {
    const team = await h.call<Team>("POST", "/api/v1/teams", {
      token: h.adminToken,
      body: { name: "Invited" },
    });
    const invite = await h.call<{ token: string; url: string }>(
      "POST",
      `/api/v1/teams/${team.body.id}/invitations`,
      {
        token: h.adminToken,
        body: { role: "developer" },
      },
    );
    expect(invite.status).toBe(201);
    expect(invite.body.url).toContain(`/invite/${invite.body.token}`);
    const info = await h.call("GET", `/api/v1/invitations/${invite.body.token}`);
    expect(info.body).toMatchObject({ teamName: "Invited", role: "developer" });

    const accept = await h.call<{
      user: { email: string };
      teamId: string;
      session: { accessToken: string };
    }>("POST", `/api/v1/invitations/${invite.body.token}/accept`, {
      body: { email: "newbie@parley.test", name: "Newbie", password: "a long new password" },
    });
    expect(accept.status).toBe(200);
    expect(accept.body.teamId).toBe(team.body.id);
    const me = await h.call<{ teams: { id: string; role: string }[] }>("GET", "/api/v1/me", {
      token: accept.body.session.accessToken,
    });
    expect(me.body.teams).toEqual([expect.objectContaining({ id: team.body.id, role: "developer" })]);

    const reuse = await h.call("POST", `/api/v1/invitations/${invite.body.token}/accept`, {
      body: { email: "second@parley.test", name: "Second", password: "another long password" },
    });
    expect(reuse.status).toBe(404);
    expect(code(reuse.body)).toBe("invitation.invalid");
  });

  it("admits a signed-in user, and only the invited email when one was named", async () => {
    const team = await h.call<Team>("POST", "/api/v1/teams", {
      token: h.adminToken,
      body: { name: "Named" },
    });
    const carol = await h.user("viewer", "carol");
    const dave = await h.user("viewer", "dave");
    const invite = await h.call<{ token: string }>("POST", `/api/v1/teams/${team.body.id}/invitations`, {
      token: h.adminToken,
      body: { role: "viewer", email: carol.email },
    });
    const wrong = await h.call("POST", `/api/v1/invitations/${invite.body.token}/accept`, {
      token: dave.token,
      body: {},
    });
    expect(wrong.status).toBe(404);
    const right = await h.call<{ session: null }>("POST", `/api/v1/invitations/${invite.body.token}/accept`, {
      token: carol.token,
      body: {},
    });
    expect(right.status).toBe(200);
    expect(right.body.session).toBeNull();
  });

  it("rejects unknown links", async () => {
    const res = await h.call("GET", `/api/v1/invitations/${"y".repeat(43)}`);
    expect(res.status).toBe(404);
  });
});

describe("me and access explanations", () => {
  it("returns the caller's teams and effective permissions", async () => {
    const dev = await h.user("developer");
    const me = await h.call<{ user: { email: string }; permissions: string[]; authenticatedBy: string }>(
      "GET",
      "/api/v1/me",
      {
        token: dev.token,
      },
    );
    expect(me.body.user.email).toBe(dev.email);
    expect(me.body.permissions).toContain("conversations:write");
    expect(me.body.permissions).not.toContain("users:manage");
    expect(me.body.authenticatedBy).toBe("session");
  });

  it("explains why a permission is allowed or denied", async () => {
    const dev = await h.user("developer");
    const denied = await h.call<{ allowed: boolean; reasons: string[] }>(
      "GET",
      "/api/v1/access/explain?permission=users:manage",
      {
        token: dev.token,
      },
    );
    expect(denied.body.allowed).toBe(false);
    expect(denied.body.reasons[0]).toContain("global role developer does not grant users:manage");
    const allowed = await h.call<{ allowed: boolean; userId: string }>(
      "GET",
      `/api/v1/access/explain?permission=users:manage&userId=${dev.id}`,
      { token: h.adminToken },
    );
    expect(allowed.body).toMatchObject({ allowed: false, userId: dev.id });
    const bad = await h.call("GET", "/api/v1/access/explain?permission=launch:missiles", {
      token: dev.token,
    });
    expect(bad.status).toBe(400);
  });
});

describe("users", () => {
  it("creates, lists, searches and disables accounts; a disabled user's sessions end", async () => {
    const u = await h.user("developer", "zed");
    const search = await h.call<{ items: { email: string }[] }>("GET", "/api/v1/users?q=zed", {
      token: h.adminToken,
    });
    expect(search.body.items.map((i) => i.email)).toContain(u.email);
    const dup = await h.call("POST", "/api/v1/users", {
      token: h.adminToken,
      body: { email: u.email, name: "again" },
    });
    expect(dup.status).toBe(409);
    expect(code(dup.body)).toBe("user.email_taken");
    const off = await h.call("PATCH", `/api/v1/users/${u.id}`, {
      token: h.adminToken,
      body: { status: "disabled" },
    });
    expect(off.status).toBe(200);
    expect((await h.call("GET", "/api/v1/me", { token: u.token })).status).toBe(401);
    const login = await h.call("POST", "/api/v1/auth/login", {
      body: { email: u.email, password: u.password },
    });
    expect(login.status).toBe(401);
  });

  it("pages through users with a cursor", async () => {
    for (let i = 0; i < 3; i++) await h.user("viewer", `pager${i}`);
    const first = await h.call<{ items: { email: string }[]; nextCursor: string | null }>(
      "GET",
      "/api/v1/users?limit=2",
      {
        token: h.adminToken,
      },
    );
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await h.call<{ items: { email: string }[] }>(
      "GET",
      `/api/v1/users?limit=2&cursor=${first.body.nextCursor ?? ""}`,
      {
        token: h.adminToken,
      },
    );
    expect((second.body.items[0]?.email ?? "") > (first.body.items[1]?.email ?? "")).toBe(true);
    const bad = await h.call("GET", "/api/v1/users?cursor=%%%", { token: h.adminToken });
    expect(bad.status).toBe(400);
  });

  it("refuses weak passwords", async () => {
    const res = await h.call("POST", "/api/v1/users", {
      token: h.adminToken,
      body: { email: "weak@parley.test", name: "Weak", password: "aaaaaaaaaaaaaaa" },
    });
    expect(res.status).toBe(400);
    expect(code(res.body)).toBe("user.weak_password");
  });
});
