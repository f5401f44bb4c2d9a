import pino from "pino";
import type { AuditPage, AuditVerification, ErrorEnvelope, Role } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EdgeAuth } from "../../http/authenticate.ts";
import { buildHttpServer } from "../../http/http-server.ts";
import { errorCatalog } from "../../app/errors.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import { createMetrics } from "../../platform/metrics/metrics.ts";
import { MemoryRateLimiter } from "../../platform/rate-limit/memory-rate-limiter.ts";
import type { Principal } from "../../kernel/principal.ts";
import { registerAuditRoutes } from "./audit.routes.ts";
import { auditDialects, buildAuditEvent, type AuditHarness } from "./audit-test-support.ts";

function principal(globalRole: Role, teams: Record<string, Role> = {}): Principal {
  return {
    kind: "user",
    userId: `u_${globalRole}`,
    email: "x@example.com",
    globalRole,
    teams: new Map(Object.entries(teams)),
  };
}

/** Bearer tokens the stub edge accepts, and who they stand for. */
const people: Record<string, Principal> = {
  admin: principal("admin"),
  teamOperator: principal("viewer", { t_a: "operator" }),
  developer: principal("developer", { t_a: "developer" }),
};

const edge: EdgeAuth = {
  verify: (credential) => {
    const found = people[credential];
    return found
      ? Promise.resolve({ principal: found, sessionId: null })
      : Promise.reject(new Error("unknown token"));
  },
  denied: () => Promise.resolve(),
  limit: () => Promise.resolve(),
};

