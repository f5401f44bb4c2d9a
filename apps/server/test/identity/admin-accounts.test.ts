import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../parley-harness.ts";
import { randomUUID } from "node:crypto";
import { hashSecret, newSecret } from "../../src/kernel/ids.ts";
import { allTables } from "../all-tables.ts";
import { codeOf, harnessOf } from "./account-shapes.ts";

const NEW_PASSWORD = "saffron glacier pocket umbrella";

interface Link {
  url: string;
  token: string;
  expiresAt: string;
}

for (const shape of ["embedded", "distributed"] as const) {
  describe(`administering accounts (${shape})`, () => {
    let h: Harness;
    let stop: () => Promise<void>;
    beforeAll(async () => {
      ({ h, stop } = await harnessOf(shape));
    }, 60_000);
    afterAll(async () => {
      await stop();
    });

    const resetLink = (userId: string, token = h.adminToken) =>
      h.call<Link>("POST", `/api/v1/users/${userId}/password-reset`, { token });
    const redeem = (token: string, newPassword = NEW_PASSWORD) =>
      h.call("POST", "/api/v1/auth/password-reset", { body: { token, newPassword } });

    it("makes a one-time link whose token sits in the fragment, and the reset signs everything out", async () => {
      const dev = await h.user("developer", "forgetful");
      const link = await resetLink(dev.id);
      expect(link.status).toBe(201);
      expect(link.body.url).toMatch(/\/reset-password#[A-Za-z0-9_-]{20,}$/);
      expect(link.body.url.endsWith(link.body.token)).toBe(true);

      const weak = await redeem(link.body.token, "Password123!");
      expect(codeOf(weak.body)).toBe("user.weak_password");
      expect((await redeem(link.body.token)).status).toBe(204);
      expect((await h.call("GET", "/api/v1/me", { token: dev.token })).status).toBe(401);
      await h.login(dev.email, NEW_PASSWORD);
      const again = await redeem(link.body.token, "another quite long passphrase here");
      expect([again.status, codeOf(again.body)]).toEqual([404, "password_reset.invalid"]);
      const audit = await h.call<{ items: unknown[] }>(
        "GET",
        `/api/v1/audit?action=user.password_reset&targetId=${dev.id}`,
        { token: h.adminToken },
      );
      expect(audit.body.items).toHaveLength(1);
    });

    it("lets exactly one of 20 concurrent uses of one link set the password", async () => {
      const dev = await h.user("developer", "raced");
      const link = await resetLink(dev.id);
      const passwords = Array.from({ length: 20 }, (_, i) => `${NEW_PASSWORD} number ${i}`);
      const answers = await Promise.all(passwords.map((p) => redeem(link.body.token, p)));
      expect(answers.filter((a) => a.status === 204)).toHaveLength(1);
      expect(answers.filter((a) => a.status !== 204).map((a) => codeOf(a.body))).toEqual(
        Array(19).fill("password_reset.invalid"),
      );
      const winner = passwords[answers.findIndex((a) => a.status === 204)] ?? "";
      await h.login(dev.email, winner);
    }, 60_000);

    it("refuses an expired link, and stores only the token's hash", async () => {
      const dev = await h.user("developer", "late");
      const link = await resetLink(dev.id);
      const db = allTables(h.parley.platform.database);
      const stored = await db
        .selectFrom("password_resets")
        .selectAll()
        .where("user_id", "=", dev.id)
        .execute();
      expect(stored.map((r) => r.token_hash)).toEqual([hashSecret(link.body.token)]);
      expect(JSON.stringify(stored)).not.toContain(link.body.token);
      const token = newSecret();
      const now = Date.now();
      await db
        .insertInto("password_resets")
        .values({
          id: randomUUID(),
          user_id: dev.id,
          token_hash: hashSecret(token),
          created_by: dev.id,
          created_at: now - 25 * 3_600_000,
          expires_at: now - 3_600_000,
          used_at: null,
          revoked_at: null,
        })
        .execute();
      expect(codeOf((await redeem(token)).body)).toBe("password_reset.invalid");
      await h.login(dev.email, dev.password);
    });

    it("replaces an unused link with a newer one", async () => {
      const dev = await h.user("developer", "twice");
      const first = await resetLink(dev.id);
      const second = await resetLink(dev.id);
      expect(codeOf((await redeem(first.body.token)).body)).toBe("password_reset.invalid");
      expect((await redeem(second.body.token)).status).toBe(204);
    });

    it("gives reset links and deletion to global admins only, never above their rank nor themselves", async () => {
      const target = await h.user("developer", "target");
      const operator = await h.user("operator", "operator");
      const teamAdmin = await h.user("viewer", "team-admin");
      const team = await h.call<{ id: string }>("POST", "/api/v1/teams", {
        token: h.adminToken,
        body: { name: "Reset team" },
      });
      for (const userId of [teamAdmin.id, target.id])
        await h.call("PUT", `/api/v1/teams/${team.body.id}/members/${userId}`, {
          token: h.adminToken,
          body: { role: userId === target.id ? "developer" : "admin" },
        });
      for (const token of [operator.token, teamAdmin.token, target.token]) {
        expect(codeOf((await resetLink(target.id, token)).body)).toBe("auth.forbidden");
        const del = await h.call("DELETE", `/api/v1/users/${target.id}`, { token });
        expect(codeOf(del.body)).toBe("auth.forbidden");
      }
      const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
        token: h.adminToken,
        body: { name: "team key", permissions: ["teams:manage"], teamId: team.body.id },
      });
      expect(codeOf((await resetLink(target.id, key.body.key)).body)).toBe("auth.forbidden");
      const me = await h.call<{ user: { id: string } }>("GET", "/api/v1/me", { token: h.adminToken });
      expect(codeOf((await resetLink(me.body.user.id)).body)).toBe("resource.conflict");
      expect(
        codeOf((await h.call("DELETE", `/api/v1/users/${me.body.user.id}`, { token: h.adminToken })).body),
      ).toBe("resource.conflict");
      expect(codeOf((await resetLink("no-such-user")).body)).toBe("user.not_found");
    });

    it("deletes an account with its sessions, keys and personal data, keeping the audit trail", async () => {
      const dev = await h.user("developer", "leaver");
      const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
        token: dev.token,
        body: { name: "k", permissions: ["conversations:read"] },
      });
      const convo = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
        token: dev.token,
        body: { title: "Mine" },
      });
      expect(convo.status).toBe(201);
      const del = await h.call("DELETE", `/api/v1/users/${dev.id}`, { token: h.adminToken });
      expect(del.status).toBe(204);
      expect((await h.call("GET", "/api/v1/me", { token: dev.token })).status).toBe(401);
      expect((await h.call("GET", "/api/v1/me", { token: key.body.key })).status).toBe(401);
      expect((await h.call("GET", `/api/v1/users/${dev.id}`, { token: h.adminToken })).status).toBe(404);
      const login = await h.call("POST", "/api/v1/auth/login", {
        body: { email: dev.email, password: dev.password },
      });
      expect(login.status).toBe(401);
      const audit = await h.call<{ items: unknown[] }>(
        "GET",
        `/api/v1/audit?action=user.deleted&targetId=${dev.id}`,
        { token: h.adminToken },
      );
      expect(audit.body.items).toHaveLength(1);
      const left = await allTables(h.parley.platform.database)
        .selectFrom("conversations")
        .select("id")
        .where("id", "=", convo.body.id)
        .execute();
      expect(left).toEqual([]);
      expect((await h.call("DELETE", `/api/v1/users/${dev.id}`, { token: h.adminToken })).status).toBe(404);
    });
  });
}
