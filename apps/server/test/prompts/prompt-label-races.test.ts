import type { ErrorEnvelope, LabelChangeRequest, MoveLabelResult, Prompt } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PromptChanges } from "../../src/modules/prompts/label-cache.ts";
import { PromptAccess } from "../../src/modules/prompts/prompt-access.ts";
import { PromptActivityRepository } from "../../src/modules/prompts/prompt-activity.repository.ts";
import { LabelService } from "../../src/modules/prompts/prompt-labels.service.ts";
import { PromptRepository } from "../../src/modules/prompts/prompts.repository.ts";
import { systemClock } from "../../src/platform/clock/clock.ts";
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

  it("applies one of 20 concurrent moves of a label, whole, and audits every one", async () => {
    const dev = await memberOf("developer");
    const id = await persona(dev.token, "Racing label", 5);
    const moves = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.call<MoveLabelResult>("PUT", `/api/v1/prompts/${id}/labels/staging`, {
          token: dev.token,
          body: { version: (i % 5) + 1 },
        }),
      ),
    );
    expect(moves.map((m) => m.status)).toEqual(Array.from({ length: 20 }, () => 200));
    const reads = await Promise.all(
      Array.from({ length: 3 }, () => h.call<Prompt>("GET", `/api/v1/prompts/${id}`, { token: dev.token })),
    );
    const labels = reads.map((r) => r.body.labels);
    // One label, pointing at one version whole, the same for every reader.
    expect(labels[0]).toHaveLength(1);
    const winner = labels[0]?.[0];
    expect(winner?.versions).toHaveLength(1);
    expect(winner?.versions[0]?.weight).toBe(100);
    expect([1, 2, 3, 4, 5]).toContain(winner?.versions[0]?.version);
    for (const l of labels) expect(l).toEqual(labels[0]);
    // Its winner is one of the answers given: a move whose answer says what the label now is.
    expect(moves.some((m) => JSON.stringify(m.body.label) === JSON.stringify(winner))).toBe(true);

    const audit = await h.call<{
      items: { action: string; target: { id: string } | null; summary: Record<string, unknown> }[];
    }>("GET", "/api/v1/audit?limit=200", { token: h.adminToken });
    const moved = audit.body.items.filter((e) => e.target?.id === id && e.action === "prompt.label_moved");
    expect(moved).toHaveLength(20);
    for (const e of moved) expect(e.summary).toMatchObject({ label: "staging", protected: false });
  });

  it("applies a request once when 20 approvers approve it at the same time", async () => {
    const dev = await memberOf("developer");
    const approvers = await Promise.all(Array.from({ length: 20 }, () => memberOf("operator")));
    const id = await persona(dev.token, "Approved once", 3);
    const put = (body: unknown) =>
      h.call<MoveLabelResult>("PUT", `/api/v1/prompts/${id}/labels/production`, { token: dev.token, body });
    expect((await put({ version: 1, protected: true })).status).toBe(200);
    const request = (await put({ version: 3 })).body.request as LabelChangeRequest;
    const answers = await Promise.all(
      approvers.map((a) =>
        h.call<LabelChangeRequest>("POST", `/api/v1/prompt-label-requests/${request.id}/approve`, {
          token: a.token,
          body: {},
        }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status !== 200).map((a) => errorOf(a))).toEqual(
      Array.from({ length: 19 }, () => [409, "prompt.change_request_decided"]),
    );
    const prompt = await h.call<Prompt>("GET", `/api/v1/prompts/${id}`, { token: dev.token });
    expect(prompt.body.labels).toMatchObject([
      { label: "production", versions: [{ version: 3, weight: 100 }], protected: true },
    ]);
    const audit = await h.call<{ items: { action: string; target: { id: string } | null }[] }>(
      "GET",
      "/api/v1/audit?limit=200",
      { token: h.adminToken },
    );
    expect(
      audit.body.items.filter((e) => e.target?.id === id && e.action === "prompt.label_change_approved"),
    ).toHaveLength(1);
  });

  it("never undoes a move that lands while a change of protection only is under way", async () => {
    const dev = await memberOf("developer");
    const id = await persona(dev.token, "Protect race", 2);
    const put = (body: unknown) =>
      h.call<MoveLabelResult>("PUT", `/api/v1/prompts/${id}/labels/production`, { token: dev.token, body });
    expect((await put({ version: 1 })).status).toBe(200);

    // A label service whose read of the label waits until the test lets it go on: the move below
    // lands between the protect's read (version 1) and its write.
    let read!: () => void;
    const hasRead = new Promise<void>((resolve) => (read = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    class PausingRepository extends PromptRepository {
      override async findLabel(promptId: string, label: string) {
        const found = await super.findLabel(promptId, label);
        read();
        await released;
        return found;
      }
    }
    const database = h.parley.platform.database;
    const prompts = new PausingRepository(database);
    const service = new LabelService({
      prompts,
      activity: new PromptActivityRepository(database),
      access: new PromptAccess(prompts),
      changes: { announce: () => Promise.resolve() } as unknown as PromptChanges,
      audit: { record: () => Promise.resolve() },
      clock: systemClock,
    });
    const ctx = {
      requestId: null,
      ip: null,
      userAgent: null,
      principal: {
        kind: "user" as const,
        userId: dev.id,
        email: dev.email,
        globalRole: "viewer" as const,
        teams: new Map([[teamId, "developer" as const]]),
      },
    };
    const protecting = service.move(id, "production", { protected: true }, ctx);
    await hasRead;
    expect((await put({ version: 2 })).status).toBe(200);
    release();
    expect((await protecting).applied).toBe(true);
    expect((await protecting).result.label).toMatchObject({ versions: [{ version: 2, weight: 100 }] });
    const label = (await h.call<Prompt>("GET", `/api/v1/prompts/${id}`, { token: dev.token })).body.labels[0];
    expect(label).toMatchObject({ protected: true, versions: [{ version: 2, weight: 100 }] });
  });
});
