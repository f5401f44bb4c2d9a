import type { ErrorEnvelope, Practice, PracticeVersion, Project, Role } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";

type Answer = { status: number; body: unknown };
const errorOf = (res: Answer) => [res.status, (res.body as ErrorEnvelope).error.code];

describe.each(["sqlite", "postgres"] as const)("practices on %s", (shape) => {
  let h: Harness;
  let pgdb: TestPostgres | undefined;
  let teamA: string;
  let teamB: string;
  let adminA: { id: string; token: string };
  let adminB: { id: string; token: string };

  beforeAll(async () => {
    pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
    h = await startHarness(
      pgdb
        ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "practices-test-secret-0123456789abcdef" }
        : {},
    );
    const team = async (name: string) =>
      (await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } })).body
        .id;
    teamA = await team("Platform");
    teamB = await team("Payments");
    adminA = await memberOf(teamA, "admin");
    adminB = await memberOf(teamB, "admin");
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await pgdb?.drop();
  });

  async function memberOf(teamId: string, role: Role) {
    const u = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { token: h.adminToken, body: { role } });
    return u;
  }
  const create = (token: string, body: Record<string, unknown>) =>
    h.call<Practice>("POST", "/api/v1/practices", { token, body });
  const listOf = async (token: string, query: string) =>
    (await h.call<{ items: Practice[] }>("GET", `/api/v1/practices?${query}`, { token })).body.items;

  it("creates, versions immutably, refuses a stale edit, disables and deletes a practice, auditing each", async () => {
    const created = await create(adminA.token, {
      teamId: teamA,
      title: "Tests first",
      body: "Write a failing test before the fix.",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      teamId: teamA,
      projectId: null,
      title: "Tests first",
      body: "Write a failing test before the fix.",
      currentVersion: 1,
      enabled: true,
      createdBy: adminA.id,
    });
    const id = created.body.id;

    const v2 = await h.call<Practice>("PUT", `/api/v1/practices/${id}`, {
      token: adminA.token,
      body: { expectedVersion: 1, title: "Tests first, always", body: "Every fix comes with a test." },
    });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ currentVersion: 2, title: "Tests first, always" });
    const stale = await h.call("PUT", `/api/v1/practices/${id}`, {
      token: adminA.token,
      body: { expectedVersion: 1, title: "Lost edit", body: "Lost." },
    });
    expect(errorOf(stale)).toEqual([409, "practice.version_conflict"]);
    expect((stale.body as ErrorEnvelope).error.details).toEqual({ currentVersion: 2 });

    const versions = await h.call<{ items: PracticeVersion[] }>("GET", `/api/v1/practices/${id}/versions`, {
      token: adminA.token,
    });
    expect(versions.body.items.map((v) => [v.version, v.title, v.body])).toEqual([
      [2, "Tests first, always", "Every fix comes with a test."],
      [1, "Tests first", "Write a failing test before the fix."],
    ]);
    const first = await h.call<PracticeVersion>("GET", `/api/v1/practices/${id}/versions/1`, {
      token: adminA.token,
    });
    expect(first.body).toMatchObject({ practiceId: id, version: 1, title: "Tests first" });
    for (const missing of ["3", "0", "x", "1.5"])
      expect(
        errorOf(await h.call("GET", `/api/v1/practices/${id}/versions/${missing}`, { token: adminA.token })),
      ).toEqual([404, "practice.version_not_found"]);

    const disabled = await h.call<Practice>("PATCH", `/api/v1/practices/${id}`, {
      token: adminA.token,
      body: { enabled: false },
    });
    expect(disabled.body).toMatchObject({
      enabled: false,
      currentVersion: 2,
      body: "Every fix comes with a test.",
    });
    const viewer = await memberOf(teamA, "viewer");
    expect((await listOf(viewer.token, `teamId=${teamA}`)).find((p) => p.id === id)?.enabled).toBe(false);

    expect((await h.call("DELETE", `/api/v1/practices/${id}`, { token: adminA.token })).status).toBe(204);
    expect(errorOf(await h.call("GET", `/api/v1/practices/${id}`, { token: adminA.token }))).toEqual([
      404,
      "practice.not_found",
    ]);
    const audit = await h.call<{
      items: { action: string; target: { id: string } | null; summary: unknown }[];
    }>("GET", "/api/v1/audit?limit=100", { token: h.adminToken });
    const mine = audit.body.items.filter((e) => e.target?.id === id);
    expect(mine.map((e) => e.action).sort()).toEqual([
      "practice.created",
      "practice.deleted",
      "practice.disabled",
      "practice.versioned",
    ]);
    // The audit log records the shape of a change, not the text.
    expect(JSON.stringify(mine)).not.toContain("failing test");
  });

  it("keeps team-wide and project practices apart, each in position order, and moves one within its scope", async () => {
    const project = (
      await h.call<Project>("POST", "/api/v1/projects", {
        token: adminA.token,
        body: { teamId: teamA, name: "Order project" },
      })
    ).body;
    const titles = ["One", "Two", "Three"];
    const made: Practice[] = [];
    for (const title of titles)
      made.push(
        (await create(adminA.token, { teamId: teamA, projectId: project.id, title, body: `${title}.` })).body,
      );
    expect(made.map((p) => p.position)).toEqual([0, 1, 2]);
    const inProject = async () =>
      (await listOf(adminA.token, `teamId=${teamA}&projectId=${project.id}`)).map((p) => p.title);
    expect(await inProject()).toEqual(titles);
    // Team-wide ones are not the project's.
    const teamWide = (await create(adminA.token, { teamId: teamA, title: "Team-wide", body: "x" })).body;
    expect(teamWide.projectId).toBeNull();
    expect(await inProject()).toEqual(titles);

    const [one, two, three] = made.map((p) => p.id);
    const move = (id: string | undefined, direction: "up" | "down") =>
      h.call<{ items: Practice[] }>("POST", `/api/v1/practices/${id ?? ""}/move`, {
        token: adminA.token,
        body: { direction },
      });
    const up = await move(three, "up");
    expect(up.status).toBe(200);
    expect(up.body.items.map((p) => [p.title, p.position])).toEqual([
      ["One", 0],
      ["Three", 1],
      ["Two", 2],
    ]);
    expect((await move(three, "up")).body.items.map((p) => p.title)).toEqual(["Three", "One", "Two"]);
    // At either end it stays.
    expect((await move(three, "up")).body.items.map((p) => p.title)).toEqual(["Three", "One", "Two"]);
    expect((await move(two, "down")).body.items.map((p) => p.title)).toEqual(["Three", "One", "Two"]);
    expect(await inProject()).toEqual(["Three", "One", "Two"]);
    // The team-wide scope did not move.
    expect((await listOf(adminA.token, `teamId=${teamA}`)).find((p) => p.id === teamWide.id)?.position).toBe(
      teamWide.position,
    );
    expect(
      errorOf(
        await h.call("POST", `/api/v1/practices/${one ?? ""}/move`, {
          token: adminA.token,
          body: { direction: "left" },
        }),
      ),
    ).toEqual([400, "validation.failed"]);

    // Given a position; a tie goes to the older practice, and the next move numbers them anew.
    const positioned = await h.call<Practice>("PATCH", `/api/v1/practices/${two ?? ""}`, {
      token: adminA.token,
      body: { position: 0 },
    });
    expect(positioned.body.position).toBe(0);
    expect(await inProject()).toEqual(["Two", "Three", "One"]);
    expect((await move(one, "up")).body.items.map((p) => [p.title, p.position])).toEqual([
      ["Two", 0],
      ["One", 1],
      ["Three", 2],
    ]);
  });

  it("refuses a project of another team, bad input and a full team with stable codes", async () => {
    const projectB = (
      await h.call<Project>("POST", "/api/v1/projects", {
        token: adminB.token,
        body: { teamId: teamB, name: "B project" },
      })
    ).body;
    expect(
      errorOf(await create(adminA.token, { teamId: teamA, projectId: projectB.id, title: "x", body: "y" })),
    ).toEqual([400, "practice.project_not_in_team"]);
    expect(
      errorOf(
        await create(adminA.token, { teamId: teamA, projectId: "no-such-project", title: "x", body: "y" }),
      ),
    ).toEqual([400, "practice.project_not_in_team"]);
    for (const body of [
      { title: "x", body: "y" },
      { teamId: teamA, title: "", body: "y" },
      { teamId: teamA, title: "x", body: "   " },
      { teamId: teamA, title: "x", body: "y".repeat(20_001) },
      { teamId: teamA, title: "x", body: "y", position: -1 },
      { teamId: teamA, title: "x", body: "y", extra: 1 },
    ])
      expect(errorOf(await create(adminA.token, body)), JSON.stringify(body).slice(0, 80)).toEqual([
        400,
        "validation.failed",
      ]);
    const ok = (await create(adminA.token, { teamId: teamA, title: "x", body: "y" })).body;
    expect(
      errorOf(await h.call("PATCH", `/api/v1/practices/${ok.id}`, { token: adminA.token, body: {} })),
    ).toEqual([400, "validation.failed"]);
    expect(
      errorOf(
        await h.call("PUT", `/api/v1/practices/${ok.id}`, {
          token: adminA.token,
          body: { expectedVersion: 0, title: "x", body: "y" },
        }),
      ),
    ).toEqual([400, "validation.failed"]);

    // A team keeps at most 200 practices.
    const full = (
      await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name: "Full" } })
    ).body.id;
    const admin = await memberOf(full, "admin");
    for (let i = 0; i < 200; i++)
      expect((await create(admin.token, { teamId: full, title: `P${i}`, body: "y" })).status).toBe(201);
    expect(errorOf(await create(admin.token, { teamId: full, title: "One too many", body: "y" }))).toEqual([
      409,
      "practice.limit_reached",
    ]);
  }, 60_000);

  /**
   * The role matrix, generated: every team role × its own team or another × every operation.
   * A member reads with governance:read in the team (every role) and changes with
   * governance:manage (operators and admins); another team's practices do not exist for them
   * (404), unless they hold no governance:manage at all, which the HTTP edge refuses first (403).
   */
  const ROLES: Role[] = ["viewer", "developer", "operator", "admin"];
  const MANAGES: Record<Role, boolean> = { viewer: false, developer: false, operator: true, admin: true };
  const OPERATIONS = [
    { name: "list", change: false, on: "team" },
    { name: "create", change: true, on: "team" },
    { name: "get", change: false, on: "practice" },
    { name: "versions", change: false, on: "practice" },
    { name: "version", change: false, on: "practice" },
    { name: "update", change: true, on: "practice" },
    { name: "patch", change: true, on: "practice" },
    { name: "move", change: true, on: "practice" },
    { name: "delete", change: true, on: "practice" },
  ] as const;
  const cells = ROLES.flatMap((role) =>
    (["own", "other"] as const).flatMap((team) => OPERATIONS.map((op) => ({ role, team, op }))),
  );

  it.each(cells)("a team $role on the $team team: $op.name", async ({ role, team, op }) => {
    const actor = await memberOf(teamA, role);
    const teamId = team === "own" ? teamA : teamB;
    const owner = team === "own" ? adminA : adminB;
    const fixture = (await create(owner.token, { teamId, title: `Fixture ${op.name}`, body: "b" })).body;
    const p = `/api/v1/practices/${fixture.id}`;
    const request: [string, string, unknown?] = {
      list: ["GET", `/api/v1/practices?teamId=${teamId}`],
      create: ["POST", "/api/v1/practices", { teamId, title: "New", body: "b" }],
      get: ["GET", p],
      versions: ["GET", `${p}/versions`],
      version: ["GET", `${p}/versions/1`],
      update: ["PUT", p, { expectedVersion: 1, title: "New title", body: "b2" }],
      patch: ["PATCH", p, { enabled: false }],
      move: ["POST", `${p}/move`, { direction: "up" }],
      delete: ["DELETE", p],
    }[op.name] as [string, string, unknown?];
    const res = await h.call(request[0], request[1], { token: actor.token, body: request[2] });
    // A change needs governance:manage somewhere first: the HTTP edge refuses it (403) before
    // the service looks for the practice or team.
    if (op.change && !MANAGES[role]) {
      expect(errorOf(res)).toEqual([403, "auth.forbidden"]);
    } else if (team === "other") {
      expect(errorOf(res)).toEqual([404, op.on === "team" ? "team.not_found" : "practice.not_found"]);
    } else {
      expect(res.status).toBeLessThan(300);
    }
    // Nothing changed where it was refused.
    const after = await h.call<Practice>("GET", p, { token: owner.token });
    if (!(op.change && op.on === "practice" && team === "own" && MANAGES[role]))
      expect(after.body).toMatchObject({ currentVersion: 1, enabled: true, title: `Fixture ${op.name}` });
  });
});
