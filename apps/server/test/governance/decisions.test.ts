import type { DecisionSummary, GovernanceDecision } from "@parley/contracts";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { completeGateway } from "./governance-support.ts";

describe.each(["sqlite", "postgres"] as const)("governance decisions on %s", (shape) => {
  let fake: FakeUpstream;
  let h: Harness;
  let pg: TestPostgres | undefined;
  let team: string;
  let operator: { id: string; token: string };
  let developer: { id: string; token: string };
  let outsider: { id: string; token: string };
  let elsewhere: string;
  let member: (teamId: string, role: string) => Promise<{ id: string; token: string }>;

  beforeAll(async () => {
    fake = await startFakeUpstream({ text: "Fine.", chunks: 2 });
    pg = shape === "postgres" ? await createTestPostgres() : undefined;
    const limits = { apiPerMinute: 100000, aiPerMinute: 100000 };
    h = await startHarness({
      PARLEY_PROVIDERS: fakeProviders(fake.url),
      PARLEY_RATE_LIMITS: JSON.stringify({
        admin: limits,
        operator: limits,
        developer: limits,
        viewer: limits,
      }),
      ...(pg
        ? { PARLEY_DATABASE_URL: pg.url, PARLEY_SECRET_KEY: "decisions-test-secret-0123456789abcdef" }
        : {}),
    });
    const teamOf = async (name: string) =>
      (await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } })).body
        .id;
    team = await teamOf("Payments");
    elsewhere = await teamOf("Elsewhere");
    member = async (teamId: string, role: string) => {
      const user = await h.user("viewer");
      await h.call("PUT", `/api/v1/teams/${teamId}/members/${user.id}`, {
        token: h.adminToken,
        body: { role },
      });
      return user;
    };
    operator = await member(team, "operator");
    developer = await member(team, "developer");
    outsider = await member(elsewhere, "operator");
    await h.call("POST", "/api/v1/governance/rules", {
      token: operator.token,
      body: {
        teamId: team,
        spec: {
          name: "No project names out",
          tier: "before",
          scope: {},
          condition: { detectors: [{ type: "keywords", words: ["falcon"] }] },
          action: "block",
        },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await fake.close();
    await pg?.drop();
  });

  const list = (token: string, query = "") =>
    h.call<{ items: GovernanceDecision[]; nextCursor: string | null }>(
      "GET",
      `/api/v1/governance/decisions?limit=2${query}`,
      { token },
    );

  it("records each block for the team's managers and the caller, pages them, and counts them by day, rule and team", async () => {
    const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
      token: developer.token,
      body: { name: "dev", permissions: ["ai:use"], teamId: team },
    });
    const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key.body.key, maxRetries: 0 });
    for (const n of [1, 2, 3]) {
      const answer = await completeGateway(client, {
        model: "fake/fake-model",
        messages: [{ role: "user", content: `Falcon ships in ${n} weeks` }],
      });
      expect(answer.error).toMatchObject({ status: 403, code: "governance.blocked" });
    }

    const first = await list(operator.token, `&teamId=${team}`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0]).toMatchObject({
      action: "block",
      tier: "before",
      surface: "gateway",
      teamId: team,
      actorId: developer.id,
      ruleName: "No project names out",
      ruleVersion: 1,
    });
    const rest = await list(operator.token, `&teamId=${team}&cursor=${first.body.nextCursor ?? ""}`);
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.nextCursor).toBeNull();
    const ids = [...first.body.items, ...rest.body.items].map((d) => d.id);
    expect(new Set(ids).size).toBe(3);
    // Three different texts, one keyword: the same fingerprint each time.
    expect(
      new Set([...first.body.items, ...rest.body.items].map((d) => d.matches[0]?.fingerprint)).size,
    ).toBe(1);

    // The caller sees their own; another team's operator sees none and cannot ask for this team.
    expect((await list(developer.token)).body.items.length).toBe(2);
    expect((await list(outsider.token)).body.items).toEqual([]);
    expect((await list(outsider.token, `&teamId=${team}`)).status).toBe(404);

    const summary = await h.call<DecisionSummary>(
      "GET",
      `/api/v1/governance/decisions/summary?teamId=${team}`,
      {
        token: operator.token,
      },
    );
    expect(summary.status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    expect(summary.body.byDay).toEqual([{ day: today, action: "block", count: 3 }]);
    expect(summary.body.byRule).toEqual([
      { ruleId: expect.any(String) as string, ruleName: "No project names out", count: 3 },
    ]);
    expect(summary.body.byTeam).toEqual([{ teamId: team, count: 3 }]);

    const wrongRange = await h.call(
      "GET",
      "/api/v1/governance/decisions/summary?from=2026-01-01T00:00:00.000Z&to=2025-01-01T00:00:00.000Z",
      {
        token: operator.token,
      },
    );
    expect(wrongRange.status).toBe(400);
    const badCursor = await list(operator.token, "&cursor=nonsense");
    expect(badCursor.status).toBe(400);
  });

  it("shows a team-bound API key only its team's decisions, its owner's own elsewhere included", async () => {
    // Someone managing governance in both teams, whose calls are blocked in each and personally.
    const both = await h.user("developer");
    for (const teamId of [team, elsewhere])
      await h.call("PUT", `/api/v1/teams/${teamId}/members/${both.id}`, {
        token: h.adminToken,
        body: { role: "operator" },
      });
    const rule = (teamId: string | null, word: string) =>
      h.call("POST", "/api/v1/governance/rules", {
        token: teamId ? both.token : h.adminToken,
        body: {
          ...(teamId ? { teamId } : {}),
          spec: {
            name: `No ${word}`,
            tier: "before",
            scope: {},
            condition: { detectors: [{ type: "keywords", words: [word] }] },
            action: "block",
          },
        },
      });
    expect((await rule(elsewhere, "heron")).status).toBe(201);
    expect((await rule(null, "osprey")).status).toBe(201);
    const keyOf = async (permissions: string[], teamId?: string) => {
      const made = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
        token: both.token,
        body: { name: "k", permissions, ...(teamId ? { teamId } : {}) },
      });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      return made.body.key;
    };
    const blocked = async (key: string, content: string) => {
      const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0 });
      const answer = await completeGateway(client, {
        model: "fake/fake-model",
        messages: [{ role: "user", content }],
      });
      expect(answer.error).toMatchObject({ status: 403, code: "governance.blocked" });
    };
    await blocked(await keyOf(["ai:use"], team), "falcon again");
    await blocked(await keyOf(["ai:use"], elsewhere), "a heron");
    await blocked(await keyOf(["ai:use"]), "an osprey");

    const reader = await keyOf(["governance:read", "governance:manage"], team);
    const all = (token: string, query = "") =>
      h.call<{ items: GovernanceDecision[] }>("GET", `/api/v1/governance/decisions?limit=100${query}`, {
        token,
      });
    // Signed in, the same person sees all three places.
    const mine = (await all(both.token)).body.items.filter((d) => d.actorId === both.id);
    expect(mine.map((d) => d.teamId).sort()).toEqual([elsewhere, null, team].sort());
    // Through the key bound to the team: the team's decisions (everyone's), nothing else.
    const seen = (await all(reader)).body.items;
    expect(new Set(seen.map((d) => d.teamId))).toEqual(new Set([team]));
    expect(seen.filter((d) => d.actorId === both.id).map((d) => d.ruleName)).toEqual([
      "No project names out",
    ]);
    expect((await all(reader, `&teamId=${elsewhere}`)).status).toBe(404);
    const summary = await h.call<DecisionSummary>("GET", "/api/v1/governance/decisions/summary", {
      token: reader,
    });
    expect(summary.body.byTeam).toEqual([{ teamId: team, count: seen.length }]);

    // A key bound to the team without governance:manage there: only its owner's own calls there.
    const ownOnly = await keyOf(["governance:read"], team);
    const own = (await all(ownOnly)).body.items;
    expect(own.map((d) => [d.teamId, d.actorId])).toEqual([[team, both.id]]);
  });
});
