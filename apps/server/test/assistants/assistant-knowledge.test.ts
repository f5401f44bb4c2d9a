import type { Assistant, ErrorEnvelope } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allTables } from "../all-tables.ts";
import { knowledgeClient } from "../knowledge/knowledge-support.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";

describe.each(["sqlite", "postgres"] as const)("knowledge bases attached to assistants on %s", (shape) => {
  let h: Harness;
  let pgdb: TestPostgres | undefined;
  let teamA: string;
  let teamB: string;
  let teamC: string;
  /** A global developer (personal assistants and bases), developer of teams A and C. */
  let dev: { id: string; token: string };
  /** A developer of team B only. */
  let other: { id: string; token: string };
  let baseA: string;
  let baseB: string;
  let personal: string;
  let othersPersonal: string;

  beforeAll(async () => {
    pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
    h = await startHarness(
      pgdb
        ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "assistant-knowledge-test-secret-0123456789" }
        : {},
    );
    const team = async (name: string) =>
      (await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } })).body
        .id;
    [teamA, teamB, teamC] = [await team("Ops"), await team("Sales"), await team("Support")];
    const join = async (userId: string, teamId: string) =>
      h.call("PUT", `/api/v1/teams/${teamId}/members/${userId}`, {
        token: h.adminToken,
        body: { role: "developer" },
      });
    dev = await h.user("developer");
    other = await h.user("developer");
    await join(dev.id, teamA);
    await join(dev.id, teamC);
    await join(other.id, teamB);
    const mine = knowledgeClient(h, dev.token);
    const theirs = knowledgeClient(h, other.token);
    baseA = (await mine.create("Ops runbooks", teamA)).id;
    personal = (await mine.create("My notes")).id;
    baseB = (await theirs.create("Sales decks", teamB)).id;
    othersPersonal = (await theirs.create("Their notes")).id;
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await pgdb?.drop();
  });

  const create = (body: Record<string, unknown>, token = dev.token) =>
    h.call<Assistant & ErrorEnvelope>("POST", "/api/v1/assistants", {
      token,
      body: { name: "Helper", ...body },
    });
  const codeOf = (res: { status: number; body: ErrorEnvelope }) => [res.status, res.body.error.code];

  it("attaches its team's knowledge bases to a team assistant, once each, and shows them everywhere", async () => {
    const made = await create({ teamId: teamA, knowledgeBaseIds: [baseA, baseA] });
    expect(made.status).toBe(201);
    expect(made.body.knowledgeBaseIds).toEqual([baseA]);
    const read = await h.call<Assistant>("GET", `/api/v1/assistants/${made.body.id}`, { token: dev.token });
    expect(read.body.knowledgeBaseIds).toEqual([baseA]);
    const list = await h.call<{ items: Assistant[] }>("GET", `/api/v1/assistants?teamId=${teamA}`, {
      token: dev.token,
    });
    expect(list.body.items.find((a) => a.id === made.body.id)?.knowledgeBaseIds).toEqual([baseA]);
    // Without the field nothing changes; with it, the list is replaced.
    const renamed = await h.call<Assistant>("PATCH", `/api/v1/assistants/${made.body.id}`, {
      token: dev.token,
      body: { name: "Ops helper" },
    });
    expect(renamed.body.knowledgeBaseIds).toEqual([baseA]);
    const cleared = await h.call<Assistant>("PATCH", `/api/v1/assistants/${made.body.id}`, {
      token: dev.token,
      body: { knowledgeBaseIds: [] },
    });
    expect(cleared.body.knowledgeBaseIds).toEqual([]);
  });

  it("refuses bases the editor cannot read (404) and a personal or other team's base on a team assistant (400)", async () => {
    const unknown = "00000000-0000-0000-0000-000000000000";
    for (const ids of [[baseB], [unknown], [othersPersonal], [baseA, baseB]]) {
      const res = await create({ teamId: teamA, knowledgeBaseIds: ids });
      expect(codeOf(res), JSON.stringify(ids)).toEqual([404, "knowledge_base.not_found"]);
    }
    // The author's own personal base would show the whole team the author's notes.
    const leaky = await create({ teamId: teamA, knowledgeBaseIds: [personal] });
    expect(codeOf(leaky)).toEqual([400, "assistant.knowledge_base_not_in_team"]);
    expect(leaky.body.error.message).toContain("private");
    // Another of the editor's teams is just as much outside this team.
    const elsewhere = await create({ teamId: teamC, knowledgeBaseIds: [baseA] });
    expect(codeOf(elsewhere)).toEqual([400, "assistant.knowledge_base_not_in_team"]);
    // Too many at once is bad input.
    const many = await create({ teamId: teamA, knowledgeBaseIds: Array.from({ length: 11 }, () => baseA) });
    expect(codeOf(many)).toEqual([400, "validation.failed"]);
    // Nothing was stored by the refusals.
    const rows = await allTables(h.parley.platform.database)
      .selectFrom("assistant_knowledge_bases")
      .select("knowledge_base_id")
      .where("knowledge_base_id", "in", [baseB, othersPersonal, personal])
      .execute();
    expect(rows).toEqual([]);
  });

  it("lets a private assistant use its author's personal bases and their teams', but not once it is shared", async () => {
    const inTeam = await create({
      teamId: teamA,
      visibility: "private",
      knowledgeBaseIds: [personal, baseA],
    });
    expect([inTeam.status, inTeam.body.knowledgeBaseIds]).toEqual([201, [personal, baseA]]);
    const shared = await h.call<ErrorEnvelope>("PATCH", `/api/v1/assistants/${inTeam.body.id}`, {
      token: dev.token,
      body: { visibility: "team" },
    });
    expect(codeOf(shared)).toEqual([400, "assistant.knowledge_base_not_in_team"]);
    const still = await h.call<Assistant>("GET", `/api/v1/assistants/${inTeam.body.id}`, {
      token: dev.token,
    });
    expect([still.body.visibility, still.body.knowledgeBaseIds]).toEqual(["private", [personal, baseA]]);
    // Shared together with only the team's base, it is fine.
    const both = await h.call<Assistant>("PATCH", `/api/v1/assistants/${inTeam.body.id}`, {
      token: dev.token,
      body: { visibility: "team", knowledgeBaseIds: [baseA] },
    });
    expect([both.status, both.body.visibility, both.body.knowledgeBaseIds]).toEqual([200, "team", [baseA]]);

    const own = await create({ knowledgeBaseIds: [baseA, personal] });
    expect([own.status, own.body.teamId, own.body.knowledgeBaseIds]).toEqual([201, null, [baseA, personal]]);
    expect(codeOf(await create({ knowledgeBaseIds: [baseB] }))).toEqual([404, "knowledge_base.not_found"]);
  });

  it("detaches a knowledge base when it is deleted", async () => {
    const mine = knowledgeClient(h, dev.token);
    const doomed = (await mine.create("Short-lived", teamA)).id;
    const made = await create({ teamId: teamA, knowledgeBaseIds: [doomed, baseA] });
    expect(made.body.knowledgeBaseIds).toEqual([doomed, baseA]);
    expect((await h.call("DELETE", `/api/v1/knowledge-bases/${doomed}`, { token: dev.token })).status).toBe(
      204,
    );
    const after = await h.call<Assistant>("GET", `/api/v1/assistants/${made.body.id}`, { token: dev.token });
    expect(after.body.knowledgeBaseIds).toEqual([baseA]);
  });

  it("copies the bases with a duplicate, and leaves behind those that do not fit where the copy goes", async () => {
    const original = await create({ teamId: teamA, knowledgeBaseIds: [baseA] });
    const here = await h.call<Assistant>("POST", `/api/v1/assistants/${original.body.id}/duplicate`, {
      token: dev.token,
      body: {},
    });
    expect([here.status, here.body.knowledgeBaseIds]).toEqual([201, [baseA]]);
    const there = await h.call<Assistant>("POST", `/api/v1/assistants/${original.body.id}/duplicate`, {
      token: dev.token,
      body: { teamId: teamC },
    });
    expect([there.status, there.body.teamId, there.body.knowledgeBaseIds]).toEqual([201, teamC, []]);
    const audit = await h.call<{
      items: { action: string; target: { id: string } | null; summary: unknown }[];
    }>("GET", "/api/v1/audit?limit=20", { token: h.adminToken });
    expect(audit.body.items.find((e) => e.target?.id === there.body.id)?.summary).toMatchObject({
      knowledgeBasesLeftBehind: [baseA],
    });
  });
});
