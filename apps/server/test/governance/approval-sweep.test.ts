import type { GovernanceDecision } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/kernel/ids.ts";
import { ApprovalRepository } from "../../src/modules/governance/approval.repository.ts";
import { allTables } from "../all-tables.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";

/**
 * Approval requests whose waiting call died with its pod: nothing would ever decide them, so the
 * workers' sweep expires them and records the deny. And a request exists only with its hold.
 */
describe.each(["sqlite", "postgres"] as const)("the approval sweep on %s", (shape) => {
  let h: Harness;
  let pgdb: TestPostgres | undefined;
  let teamId: string;
  let asker: { id: string; token: string };
  let approver: { id: string; token: string };
  let repository: ApprovalRepository;

  beforeAll(async () => {
    pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
    h = await startHarness(
      pgdb
        ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "approval-sweep-secret-0123456789abcdef" }
        : {},
    );
    teamId = (
      await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name: "Sweep" } })
    ).body.id;
    const member = async (role: string) => {
      const u = await h.user("viewer");
      await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { token: h.adminToken, body: { role } });
      return u;
    };
    asker = await member("developer");
    approver = await member("operator");
    repository = new ApprovalRepository(h.parley.platform.database);
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await pgdb?.drop();
  });

  /** A request as a pod files it (with its hold decision), due `dueInMs` from now. */
  async function filed(dueInMs: number, ruleId = newId()) {
    const now = Date.now();
    const row = {
      id: newId(),
      status: "pending",
      created_at: now - 60_000,
      expires_at: now + dueInMs,
      rule_id: ruleId,
      rule_version: 1,
      rule_name: "Second pair of eyes",
      team_id: teamId,
      project_id: null,
      surface: "chat",
      model: "fake/fake-model",
      requester_id: asker.id,
      requester_email: null,
      api_key_id: null,
      request_id: null,
      reason: "held",
      matches: "[]",
      preview: "deploy to production",
      decided_by: null,
      decided_at: null,
      decision_reason: null,
    };
    await repository.insert(row, [
      {
        id: newId(),
        at: now - 60_000,
        rule_id: ruleId,
        rule_version: 1,
        rule_name: row.rule_name,
        team_id: teamId,
        project_id: null,
        assistant_id: null,
        tier: "before",
        surface: "chat",
        action: "hold",
        actor_id: asker.id,
        api_key_id: null,
        request_id: null,
        model: row.model,
        matches: "[]",
        reason: "held",
      },
    ]);
    return row;
  }
  const decisionsOf = async (ruleId: string) =>
    (
      await h.call<{ items: GovernanceDecision[] }>(
        "GET",
        `/api/v1/governance/decisions?teamId=${teamId}&ruleId=${ruleId}&limit=100`,
        { token: approver.token },
      )
    ).body.items.map((d) => [d.action, d.actorId, d.reason]);

  it("expires a request whose waiting call is gone, records the deny, and leaves requests still in time", async () => {
    const orphan = await filed(-1_000);
    const waiting = await filed(600_000);
    const desk = h.parley.modules.governance.approvals;
    expect(await desk.sweep()).toBeGreaterThanOrEqual(1);

    const swept = await repository.find(orphan.id);
    expect(swept).toMatchObject({
      status: "expired",
      decided_by: null,
      decision_reason: "no decision within 59 s",
    });
    expect(await decisionsOf(orphan.rule_id)).toEqual([
      ["deny", null, "no decision within 59 s"],
      ["hold", asker.id, "held"],
    ]);
    // Those who decide see it expired, not pending; the one still in time stays pending.
    const pending = await h.call<{ items: { id: string }[] }>(
      "GET",
      `/api/v1/governance/approvals?status=pending&teamId=${teamId}`,
      { token: approver.token },
    );
    expect(pending.body.items.map((a) => a.id)).toEqual([waiting.id]);
    expect((await repository.find(waiting.id))?.status).toBe("pending");
    expect(await decisionsOf(waiting.rule_id)).toEqual([["hold", asker.id, "held"]]);
    // Nothing is left to sweep.
    expect(await desk.sweep()).toBe(0);
  });

  it("expires an orphan once when 20 sweeps race", async () => {
    const orphan = await filed(-1_000);
    const desk = h.parley.modules.governance.approvals;
    const counts = await Promise.all(Array.from({ length: 20 }, () => desk.sweep()));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect((await decisionsOf(orphan.rule_id)).filter(([action]) => action === "deny")).toHaveLength(1);
  });

  it("files a request only together with its hold decision", async () => {
    const id = newId();
    const base = await filed(600_000);
    // A hold the table refuses (no rule, no time): the request must not be left without it.
    const broken = { id: newId() } as Parameters<ApprovalRepository["insert"]>[1][number];
    const refused = repository.insert({ ...base, id }, [broken]);
    await expect(refused).rejects.toThrow();
    expect(await repository.find(id)).toBeUndefined();
    const rows = await allTables(h.parley.platform.database)
      .selectFrom("governance_approvals")
      .select("id")
      .where("id", "=", id)
      .execute();
    expect(rows).toEqual([]);
  });
});
