import type {
  ErrorEnvelope,
  LabelChangeRequest,
  MoveLabelResult,
  Prompt,
  PromptDiff,
  PromptVersion,
  RenderedPrompt,
} from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";

const mail = (text = "Dear {{name}}, about {{topic}} ({{urgent}}).") => ({
  kind: "template",
  text,
  variables: [
    { name: "name", type: "string" },
    { name: "topic", type: "enum", options: ["billing", "outage"], default: "billing" },
    { name: "urgent", type: "boolean", required: false },
  ],
});

describe.each(["sqlite", "postgres"] as const)("prompt templates and labels on %s", (shape) => {
  let h: Harness;
  let pgdb: TestPostgres | undefined;
  let teamA: string;
  let teamB: string;

  beforeAll(async () => {
    pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
    h = await startHarness(
      pgdb
        ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "prompts-test-secret-0123456789abcdef" }
        : {},
    );
    const team = async (name: string) =>
      (await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } })).body
        .id;
    teamA = await team("Support");
    teamB = await team("Sales");
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await pgdb?.drop();
  });

  async function memberOf(teamId: string, role: "viewer" | "developer" | "operator" | "admin") {
    const u = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { token: h.adminToken, body: { role } });
    return u;
  }
  const errorOf = (res: { status: number; body: unknown }) => [
    res.status,
    (res.body as ErrorEnvelope).error.code,
  ];
  const create = async (token: string, body: Record<string, unknown>) =>
    h.call<Prompt>("POST", "/api/v1/prompts", { token, body: { teamId: teamA, ...body } });

  it("versions a template immutably, refuses a stale edit, diffs any two versions and renders typed variables", async () => {
    const dev = await memberOf(teamA, "developer");
    const created = await create(dev.token, { name: "Reply mail", content: mail() });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: "template",
      slug: "reply-mail",
      currentVersion: 1,
      labels: [],
    });
    const id = created.body.id;
    const v2 = await h.call<Prompt>("PUT", `/api/v1/prompts/${id}`, {
      token: dev.token,
      body: {
        expectedVersion: 1,
        content: mail("Hello {{name}},\nabout {{topic}} ({{urgent}})."),
        note: "friendlier",
      },
    });
    expect(v2.body).toMatchObject({ currentVersion: 2 });
    const v3 = await h.call<Prompt>("PUT", `/api/v1/prompts/${id}`, {
      token: dev.token,
      body: {
        expectedVersion: 2,
        name: "Reply e-mail",
        content: mail("Hello {{name}},\nabout {{topic}}!! ({{urgent}})."),
      },
    });
    expect(v3.body).toMatchObject({ currentVersion: 3, name: "Reply e-mail" });
    expect(
      errorOf(
        await h.call("PUT", `/api/v1/prompts/${id}`, {
          token: dev.token,
          body: { expectedVersion: 2, content: mail() },
        }),
      ),
    ).toEqual([409, "prompt.version_conflict"]);

    const versions = await h.call<{ items: PromptVersion[] }>("GET", `/api/v1/prompts/${id}/versions`, {
      token: dev.token,
    });
    expect(versions.body.items.map((v) => [v.version, v.note])).toEqual([
      [3, ""],
      [2, "friendlier"],
      [1, ""],
    ]);
    const one = await h.call<PromptVersion>("GET", `/api/v1/prompts/${id}/versions/1`, { token: dev.token });
    expect(one.body.content).toMatchObject({ text: "Dear {{name}}, about {{topic}} ({{urgent}})." });
    expect(errorOf(await h.call("GET", `/api/v1/prompts/${id}/versions/9`, { token: dev.token }))).toEqual([
      404,
      "prompt.version_not_found",
    ]);

    const diff = await h.call<PromptDiff>("GET", `/api/v1/prompts/${id}/diff?from=1&to=3`, {
      token: dev.token,
    });
    expect(diff.status).toBe(200);
    const lines = diff.body.hunks.flatMap((x) => x.lines);
    expect(lines).toEqual(
      expect.arrayContaining([
        "-name: Reply mail",
        "+name: Reply e-mail",
        "-Dear {{name}}, about {{topic}} ({{urgent}}).",
        "+Hello {{name}},",
        "+about {{topic}}!! ({{urgent}}).",
      ]),
    );
    expect(
      errorOf(await h.call("GET", `/api/v1/prompts/${id}/diff?from=1&to=8`, { token: dev.token })),
    ).toEqual([404, "prompt.version_not_found"]);
    expect(
      errorOf(await h.call("GET", `/api/v1/prompts/${id}/diff?from=x&to=2`, { token: dev.token })),
    ).toEqual([400, "validation.failed"]);

    const viewer = await memberOf(teamA, "viewer");
    const rendered = await h.call<RenderedPrompt>("POST", `/api/v1/prompts/${id}/render`, {
      token: viewer.token,
      body: { variables: { name: "Ann", urgent: true }, version: 1 },
    });
    expect(rendered.body).toEqual({ promptId: id, version: 1, text: "Dear Ann, about billing (true)." });
    const bad = await h.call<ErrorEnvelope>("POST", `/api/v1/prompts/${id}/render`, {
      token: viewer.token,
      body: { variables: { topic: "weather", urgent: "yes", extra: 1 } },
    });
    expect(errorOf(bad)).toEqual([400, "prompt.invalid_variables"]);
    expect(bad.body.error.details).toEqual({
      issues: [
        { variable: "extra", message: "no such variable" },
        { variable: "name", message: "required" },
        { variable: "topic", message: "expected one of billing, outage" },
        { variable: "urgent", message: "expected a boolean, got string" },
      ],
    });
  });

  it("refuses templates whose placeholders and variables disagree, duplicate slugs and a change of kind", async () => {
    const dev = await memberOf(teamA, "developer");
    const bad = await create(dev.token, {
      name: "Broken",
      content: { kind: "template", text: "Hi {{who}}", variables: [{ name: "name", type: "string" }] },
    });
    expect(errorOf(bad)).toEqual([400, "prompt.invalid_template"]);
    expect((bad.body as unknown as ErrorEnvelope).error.details).toEqual({
      issues: [
        { variable: "who", message: "the placeholder {{who}} is not declared" },
        { variable: "name", message: "declared but never used as {{name}}" },
      ],
    });
    expect(
      errorOf(
        await create(dev.token, {
          name: "Bad type",
          content: { kind: "template", text: "x", variables: [{ name: "a", type: "date" }] },
        }),
      ),
    ).toEqual([400, "validation.failed"]);
    const first = await create(dev.token, { name: "Same name", content: mail() });
    expect(errorOf(await create(dev.token, { name: "Same name", content: mail() }))).toEqual([
      409,
      "prompt.slug_taken",
    ]);
    expect(
      errorOf(
        await h.call("PUT", `/api/v1/prompts/${first.body.id}`, {
          token: dev.token,
          body: { expectedVersion: 1, content: { kind: "persona", instructions: "x" } },
        }),
      ),
    ).toEqual([400, "prompt.wrong_kind"]);
    expect(
      errorOf(
        await h.call("POST", `/api/v1/prompts/${first.body.id}/render`, {
          token: dev.token,
          body: { label: "production" },
        }),
      ),
    ).toEqual([404, "prompt.label_not_found"]);
  });

  it("moves a protected label only with another person's approval: never the requester's, never through an API key", async () => {
    const dev = await memberOf(teamA, "developer");
    const operator = await memberOf(teamA, "operator");
    const other = await memberOf(teamA, "operator");
    const made = await create(operator.token, {
      name: "Support persona",
      content: { kind: "persona", instructions: "v1" },
    });
    const id = made.body.id;
    for (const n of [2, 3])
      await h.call("PUT", `/api/v1/prompts/${id}`, {
        token: dev.token,
        body: { expectedVersion: n - 1, content: { kind: "persona", instructions: `v${n}` } },
      });
    const put = (token: string, label: string, body: unknown) =>
      h.call<MoveLabelResult>("PUT", `/api/v1/prompts/${id}/labels/${label}`, { token, body });

    // Unprotected labels move at once; a new one needs a version.
    expect((await put(dev.token, "staging", { version: 3 })).status).toBe(200);
    expect(errorOf(await put(dev.token, "canary", { protected: true }))).toEqual([400, "validation.failed"]);
    expect(errorOf(await put(dev.token, "staging", { version: 7 }))).toEqual([
      404,
      "prompt.version_not_found",
    ]);
    expect(errorOf(await put(dev.token, "Bad Label", { version: 1 }))).toEqual([400, "validation.failed"]);
    const prod = await put(dev.token, "production", { version: 1, protected: true });
    expect(prod.body.label).toMatchObject({
      label: "production",
      versions: [{ version: 1, weight: 100 }],
      protected: true,
    });

    // The developer's move becomes a request; the label stays.
    const asked = await put(dev.token, "production", { version: 2, reason: "ready" });
    expect(asked.status).toBe(202);
    expect(asked.body.label?.versions).toEqual([{ version: 1, weight: 100 }]);
    const request = asked.body.request as LabelChangeRequest;
    expect(request).toMatchObject({
      status: "pending",
      label: "production",
      requestedBy: dev.id,
      requestReason: "ready",
    });

    // Its requester cannot approve it, even holding prompts:approve: an operator's own request.
    const own = await put(operator.token, "production", { version: 3 });
    expect(
      errorOf(
        await h.call("POST", `/api/v1/prompt-label-requests/${own.body.request?.id}/approve`, {
          token: operator.token,
          body: {},
        }),
      ),
    ).toEqual([403, "prompt.approval_refused"]);
    // A developer cannot approve at all.
    expect(
      errorOf(
        await h.call("POST", `/api/v1/prompt-label-requests/${request.id}/approve`, {
          token: dev.token,
          body: {},
        }),
      ),
    ).toEqual([403, "auth.forbidden"]);
    // An API key moving it makes a request too, and a key never approves, not even another person's.
    const devKey = await h.call<{ key: string; id: string }>("POST", "/api/v1/api-keys", {
      token: dev.token,
      body: { name: "ci", permissions: ["prompts:read", "prompts:manage"], teamId: teamA },
    });
    const viaKey = await put(devKey.body.key, "production", { version: 3 });
    expect(viaKey.status).toBe(202);
    expect(viaKey.body.request).toMatchObject({ requestedBy: dev.id, requestedWithKey: devKey.body.id });
    const approverKey = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
      token: other.token,
      body: { name: "bot", permissions: ["prompts:read", "prompts:approve"], teamId: teamA },
    });
    expect(
      errorOf(
        await h.call("POST", `/api/v1/prompt-label-requests/${viaKey.body.request?.id}/approve`, {
          token: approverKey.body.key,
          body: {},
        }),
      ),
    ).toEqual([403, "auth.forbidden"]);

    const pending = await h.call<{ items: LabelChangeRequest[] }>(
      "GET",
      `/api/v1/prompt-label-requests?promptId=${id}`,
      { token: dev.token },
    );
    expect(pending.body.items.map((r) => r.id).sort()).toEqual(
      [request.id, own.body.request?.id, viaKey.body.request?.id].sort(),
    );

    // Denying needs a reason.
    expect(
      errorOf(
        await h.call("POST", `/api/v1/prompt-label-requests/${viaKey.body.request?.id}/deny`, {
          token: other.token,
          body: {},
        }),
      ),
    ).toEqual([400, "validation.failed"]);
    const denied = await h.call<LabelChangeRequest>(
      "POST",
      `/api/v1/prompt-label-requests/${viaKey.body.request?.id}/deny`,
      { token: other.token, body: { reason: "not tested" } },
    );
    expect(denied.body).toMatchObject({
      status: "denied",
      decidedBy: other.id,
      decisionReason: "not tested",
    });

    const approved = await h.call<LabelChangeRequest>(
      "POST",
      `/api/v1/prompt-label-requests/${request.id}/approve`,
      { token: other.token, body: { reason: "ok" } },
    );
    expect(approved.body).toMatchObject({ status: "approved", decidedBy: other.id });
    expect(
      errorOf(
        await h.call("POST", `/api/v1/prompt-label-requests/${request.id}/approve`, {
          token: other.token,
          body: {},
        }),
      ),
    ).toEqual([409, "prompt.change_request_decided"]);
    const now = await h.call<Prompt>("GET", `/api/v1/prompts/${id}`, { token: dev.token });
    expect(now.body.labels.find((l) => l.label === "production")).toMatchObject({
      versions: [{ version: 2, weight: 100 }],
      protected: true,
    });
    expect(
      errorOf(await h.call("DELETE", `/api/v1/prompts/${id}/labels/production`, { token: dev.token })),
    ).toEqual([409, "prompt.label_protected"]);
    expect(
      (await h.call("DELETE", `/api/v1/prompts/${id}/labels/staging`, { token: dev.token })).status,
    ).toBe(204);

    const audit = await h.call<{
      items: { action: string; target: { id: string } | null; summary: Record<string, unknown> }[];
    }>("GET", "/api/v1/audit?limit=200", { token: h.adminToken });
    const actions = audit.body.items.filter((e) => e.target?.id === id).map((e) => e.action);
    for (const action of [
      "prompt.created",
      "prompt.versioned",
      "prompt.label_moved",
      "prompt.label_change_requested",
      "prompt.label_change_denied",
      "prompt.label_change_approved",
      "prompt.label_deleted",
    ])
      expect(actions, action).toContain(action);
  });

  it("hides a team's prompts from other teams (404) and lets each role do what docs/ACCESS.md says", async () => {
    const owner = await memberOf(teamA, "developer");
    const made = await create(owner.token, { name: "Matrix", content: mail() });
    const id = made.body.id;
    const roles = ["viewer", "developer", "operator", "admin"] as const;
    const outcomes: string[] = [];
    for (const team of ["own", "other"] as const)
      for (const role of roles) {
        const u = await memberOf(team === "own" ? teamA : teamB, role);
        const read = await h.call("GET", `/api/v1/prompts/${id}`, { token: u.token });
        const edit = await h.call("PUT", `/api/v1/prompts/${id}/labels/matrix-${role}-${team}`, {
          token: u.token,
          body: { version: 1 },
        });
        const list = await h.call<{ items: Prompt[] }>("GET", "/api/v1/prompts", { token: u.token });
        outcomes.push(
          `${team} ${role}: read ${read.status} label ${edit.status} listed ${list.body.items.some((p) => p.id === id)}`,
        );
      }
    expect(outcomes).toEqual([
      "own viewer: read 200 label 403 listed true",
      "own developer: read 200 label 200 listed true",
      "own operator: read 200 label 200 listed true",
      "own admin: read 200 label 200 listed true",
      // The edge refuses a permission held nowhere before the prompt is looked up.
      "other viewer: read 404 label 403 listed false",
      "other developer: read 404 label 404 listed false",
      "other operator: read 404 label 404 listed false",
      "other admin: read 404 label 404 listed false",
    ]);
    // A global admin outside the team does not see it either, nor can it create in a team it is not in.
    const globalAdmin = await h.user("admin");
    expect((await h.call("GET", `/api/v1/prompts/${id}`, { token: globalAdmin.token })).status).toBe(404);
    const outsider = await memberOf(teamB, "admin");
    expect(
      errorOf(
        await h.call("POST", "/api/v1/prompts", {
          token: outsider.token,
          body: { teamId: teamA, name: "x", content: mail() },
        }),
      ),
    ).toEqual([404, "team.not_found"]);
    expect(errorOf(await h.call("GET", `/api/v1/prompts/${id}/stats`, { token: outsider.token }))).toEqual([
      404,
      "prompt.not_found",
    ]);
  });
});
