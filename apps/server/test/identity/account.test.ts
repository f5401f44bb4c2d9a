import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../parley-harness.ts";
import { codeOf, harnessOf } from "./account-shapes.ts";

const NEW_PASSWORD = "violet harbour cinnamon ladder";

interface Session {
  id: string;
  current: boolean;
}

for (const shape of ["embedded", "distributed"] as const) {
  describe(`one's own account (${shape})`, () => {
    let h: Harness;
    let stop: () => Promise<void>;
    beforeAll(async () => {
      ({ h, stop } = await harnessOf(shape));
    }, 60_000);
    afterAll(async () => {
      await stop();
    });

    const audited = async (action: string, targetId: string) => {
      const res = await h.call<{ items: { action: string; outcome: string }[] }>(
        "GET",
        `/api/v1/audit?action=${action}&targetId=${targetId}`,
        { token: h.adminToken },
      );
      return res.body.items;
    };

    it("lets a developer rename themselves, audited", async () => {
      const dev = await h.user("developer", "renamer");
      const res = await h.call<{ name: string }>("PATCH", "/api/v1/me", {
        token: dev.token,
        body: { name: "Dana Developer" },
      });
      expect(res.status).toBe(200);
      expect(res.body.name).toBe("Dana Developer");
      expect(await audited("user.updated", dev.id)).toHaveLength(1);
    });

    it("changes the password only with the current one and signs out the other sessions", async () => {
      const dev = await h.user("developer", "changer");
      const elsewhere = await h.login(dev.email, dev.password);
      const wrong = await h.call("POST", "/api/v1/me/password", {
        token: dev.token,
        body: { currentPassword: "not my password at all", newPassword: NEW_PASSWORD },
      });
      expect([wrong.status, codeOf(wrong.body)]).toEqual([400, "user.wrong_password"]);
      const weak = await h.call("POST", "/api/v1/me/password", {
        token: dev.token,
        body: { currentPassword: dev.password, newPassword: "Password123!" },
      });
      expect(codeOf(weak.body)).toBe("user.weak_password");

      const ok = await h.call<{ otherSessionsSignedOut: number }>("POST", "/api/v1/me/password", {
        token: dev.token,
        body: { currentPassword: dev.password, newPassword: NEW_PASSWORD },
      });
      expect(ok.status).toBe(200);
      expect(ok.body.otherSessionsSignedOut).toBe(1);
      expect((await h.call("GET", "/api/v1/me", { token: elsewhere })).status).toBe(401);
      expect((await h.call("GET", "/api/v1/me", { token: dev.token })).status).toBe(200);
      const old = await h.call("POST", "/api/v1/auth/login", {
        body: { email: dev.email, password: dev.password },
      });
      expect(old.status).toBe(401);
      await h.login(dev.email, NEW_PASSWORD);
      expect((await audited("user.password_changed", dev.id)).map((e) => e.outcome)).toEqual(["success"]);
      expect(await audited("user.password_change_failed", dev.id)).toHaveLength(1);
    });

    it("locks password changes after ten wrong current passwords, as sign-ins are", async () => {
      const dev = await h.user("developer", "guesser");
      const answers = [];
      for (let i = 0; i < 11; i++)
        answers.push(
          await h.call("POST", "/api/v1/me/password", {
            token: dev.token,
            body: { currentPassword: `guess number ${i}`, newPassword: NEW_PASSWORD },
          }),
        );
      expect(answers.slice(0, 10).map((a) => codeOf(a.body))).toEqual(Array(10).fill("user.wrong_password"));
      expect(answers[10]?.status).toBe(429);
      expect(codeOf(answers[10]?.body)).toBe("auth.locked");
      const right = await h.call("POST", "/api/v1/me/password", {
        token: dev.token,
        body: { currentPassword: dev.password, newPassword: NEW_PASSWORD },
      });
      expect(codeOf(right.body)).toBe("auth.locked");
    }, 30_000);

    it("lists one's sessions and signs out a specific one, or all the others", async () => {
      const dev = await h.user("developer", "sessions");
      const second = await h.login(dev.email, dev.password);
      const third = await h.login(dev.email, dev.password);
      const list = await h.call<{ items: Session[] }>("GET", "/api/v1/me/sessions", { token: dev.token });
      expect(list.body.items).toHaveLength(3);
      expect(list.body.items.filter((s) => s.current)).toHaveLength(1);
      const secondId = (
        await h.call<{ items: Session[] }>("GET", "/api/v1/me/sessions", { token: second })
      ).body.items.find((s) => s.current)?.id;
      expect(secondId).toBeTruthy();

      const one = await h.call("DELETE", `/api/v1/me/sessions/${secondId}`, { token: dev.token });
      expect(one.status).toBe(204);
      expect((await h.call("GET", "/api/v1/me", { token: second })).status).toBe(401);
      expect((await h.call("GET", "/api/v1/me", { token: third })).status).toBe(200);
      const again = await h.call("DELETE", `/api/v1/me/sessions/${secondId}`, { token: dev.token });
      expect(codeOf(again.body)).toBe("session.not_found");

      const others = await h.call<{ signedOut: number }>("POST", "/api/v1/me/sessions/sign-out-others", {
        token: dev.token,
      });
      expect(others.body.signedOut).toBe(1);
      expect((await h.call("GET", "/api/v1/me", { token: third })).status).toBe(401);
      expect((await h.call("GET", "/api/v1/me", { token: dev.token })).status).toBe(200);
      expect(await audited("auth.session_revoked", dev.id)).toHaveLength(1);
      expect(await audited("auth.other_sessions_revoked", dev.id)).toHaveLength(1);
    });

    it("never signs out someone else's session: it answers as if it did not exist", async () => {
      const victim = await h.user("developer", "victim");
      const attacker = await h.user("admin", "attacker");
      const victimSession = (
        await h.call<{ items: Session[] }>("GET", "/api/v1/me/sessions", { token: victim.token })
      ).body.items[0]?.id;
      const res = await h.call("DELETE", `/api/v1/me/sessions/${victimSession}`, { token: attacker.token });
      expect([res.status, codeOf(res.body)]).toEqual([404, "session.not_found"]);
      expect((await h.call("GET", "/api/v1/me", { token: victim.token })).status).toBe(200);
    });

    it("refuses every account change to an API key, even one holding every permission", async () => {
      const admin = await h.user("admin", "key-owner");
      const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
        token: admin.token,
        body: {
          name: "everything",
          permissions: ["profile:read", "users:manage", "users:read", "teams:manage"],
        },
      });
      const sessionId = (
        await h.call<{ items: Session[] }>("GET", "/api/v1/me/sessions", { token: admin.token })
      ).body.items[0]?.id;
      for (const [method, path, body] of [
        ["PATCH", "/api/v1/me", { name: "Owned" }],
        ["POST", "/api/v1/me/password", { currentPassword: admin.password, newPassword: NEW_PASSWORD }],
        ["GET", "/api/v1/me/sessions", undefined],
        ["POST", "/api/v1/me/sessions/sign-out-others", undefined],
        ["DELETE", `/api/v1/me/sessions/${sessionId}`, undefined],
      ] as const) {
        const res = await h.call(method, path, { token: key.body.key, ...(body ? { body } : {}) });
        expect([method, path, res.status, codeOf(res.body)]).toEqual([method, path, 403, "auth.forbidden"]);
      }
      expect((await h.call("GET", "/api/v1/me", { token: admin.token })).status).toBe(200);
      await h.login(admin.email, admin.password);
    });
  });
}
