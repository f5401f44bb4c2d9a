import {
  RECOMMENDED_RULES,
  type DryRunResult,
  type ErrorEnvelope,
  type GovernanceRule,
  type GovernanceRuleVersion,
} from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";

const piiSpec = (name: string, action: "redact" | "block" = "redact") => ({
  name,
  tier: "before",
  scope: { surfaces: ["chat", "gateway"] },
  condition: { detectors: [{ type: "pii", kinds: ["email", "card"] }] },
  action,
});

describe.each(["sqlite", "postgres"] as const)("governance rules on %s", (shape) => {
  let h: Harness;
  let pgdb: TestPostgres | undefined;
  let teamA: string;
  let teamB: string;

  beforeAll(async () => {
    pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
    h = await startHarness(
      pgdb
        ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "governance-test-secret-0123456789abcdef" }
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

  async function memberOf(teamId: string, role: "viewer" | "developer" | "admin") {
    const u = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { token: h.adminToken, body: { role } });
    return u;
  }
  const errorOf = (res: { status: number; body: unknown }) => [
    res.status,
    (res.body as ErrorEnvelope).error.code,
  ];

  it("creates a rule, versions it immutably, refuses a stale edit, disables and deletes it, auditing each", async () => {
    const admin = await memberOf(teamA, "admin");
    const created = await h.call<GovernanceRule>("POST", "/api/v1/governance/rules", {
      token: admin.token,
      body: { teamId: teamA, spec: piiSpec("No PII out") },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      teamId: teamA,
      name: "No PII out",
      currentVersion: 1,
      enabled: true,
      createdBy: admin.id,
      spec: { action: "redact", tier: "before" },
    });
    const id = created.body.id;

    const v2 = await h.call<GovernanceRule>("PUT", `/api/v1/governance/rules/${id}`, {
      token: admin.token,
      body: { expectedVersion: 1, spec: piiSpec("No PII out, ever", "block") },
    });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ currentVersion: 2, name: "No PII out, ever", spec: { action: "block" } });

    const stale = await h.call("PUT", `/api/v1/governance/rules/${id}`, {
      token: admin.token,
      body: { expectedVersion: 1, spec: piiSpec("Lost edit") },
    });
    expect(errorOf(stale)).toEqual([409, "governance.rule_version_conflict"]);

    const versions = await h.call<{ items: GovernanceRuleVersion[] }>(
      "GET",
      `/api/v1/governance/rules/${id}/versions`,
      { token: admin.token },
    );
    expect(versions.body.items.map((v) => [v.version, v.spec.action])).toEqual([
      [2, "block"],
      [1, "redact"],
    ]);
    const first = await h.call<GovernanceRuleVersion>("GET", `/api/v1/governance/rules/${id}/versions/1`, {
      token: admin.token,
    });
    expect(first.body).toMatchObject({ ruleId: id, version: 1, spec: { name: "No PII out" } });
    expect(
      errorOf(await h.call("GET", `/api/v1/governance/rules/${id}/versions/7`, { token: admin.token })),
    ).toEqual([404, "governance.rule_version_not_found"]);

    const viewer = await memberOf(teamA, "viewer");
    const read = await h.call<GovernanceRule>("GET", `/api/v1/governance/rules/${id}`, {
      token: viewer.token,
    });
    expect(read.body).toMatchObject({ currentVersion: 2, spec: { name: "No PII out, ever" } });

    const disabled = await h.call<GovernanceRule>("PATCH", `/api/v1/governance/rules/${id}`, {
      token: admin.token,
      body: { enabled: false },
    });
    expect(disabled.body.enabled).toBe(false);
    const listed = await h.call<{ items: GovernanceRule[] }>(
      "GET",
      `/api/v1/governance/rules?teamId=${teamA}`,
      { token: viewer.token },
    );
    expect(listed.body.items.find((r) => r.id === id)?.enabled).toBe(false);

    expect((await h.call("DELETE", `/api/v1/governance/rules/${id}`, { token: admin.token })).status).toBe(
      204,
    );
    expect(errorOf(await h.call("GET", `/api/v1/governance/rules/${id}`, { token: admin.token }))).toEqual([
      404,
      "governance.rule_not_found",
    ]);

    const audit = await h.call<{ items: { action: string; target: { id: string } | null }[] }>(
      "GET",
      `/api/v1/audit?limit=100`,
      { token: h.adminToken },
    );
    expect(
      audit.body.items
        .filter((e) => e.target?.id === id)
        .map((e) => e.action)
        .sort(),
    ).toEqual([
      "governance.rule_created",
      "governance.rule_deleted",
      "governance.rule_disabled",
      "governance.rule_versioned",
    ]);
  });

  it("hides another team's rule (404), refuses a viewer (403) and a regex RE2 cannot run (400)", async () => {
    const adminB = await memberOf(teamB, "admin");
    const ruleB = await h.call<GovernanceRule>("POST", "/api/v1/governance/rules", {
      token: adminB.token,
      body: { teamId: teamB, spec: piiSpec("B only") },
    });
    const adminA = await memberOf(teamA, "admin");
    for (const [method, path, body] of [
      ["GET", `/api/v1/governance/rules/${ruleB.body.id}`, undefined],
      ["PUT", `/api/v1/governance/rules/${ruleB.body.id}`, { expectedVersion: 1, spec: piiSpec("x") }],
      ["DELETE", `/api/v1/governance/rules/${ruleB.body.id}`, undefined],
    ] as const)
      expect(errorOf(await h.call(method, path, { token: adminA.token, body }))).toEqual([
        404,
        "governance.rule_not_found",
      ]);

    const viewer = await memberOf(teamA, "viewer");
    expect(
      errorOf(
        await h.call("POST", "/api/v1/governance/rules", {
          token: viewer.token,
          body: { teamId: teamA, spec: piiSpec("Nope") },
        }),
      ),
    ).toEqual([403, "auth.forbidden"]);
    // A team admin is no administrator of the organisation's rules.
    expect(
      errorOf(
        await h.call("POST", "/api/v1/governance/rules", {
          token: adminA.token,
          body: { spec: piiSpec("Org") },
        }),
      ),
    ).toEqual([403, "auth.forbidden"]);

    const invalid = await h.call("POST", "/api/v1/governance/rules", {
      token: adminA.token,
      body: {
        teamId: teamA,
        spec: { ...piiSpec("Lookahead"), condition: { detectors: [{ type: "regex", pattern: "a(?=b)" }] } },
      },
    });
    expect(errorOf(invalid)).toEqual([400, "validation.failed"]);
    expect((invalid.body as ErrorEnvelope).error.message).toMatch(/Detector 1 \(regex\)/);
  });

  it("dry-runs the visible rules on a text: offsets and fingerprints, no raw text, and the redacted text", async () => {
    const admin = await memberOf(teamA, "admin");
    const rule = await h.call<GovernanceRule>("POST", "/api/v1/governance/rules", {
      token: admin.token,
      body: { teamId: teamA, spec: piiSpec("Redact PII") },
    });
    const org = await h.call<GovernanceRule>("POST", "/api/v1/governance/rules", {
      token: h.adminToken,
      body: {
        spec: {
          name: "Warn on project codename",
          tier: "after",
          scope: {},
          condition: { detectors: [{ type: "keywords", words: ["bluebird"] }] },
          action: "warn",
        },
      },
    });
    expect(org.body.teamId).toBeNull();

    const email = "ann@example.org";
    const card = "4111 1111 1111 1111";
    const text = `Mail ${email}, pay with ${card}.`;
    const viewer = await memberOf(teamA, "viewer");
    const res = await h.call<DryRunResult>("POST", "/api/v1/governance/dry-run", {
      token: viewer.token,
      body: { text, teamId: teamA },
    });
    expect(res.status).toBe(200);
    const mine = res.body.rules.find((r) => r.id === rule.body.id);
    expect(mine).toMatchObject({ version: 1, tier: "before", action: "redact" });
    expect(mine?.matches.map((m) => [m.kind, text.slice(m.start, m.end)])).toEqual([
      ["email", email],
      ["card", card],
    ]);
    for (const m of mine?.matches ?? []) expect(m.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.rules.find((r) => r.id === org.body.id)?.matches).toEqual([]);
    expect(res.body.redactedText).toBe("Mail <EMAIL_1>, pay with <CARD_1>.");
    const raw = JSON.stringify(res.body);
    expect(raw).not.toContain(email);
    expect(raw).not.toContain(card);

    const tooLong = await h.call("POST", "/api/v1/governance/dry-run", {
      token: viewer.token,
      body: { text: "x".repeat(100_001) },
    });
    expect(tooLong.status).toBe(400);
  });

  it("installs each recommended rule once in a scope when 20 installs race, team and organisation-wide", async () => {
    const admin = await memberOf(teamB, "admin");
    const recommended = new Set(RECOMMENDED_RULES.map((r) => r.name));
    const install = (token: string, body: Record<string, unknown>) =>
      h.call<{ items: GovernanceRule[] }>("POST", "/api/v1/governance/rules/recommended", { token, body });
    const names = async (token: string, teamId: string | null) =>
      (
        await h.call<{ items: GovernanceRule[] }>(
          "GET",
          `/api/v1/governance/rules?limit=100${teamId ? `&teamId=${teamId}` : ""}`,
          { token },
        )
      ).body.items
        .filter((r) => r.teamId === teamId && recommended.has(r.name))
        .map((r) => r.name)
        .sort();
    for (const [token, teamId] of [
      [admin.token, teamB],
      [h.adminToken, null],
    ] as const) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => install(token, teamId ? { teamId } : {})),
      );
      expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 201));
      // Between them, the installs created each rule exactly once.
      const created = answers.flatMap((a) => a.body.items.map((r) => r.name)).sort();
      expect(created).toHaveLength(4);
      expect(new Set(created).size).toBe(4);
      const stored = await names(token, teamId);
      expect(stored).toEqual(created);
    }
  });
});
