import type { ErrorEnvelope, LabelChangeRequest, MoveLabelResult, Prompt } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";

/** Label moves and approvals racing each other, and approvals that cannot be applied. */
describe.each(["sqlite", "postgres"] as const)("prompt label races on %s", (shape) => {
  let h: Harness;
  let pgdb: TestPostgres | undefined;
  let teamId: string;

  beforeAll(async () => {
    pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
    h = await startHarness(
      pgdb ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "label-races-secret-0123456789abcdef" } : {},
    );
    teamId = (
      await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name: "Labels" } })
    ).body.id;
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await pgdb?.drop();
  });

  async function memberOf(role: "developer" | "operator") {
    const u = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { token: h.adminToken, body: { role } });
    return u;
  }
  /** A persona with `versions` versions, made by `token`. */
  async function persona(token: string, name: string, versions: number): Promise<string> {
    const made = await h.call<Prompt>("POST", "/api/v1/prompts", {
      token,
      body: { teamId, name, content: { kind: "persona", instructions: "v1" } },
    });
    for (let n = 2; n <= versions; n++)
      await h.call("PUT", `/api/v1/prompts/${made.body.id}`, {
        token,
        body: { expectedVersion: n - 1, content: { kind: "persona", instructions: `v${n}` } },
      });
    return made.body.id;
  }
  const errorOf = (res: { status: number; body: unknown }) => [
    res.status,
    (res.body as ErrorEnvelope).error.code,
  ];
  const pending = async (token: string, promptId: string) =>
    (
      await h.call<{ items: LabelChangeRequest[] }>(
        "GET",
        `/api/v1/prompt-label-requests?promptId=${promptId}&status=pending`,
        { token },
      )
    ).body.items.map((r) => r.id);

  it("leaves a request pending, and the label as it is, when its approval cannot be applied", async () => {
    const dev = await memberOf("developer");
    const approver = await memberOf("operator");
    const id = await persona(dev.token, "Gone label", 2);
    const put = (body: unknown) =>
      h.call<MoveLabelResult>("PUT", `/api/v1/prompts/${id}/labels/production`, { token: dev.token, body });
    expect((await put({ version: 1, protected: true })).status).toBe(200);
    // Two requests: unprotect it, and (later) protect it again without saying where it points.
    const unprotect = (await put({ protected: false })).body.request as LabelChangeRequest;
    const reprotect = (await put({ protected: true })).body.request as LabelChangeRequest;
    const approve = (requestId: string) =>
      h.call<LabelChangeRequest>("POST", `/api/v1/prompt-label-requests/${requestId}/approve`, {
        token: approver.token,
        body: {},
      });
    expect((await approve(unprotect.id)).status).toBe(200);
    expect(
      (await h.call("DELETE", `/api/v1/prompts/${id}/labels/production`, { token: dev.token })).status,
    ).toBe(204);

    // The label is gone: the approval answers 404 and the request is still pending, not approved.
    expect(errorOf(await approve(reprotect.id))).toEqual([404, "prompt.label_not_found"]);
    expect(await pending(dev.token, id)).toEqual([reprotect.id]);
    const prompt = await h.call<Prompt>("GET", `/api/v1/prompts/${id}`, { token: dev.token });
    expect(prompt.body.labels).toEqual([]);

    // Once the label exists again, the same request is approved and applied.
    expect((await put({ version: 2 })).status).toBe(200);
    expect((await approve(reprotect.id)).body).toMatchObject({ status: "approved" });
    const after = await h.call<Prompt>("GET", `/api/v1/prompts/${id}`, { token: dev.token });
    expect(after.body.labels).toMatchObject([
      { label: "production", versions: [{ version: 2, weight: 100 }], protected: true },
    ]);
  });
});
