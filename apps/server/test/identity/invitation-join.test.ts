import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../parley-harness.ts";
import { codeOf, harnessOf } from "./account-shapes.ts";

for (const shape of ["embedded", "distributed"] as const) {
  describe(`joining a team through a link while signed in (${shape})`, () => {
    let h: Harness;
    let stop: () => Promise<void>;
    beforeAll(async () => {
      ({ h, stop } = await harnessOf(shape));
    }, 60_000);
    afterAll(async () => {
      await stop();
    });

    async function invitation(body: Record<string, unknown> = {}) {
      const team = await h.call<{ id: string }>("POST", "/api/v1/teams", {
        token: h.adminToken,
        body: { name: `Join ${Math.random().toString(36).slice(2, 8)}` },
      });
      const res = await h.call<{ token: string }>("POST", `/api/v1/teams/${team.body.id}/invitations`, {
        token: h.adminToken,
        body: { role: "developer", ...body },
      });
      return { teamId: team.body.id, token: res.body.token };
    }

    it("shows the team's name and the invited address before joining, without signing in", async () => {
      const { token } = await invitation({ email: "newcomer@parley.test" });
      const info = await h.call<{ teamName: string; email: string }>("GET", `/api/v1/invitations/${token}`);
      expect(info.body.teamName).toMatch(/^Join /);
      expect(info.body.email).toBe("newcomer@parley.test");
    });

    it("accepts with no body at all, and with {}, for a signed-in person", async () => {
      for (const body of [undefined, {}]) {
        const { teamId, token } = await invitation();
        const dev = await h.user("developer", "joiner");
        const res = await h.call<{ teamId: string; session: unknown }>(
          "POST",
          `/api/v1/invitations/${token}/accept`,
          {
            token: dev.token,
            ...(body ? { body } : {}),
          },
        );
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ teamId, session: null });
        const members = await h.call<{ items: { userId: string; role: string }[] }>(
          "GET",
          `/api/v1/teams/${teamId}/members`,
          { token: dev.token },
        );
        expect(members.body.items.find((m) => m.userId === dev.id)?.role).toBe("developer");
      }
    });

    it("lets exactly one of 20 signed-in people racing for one link join", async () => {
      const { teamId, token } = await invitation();
      const people = await Promise.all(Array.from({ length: 20 }, () => h.user("viewer", "racer")));
      const answers = await Promise.all(
        people.map((p) => h.call("POST", `/api/v1/invitations/${token}/accept`, { token: p.token })),
      );
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      expect(answers.filter((a) => a.status !== 200).map((a) => codeOf(a.body))).toEqual(
        Array(19).fill("invitation.invalid"),
      );
      const members = await h.call<{ items: unknown[] }>("GET", `/api/v1/teams/${teamId}/members`, {
        token: h.adminToken,
      });
      // The admin who made the team, and the one winner.
      expect(members.body.items).toHaveLength(2);
    }, 60_000);

    it("refuses an API key: a person joins a team, and the link stays unused", async () => {
      const { token } = await invitation();
      const dev = await h.user("developer", "keyholder");
      const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
        token: dev.token,
        body: { name: "k", permissions: ["teams:read"] },
      });
      const res = await h.call("POST", `/api/v1/invitations/${token}/accept`, { token: key.body.key });
      expect([res.status, codeOf(res.body)]).toEqual([403, "auth.forbidden"]);
      expect((await h.call("POST", `/api/v1/invitations/${token}/accept`, { token: dev.token })).status).toBe(
        200,
      );
    });

    it("admits only the invited address when signed in as someone else", async () => {
      const { token } = await invitation({ email: "someone-else@parley.test" });
      const dev = await h.user("developer", "wrong-person");
      const res = await h.call("POST", `/api/v1/invitations/${token}/accept`, { token: dev.token });
      expect(codeOf(res.body)).toBe("invitation.invalid");
    });

    it("lists a team's open invitations to its managers and revokes one, whose link then fails", async () => {
      const { teamId, token } = await invitation({ email: "later@parley.test" });
      const list = await h.call<{ items: { id: string; email: string }[] }>(
        "GET",
        `/api/v1/teams/${teamId}/invitations`,
        { token: h.adminToken },
      );
      expect(list.body.items.map((i) => i.email)).toEqual(["later@parley.test"]);
      expect(JSON.stringify(list.body)).not.toContain(token);
      const id = list.body.items[0]?.id ?? "";
      expect(
        (await h.call("DELETE", `/api/v1/teams/${teamId}/invitations/${id}`, { token: h.adminToken })).status,
      ).toBe(204);
      expect(codeOf((await h.call("GET", `/api/v1/invitations/${token}`)).body)).toBe("invitation.invalid");
      const again = await h.call("DELETE", `/api/v1/teams/${teamId}/invitations/${id}`, {
        token: h.adminToken,
      });
      expect(codeOf(again.body)).toBe("invitation.not_found");
      const audit = await h.call<{ items: unknown[] }>(
        "GET",
        `/api/v1/audit?action=invitation.revoked&targetId=${id}`,
        { token: h.adminToken },
      );
      expect(audit.body.items).toHaveLength(1);
    });

    it("hides invitations from another team's admin (404) and refuses a member (403)", async () => {
      const { teamId } = await invitation();
      const other = await invitation();
      const list = await h.call<{ items: { id: string }[] }>("GET", `/api/v1/teams/${teamId}/invitations`, {
        token: h.adminToken,
      });
      const id = list.body.items[0]?.id ?? "";
      const rival = await h.user("viewer", "rival-admin");
      await h.call("PUT", `/api/v1/teams/${other.teamId}/members/${rival.id}`, {
        token: h.adminToken,
        body: { role: "admin" },
      });
      const member = await h.user("viewer", "plain-member");
      await h.call("PUT", `/api/v1/teams/${teamId}/members/${member.id}`, {
        token: h.adminToken,
        body: { role: "developer" },
      });
      for (const path of [
        `/api/v1/teams/${teamId}/invitations`,
        `/api/v1/teams/${teamId}/invitations/${id}`,
      ]) {
        const method = path.endsWith(id) ? "DELETE" : "GET";
        expect(codeOf((await h.call(method, path, { token: rival.token })).body)).toBe("team.not_found");
        expect(codeOf((await h.call(method, path, { token: member.token })).body)).toBe("auth.forbidden");
      }
      // An invitation of another team, named through a team one manages, is not found there.
      const cross = await h.call("DELETE", `/api/v1/teams/${other.teamId}/invitations/${id}`, {
        token: rival.token,
      });
      expect(codeOf(cross.body)).toBe("invitation.not_found");
    });

    it("lets either the revoke or the accept win when they race, never both", async () => {
      for (let round = 0; round < 5; round++) {
        const { teamId, token } = await invitation();
        const list = await h.call<{ items: { id: string }[] }>("GET", `/api/v1/teams/${teamId}/invitations`, {
          token: h.adminToken,
        });
        const dev = await h.user("developer", "racer");
        const [revoke, accept] = await Promise.all([
          h.call("DELETE", `/api/v1/teams/${teamId}/invitations/${list.body.items[0]?.id ?? ""}`, {
            token: h.adminToken,
          }),
          h.call("POST", `/api/v1/invitations/${token}/accept`, { token: dev.token }),
        ]);
        expect([revoke.status === 204, accept.status === 200].filter(Boolean)).toHaveLength(1);
      }
    });
  });
}