describe("audit routes", () => {
  const [, makeFactory] = auditDialects[0];
  const factory = makeFactory();
  let harness: AuditHarness;
  let app: TypedApp;

  beforeAll(async () => {
    harness = await factory.create();
    app = await buildHttpServer(
      {
        logger: pino({ level: "silent" }),
        metrics: createMetrics({ pod: "test", role: "all" }),
        rateLimiter: new MemoryRateLimiter(),
        bodyLimitBytes: 1024,
        trustProxy: false,
        ipRateLimitPerMinute: 10_000,
        version: "0.0.0-test",
        errors: errorCatalog,
        auth: edge,
      },
      async (scope) => {
        registerAuditRoutes(scope, { audit: harness.audit });
        return Promise.resolve();
      },
    );
    await app.ready();
    for (const teamId of ["t_a", "t_b", null, "t_a"]) await harness.audit.record(buildAuditEvent({ teamId }));
  });
  afterAll(async () => {
    await app.close();
    await factory.cleanup();
  });

  const get = (url: string, token = "admin") =>
    app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });

  it("lists entries newest first and pages with the returned cursor", async () => {
    const first = await get("/api/v1/audit?limit=3");
    expect(first.statusCode).toBe(200);
    const page = first.json<AuditPage>();
    expect(page.items.map((e) => e.seq)).toEqual([4, 3, 2]);
    const next = await get(`/api/v1/audit?limit=3&cursor=${page.nextCursor ?? ""}`);
    expect(next.json<AuditPage>()).toMatchObject({ items: [{ seq: 1 }], nextCursor: null });
    const filtered = await get("/api/v1/audit?teamId=t_a&outcome=success&from=2026-01-01T00:00:00Z");
    expect(filtered.json<AuditPage>().items.map((e) => e.seq)).toEqual([4, 1]);
  });

  it("answers 400 for unknown filters, bad values and forged cursors", async () => {
    for (const query of ["bogus=1", "limit=0", "limit=201", "limit=abc", "outcome=maybe", "from=yesterday"]) {
      const res = await get(`/api/v1/audit?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json<ErrorEnvelope>().error.code).toBe("validation.failed");
    }
    const forged = await get("/api/v1/audit?cursor=abc");
    expect(forged.statusCode).toBe(400);
    expect(forged.json<ErrorEnvelope>().error.code).toBe("audit.cursor_invalid");
  });

  it("shows a team auditor only their team's entries; another team is a 404", async () => {
    const own = await get("/api/v1/audit", "teamOperator");
    expect(own.json<AuditPage>().items.map((e) => e.teamId)).toEqual(["t_a", "t_a"]);
    const other = await get("/api/v1/audit?teamId=t_b", "teamOperator");
    expect(other.statusCode).toBe(404);
    expect(other.json<ErrorEnvelope>().error.code).toBe("team.not_found");
  });

  it("needs audit:read", async () => {
    expect((await get("/api/v1/audit", "developer")).statusCode).toBe(403);
    expect((await app.inject({ method: "GET", url: "/api/v1/audit" })).statusCode).toBe(401);
  });

  it("verifies the chain for global auditors only", async () => {
    const res = await get("/api/v1/audit/verify");
    expect(res.statusCode).toBe(200);
    expect(res.json<AuditVerification>()).toEqual({
      ok: true,
      checked: 4,
      firstBrokenSeq: null,
      reason: null,
      problem: null,
      headSeq: 4,
      anchor: null,
    });
    const team = await get("/api/v1/audit/verify", "teamOperator");
    expect(team.statusCode).toBe(403);
    expect(team.json<ErrorEnvelope>().error.code).toBe("auth.forbidden");
  });

  it("documents both routes in the OpenAPI document", async () => {
    const doc = (await app.inject({ method: "GET", url: "/api/openapi.json" })).json<{
      paths: Record<string, { get?: { tags?: string[]; parameters?: { name: string }[] } }>;
    }>();
    expect(doc.paths["/api/v1/audit"]?.get?.tags).toEqual(["audit"]);
    expect(doc.paths["/api/v1/audit"]?.get?.parameters?.map((p) => p.name)).toContain("cursor");
    expect(doc.paths["/api/v1/audit/verify"]?.get?.tags).toEqual(["audit"]);
  });

  it("filters by actor (id or e-mail, any case) and by action prefix, and exports what matches as CSV or JSON", async () => {
    await harness.audit.record(
      buildAuditEvent({
        action: "guide.created",
        teamId: "t_a",
        actor: { type: "user", id: "u_eve", email: "Eve@Example.com" },
        summary: { title: '=HYPERLINK("http://evil.example","click"), "quoted"' },
      }),
    );
    await harness.audit.record(buildAuditEvent({ action: "guide.deleted", teamId: "t_b" }));
    const actions = async (query: string, token = "admin") =>
      (await get(`/api/v1/audit?${query}`, token)).json<AuditPage>().items.map((e) => e.action);
    expect(await actions("actor=eve%40example.COM")).toEqual(["guide.created"]);
    expect(await actions("actor=u_eve")).toEqual(["guide.created"]);
    expect(await actions("action=guide.*")).toEqual(["guide.deleted", "guide.created"]);
    // A prefix is literal: % and _ match themselves only.
    expect(await actions("action=guide%25*")).toEqual([]);
    expect(await actions("action=guide.*", "teamOperator")).toEqual(["guide.created"]);

    const csv = await get("/api/v1/audit/export?action=guide.*&format=csv");
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.headers["content-disposition"]).toMatch(
      /attachment; filename="parley-audit-\d{4}-\d{2}-\d{2}\.csv"/,
    );
    const lines = csv.body.trim().split("\r\n");
    expect(lines[0]).toBe(
      "seq,at,actor_type,actor_id,actor_email,action,outcome,target_type,target_id,team_id,request_id,ip,summary,hash",
    );
    expect(lines).toHaveLength(3);
    // The summary cell is quoted; nothing in it starts a formula.
    expect(lines[2]).toContain('"{""title"":""=HYPERLINK');
    expect(lines.every((line) => !line.split(",").some((cell) => /^[=+@]/.test(cell)))).toBe(true);

    const json = await get("/api/v1/audit/export?action=guide.*&format=json");
    const entries = JSON.parse(json.body) as { action: string; hash: string }[];
    expect(entries.map((e) => e.action)).toEqual(["guide.deleted", "guide.created"]);
    // Team auditors export their teams' entries only; another team is a 404.
    const own = JSON.parse((await get("/api/v1/audit/export?format=json", "teamOperator")).body) as {
      teamId: string;
    }[];
    expect(new Set(own.map((e) => e.teamId))).toEqual(new Set(["t_a"]));
    expect((await get("/api/v1/audit/export?teamId=t_b", "teamOperator")).statusCode).toBe(404);
    expect((await get("/api/v1/audit/export", "developer")).statusCode).toBe(403);
    expect((await get("/api/v1/audit/export?format=xml")).statusCode).toBe(400);
  });
});
