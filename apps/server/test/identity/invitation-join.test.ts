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
  });
}
