import type { Conversation, ErrorEnvelope, Project } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";

describe.each(["sqlite", "postgres"] as const)("projects on %s", (shape) => {
  let h: Harness;
  let pgdb: TestPostgres | undefined;
  let teamA: string;
  let teamB: string;

  beforeAll(async () => {
    pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
    h = await startHarness(
      pgdb
        ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "projects-test-secret-0123456789abcdef" }
        : {},
    );
    const team = async (name: string) =>
      (await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } })).body
        .id;
    teamA = await team("Platform");
    teamB = await team("Payments");
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await pgdb?.drop();
  });

  async function memberOf(
    teamId: string,
    role: "viewer" | "developer" | "admin",
    globalRole: "viewer" | "developer" = "viewer",
  ) {
    const u = await h.user(globalRole);
    await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { token: h.adminToken, body: { role } });
    return u;
  }
  const errorOf = (res: { status: number; body: unknown }) => [
    res.status,
    (res.body as ErrorEnvelope).error.code,
  ];

  it("creates, reads, lists, changes, archives and deletes a project, auditing each change", async () => {
    const dev = await memberOf(teamA, "developer");
    const created = await h.call<Project>("POST", "/api/v1/projects", {
      token: dev.token,
      body: {
        teamId: teamA,
        name: "Billing Service",
        description: "Invoices and payments",
        repositoryUrl: "git@github.com:acme/billing.git",
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      teamId: teamA,
      name: "Billing Service",
      slug: "billing-service",
      repositoryUrl: "git@github.com:acme/billing.git",
      createdBy: dev.id,
      archivedAt: null,
    });
    const id = created.body.id;

    const viewer = await memberOf(teamA, "viewer");
    expect((await h.call<Project>("GET", `/api/v1/projects/${id}`, { token: viewer.token })).body.name).toBe(
      "Billing Service",
    );
    const changed = await h.call<Project>("PATCH", `/api/v1/projects/${id}`, {
      token: dev.token,
      body: { description: "Invoices", repositoryUrl: "https://github.com/acme/billing" },
    });
    expect(changed.body).toMatchObject({
      description: "Invoices",
      repositoryUrl: "https://github.com/acme/billing",
    });

    const archived = await h.call<Project>("PATCH", `/api/v1/projects/${id}`, {
      token: dev.token,
      body: { archived: true },
    });
    expect(archived.body.archivedAt).not.toBeNull();
    const listed = async (query: string) =>
      (
        await h.call<{ items: Project[] }>("GET", `/api/v1/projects?teamId=${teamA}${query}`, {
          token: viewer.token,
        })
      ).body.items.map((p) => p.id);
    expect(await listed("")).not.toContain(id);
    expect(await listed("&includeArchived=true")).toContain(id);
    await h.call("PATCH", `/api/v1/projects/${id}`, { token: dev.token, body: { archived: false } });
    expect(await listed("&q=BILLING")).toContain(id);
    expect(await listed("&q=nothing-like-it")).toEqual([]);

    expect((await h.call("DELETE", `/api/v1/projects/${id}`, { token: dev.token })).status).toBe(204);
    expect(errorOf(await h.call("GET", `/api/v1/projects/${id}`, { token: dev.token }))).toEqual([
      404,
      "project.not_found",
    ]);
    const audit = await h.call<{ items: { action: string; target: { id: string } | null }[] }>(
      "GET",
      "/api/v1/audit?limit=50",
      { token: h.adminToken },
    );
    const actions = audit.body.items.filter((e) => e.target?.id === id).map((e) => e.action);
    expect(actions.sort()).toEqual([
      "project.archived",
      "project.created",
      "project.deleted",
      "project.restored",
      "project.updated",
    ]);
  });

  it("pages through a team's projects by name", async () => {
    const dev = await memberOf(teamB, "developer");
    for (const name of ["Pager c", "Pager a", "Pager b"])
      await h.call("POST", "/api/v1/projects", { token: dev.token, body: { teamId: teamB, name } });
    const first = await h.call<{ items: Project[]; nextCursor: string | null }>(
      "GET",
      `/api/v1/projects?teamId=${teamB}&q=pager&limit=2`,
      { token: dev.token },
    );
    expect(first.body.items.map((p) => p.name)).toEqual(["Pager a", "Pager b"]);
    const next = await h.call<{ items: Project[]; nextCursor: string | null }>(
      "GET",
      `/api/v1/projects?teamId=${teamB}&q=pager&limit=2&cursor=${first.body.nextCursor ?? ""}`,
      { token: dev.token },
    );
    expect([next.body.items.map((p) => p.name), next.body.nextCursor]).toEqual([["Pager c"], null]);
  });

  it("refuses a second project of the same name in a team, ignoring case, but not in another team", async () => {
    const devA = await memberOf(teamA, "developer");
    const create = (token: string, teamId: string, name: string) =>
      h.call<Project>("POST", "/api/v1/projects", { token, body: { teamId, name } });
    expect((await create(devA.token, teamA, "Gateway")).status).toBe(201);
    expect(errorOf(await create(devA.token, teamA, "gateway"))).toEqual([409, "project.name_taken"]);
    const other = await create(devA.token, teamA, "Gateway 2");
    expect(
      errorOf(
        await h.call("PATCH", `/api/v1/projects/${other.body.id}`, {
          token: devA.token,
          body: { name: "GATEWAY" },
        }),
      ),
    ).toEqual([409, "project.name_taken"]);
    const devB = await memberOf(teamB, "developer");
    expect((await create(devB.token, teamB, "Gateway")).status).toBe(201);
  });

  it("hides another team's projects (404) and lets only developers and above change them (403)", async () => {
    const devA = await memberOf(teamA, "developer");
    const project = await h.call<Project>("POST", "/api/v1/projects", {
      token: devA.token,
      body: { teamId: teamA, name: "Secret roadmap" },
    });
    const devB = await memberOf(teamB, "developer");
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { name: "Mine" }],
      ["DELETE", undefined],
    ] as const)
      expect(
        errorOf(await h.call(method, `/api/v1/projects/${project.body.id}`, { token: devB.token, body })),
      ).toEqual([404, "project.not_found"]);
    const listB = await h.call<{ items: Project[] }>("GET", "/api/v1/projects", { token: devB.token });
    expect(listB.body.items.map((p) => p.id)).not.toContain(project.body.id);
    expect(
      errorOf(
        await h.call("POST", "/api/v1/projects", { token: devB.token, body: { teamId: teamA, name: "X" } }),
      ),
    ).toEqual([404, "team.not_found"]);

    const viewer = await memberOf(teamA, "viewer");
    expect(
      errorOf(
        await h.call("POST", "/api/v1/projects", { token: viewer.token, body: { teamId: teamA, name: "X" } }),
      ),
    ).toEqual([403, "auth.forbidden"]);
    expect(
      errorOf(
        await h.call("PATCH", `/api/v1/projects/${project.body.id}`, {
          token: viewer.token,
          body: { name: "Y" },
        }),
      ),
    ).toEqual([403, "auth.forbidden"]);
  });

  it("accepts http(s), ssh and git repository URLs and refuses others (400)", async () => {
    const dev = await memberOf(teamA, "developer");
    let n = 0;
    const create = (repositoryUrl: string) =>
      h.call<Project>("POST", "/api/v1/projects", {
        token: dev.token,
        body: { teamId: teamA, name: `Repo ${shape} ${n++}`, repositoryUrl },
      });
    for (const url of [
      "https://github.com/acme/app.git",
      "http://git.internal/acme/app",
      "ssh://git@git.internal:2222/acme/app.git",
      "git://git.internal/acme/app.git",
      "git@github.com:acme/app.git",
    ])
      expect((await create(url)).status, url).toBe(201);
    for (const url of [
      "javascript:alert(1)",
      "file:///etc/passwd",
      "ftp://host/repo",
      "https://user:secret@github.com/acme/app.git",
      "not a url",
      `https://github.com/${"a".repeat(2100)}`,
    ])
      expect(errorOf(await create(url)), url).toEqual([400, "validation.failed"]);
  });

  it("puts conversations in a project, filters by it, and keeps them without it once it is deleted", async () => {
    // A global developer too: it has personal conversations.
    const dev = await memberOf(teamA, "developer", "developer");
    const project = (
      await h.call<Project>("POST", "/api/v1/projects", {
        token: dev.token,
        body: { teamId: teamA, name: "Chat project" },
      })
    ).body;
    // The team defaults to the project's.
    const inProject = await h.call<Conversation>("POST", "/api/v1/conversations", {
      token: dev.token,
      body: { title: "In it", projectId: project.id },
    });
    expect(inProject.status).toBe(201);
    expect(inProject.body).toMatchObject({ teamId: teamA, projectId: project.id });
    const outside = await h.call<Conversation>("POST", "/api/v1/conversations", {
      token: dev.token,
      body: { title: "Not in it", teamId: teamA },
    });
    expect(outside.body.projectId).toBeNull();
    const moved = await h.call<Conversation>("PATCH", `/api/v1/conversations/${outside.body.id}`, {
      token: dev.token,
      body: { projectId: project.id },
    });
    expect(moved.body.projectId).toBe(project.id);
    const listed = async () =>
      (
        await h.call<{ items: Conversation[] }>("GET", `/api/v1/conversations?projectId=${project.id}`, {
          token: dev.token,
        })
      ).body.items
        .map((c) => c.title)
        .sort();
    expect(await listed()).toEqual(["In it", "Not in it"]);
    await h.call("PATCH", `/api/v1/conversations/${outside.body.id}`, {
      token: dev.token,
      body: { projectId: null },
    });
    expect(await listed()).toEqual(["In it"]);

    // A personal conversation, or one of another team, cannot be put in the project.
    expect(
      errorOf(
        await h.call("POST", "/api/v1/conversations", {
          token: dev.token,
          body: { projectId: project.id, teamId: teamB },
        }),
      ),
    ).toEqual([404, "project.not_found"]);
    const personal = await h.call<Conversation>("POST", "/api/v1/conversations", {
      token: dev.token,
      body: {},
    });
    expect(personal.body.teamId).toBeNull();
    expect(
      errorOf(
        await h.call("PATCH", `/api/v1/conversations/${personal.body.id}`, {
          token: dev.token,
          body: { projectId: project.id },
        }),
      ),
    ).toEqual([404, "project.not_found"]);
    // Another team's member neither uses nor filters by it.
    const devB = await memberOf(teamB, "developer");
    expect(
      errorOf(await h.call("GET", `/api/v1/conversations?projectId=${project.id}`, { token: devB.token })),
    ).toEqual([404, "project.not_found"]);
    expect(
      errorOf(
        await h.call("POST", "/api/v1/conversations", { token: devB.token, body: { projectId: project.id } }),
      ),
    ).toEqual([404, "project.not_found"]);

    expect((await h.call("DELETE", `/api/v1/projects/${project.id}`, { token: dev.token })).status).toBe(204);
    const kept = await h.call<Conversation>("GET", `/api/v1/conversations/${inProject.body.id}`, {
      token: dev.token,
    });
    expect([kept.status, kept.body.projectId]).toEqual([200, null]);
  });
});
