import type { Permission, Role } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import type { Principal } from "../../kernel/principal.ts";
import { auditScopeOf } from "./audit-scope.ts";

function principal(
  globalRole: Role,
  teams: Record<string, Role> = {},
  apiKey?: Principal["apiKey"],
): Principal {
  return {
    kind: apiKey ? "api_key" : "user",
    userId: "u1",
    email: "u1@example.com",
    globalRole,
    teams: new Map(Object.entries(teams)),
    ...(apiKey ? { apiKey } : {}),
  };
}

describe("auditScopeOf", () => {
  it("lets global auditors read every entry", () => {
    expect(auditScopeOf(principal("admin"))).toEqual({ allTeams: true });
    expect(auditScopeOf(principal("operator", { t1: "viewer" }))).toEqual({ allTeams: true });
  });

  it("limits team auditors to the teams where their role grants audit:read", () => {
    expect(auditScopeOf(principal("viewer", { t1: "operator", t2: "developer", t3: "admin" }))).toEqual({
      allTeams: false,
      teamIds: ["t1", "t3"],
    });
    expect(auditScopeOf(principal("developer"))).toEqual({ allTeams: false, teamIds: [] });
  });

  it("narrows to what an API key allows", () => {
    const key = (teamId: string | null, permissions: Permission[]) => ({ id: "k1", teamId, permissions });
    expect(auditScopeOf(principal("admin", {}, key(null, ["audit:read"])))).toEqual({ allTeams: true });
    expect(auditScopeOf(principal("admin", {}, key("t9", ["audit:read"])))).toEqual({
      allTeams: false,
      teamIds: ["t9"],
    });
    expect(auditScopeOf(principal("admin", { t1: "admin" }, key(null, ["teams:read"])))).toEqual({
      allTeams: false,
      teamIds: [],
    });
  });
});
