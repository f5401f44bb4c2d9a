import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const PASSWORD = "plum orbit lantern seventeen";
const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code;
let n = 0;
const email = (name: string) => `${name}-${++n}-${Date.now()}@parley.test`;

async function invitation(body: Record<string, unknown> = {}): Promise<string> {
  const team = await h.call<{ id: string }>("POST", "/api/v1/teams", {
    token: h.adminToken,
    body: { name: `Invite ${++n}` },
  });
  const res = await h.call<{ token: string }>("POST", `/api/v1/teams/${team.body.id}/invitations`, {
    token: h.adminToken,
    body: { role: "developer", ...body },
  });
  return res.body.token;
}

const accept = (token: string, address: string, password = PASSWORD) =>
  h.call("POST", `/api/v1/invitations/${token}/accept`, {
    body: { email: address, name: "Invitee", password },
  });

/** Whether an account with `address` exists: it can sign in with the test password. */
async function exists(address: string): Promise<boolean> {
  const res = await h.call("POST", "/api/v1/auth/login", { body: { email: address, password: PASSWORD } });
  return res.status === 200;
}

describe("signing up through an invitation", () => {
  it("creates no account for an email the invitation was not made for, however often it is tried", async () => {
    const token = await invitation({ email: email("bob") });
    for (let i = 0; i < 3; i++) {
      const eve = email("eve");
      const res = await accept(token, eve);
      expect(res.status).toBe(404);
      expect(code(res.body)).toBe("invitation.invalid");
      expect(await exists(eve)).toBe(false);
    }
  });

  it("makes exactly one account from one link when 20 sign-ups race for it", async () => {
    const token = await invitation();
    const addresses = Array.from({ length: 20 }, () => email("racer"));
    const answers = await Promise.all(addresses.map((address) => accept(token, address)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status !== 200).map((a) => code(a.body))).toEqual(
      Array(19).fill("invitation.invalid"),
    );
    const created = await Promise.all(addresses.map(exists));
    expect(created.filter(Boolean)).toHaveLength(1);
  });

  it("gives the link back when the account cannot be made, so the invitee can try again", async () => {
    const token = await invitation();
    const address = email("retry");
    const weak = await accept(token, address, "Password123!");
    expect(code(weak.body)).toBe("user.weak_password");
    expect((await accept(token, address)).status).toBe(200);
    expect(await exists(address)).toBe(true);
  });

  it("acts for a cookie session only with its CSRF token; without it the request is anonymous", async () => {
    const token = await invitation();
    const user = await h.user("developer");
    const login = await fetch(`${h.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    const cookies = login.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const res = await fetch(`${h.url}/api/v1/invitations/${token}/accept`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: cookies },
      body: "{}",
    });
    expect(res.status).toBe(400);
    expect(code(await res.json())).toBe("validation.failed");
    const teams = await h.call<{ items: unknown[] }>("GET", "/api/v1/teams", { token: user.token });
    expect(teams.body.items).toEqual([]);
  });
});
