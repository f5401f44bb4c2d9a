import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code;
const COMMON = ["password1234", "Password123!", "P@ssw0rd1234", "Welcome2024!", "qwerty123456"];
let n = 0;
const email = () => `weak-${++n}-${Date.now()}@parley.test`;

describe("common passwords", () => {
  it.each(COMMON)("refuses %s when an admin creates an account", async (password) => {
    const res = await h.call("POST", "/api/v1/users", {
      token: h.adminToken,
      body: { email: email(), name: "Weak", password },
    });
    expect(res.status).toBe(400);
    expect(code(res.body)).toBe("user.weak_password");
  });

  it("refuses a common password as a new password, and keeps the old one", async () => {
    const user = await h.user("developer");
    const res = await h.call("PATCH", `/api/v1/users/${user.id}`, {
      token: h.adminToken,
      body: { password: "Password123!" },
    });
    expect(res.status).toBe(400);
    expect(code(res.body)).toBe("user.weak_password");
    await expect(h.login(user.email, user.password)).resolves.toEqual(expect.any(String));
  });

  it("refuses a common password when an invitation is accepted, and accepts a passphrase", async () => {
    const team = await h.call<{ id: string }>("POST", "/api/v1/teams", {
      token: h.adminToken,
      body: { name: "Weak invitees" },
    });
    const invite = await h.call<{ token: string }>("POST", `/api/v1/teams/${team.body.id}/invitations`, {
      token: h.adminToken,
      body: { role: "viewer" },
    });
    const path = `/api/v1/invitations/${invite.body.token}/accept`;
    const weak = await h.call("POST", path, {
      body: { email: email(), name: "W", password: "password1234" },
    });
    expect(weak.status).toBe(400);
    expect(code(weak.body)).toBe("user.weak_password");
    const strong = await h.call("POST", path, {
      body: { email: email(), name: "S", password: "blue cactus sings at dawn" },
    });
    expect(strong.status).toBe(200);
  });

  it("accepts a passphrase of ordinary words", async () => {
    const res = await h.call("POST", "/api/v1/users", {
      token: h.adminToken,
      body: { email: email(), name: "Strong", password: "correct horse battery staple" },
    });
    expect(res.status).toBe(201);
  });
});
