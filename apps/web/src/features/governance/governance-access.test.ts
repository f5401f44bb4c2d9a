import { describe, expect, it } from "vitest";
import { mayApprove, mayManageRules, mayReadGovernance, placesToCreateRules } from "./governance-access.ts";

const person = (
  globalRole: "viewer" | "developer" | "operator" | "admin",
  teams: [string, string][] = [],
) => ({
  user: { globalRole },
  teams: teams.map(([id, role]) => ({ id, name: id.toUpperCase(), role: role as "viewer" })),
  permissions: ["governance:read"],
});

describe("who may manage governance rules", () => {
  it("lets a global operator or admin manage organisation-wide rules, and nobody else", () => {
    expect(mayManageRules(person("operator"), null)).toBe(true);
    expect(mayManageRules(person("admin"), null)).toBe(true);
    expect(mayManageRules(person("developer", [["t1", "admin"]]), null)).toBe(false);
  });

  it("decides a team's rules by the role in that team, a global admin managing every team's", () => {
    expect(mayManageRules(person("viewer", [["t1", "operator"]]), "t1")).toBe(true);
    expect(mayManageRules(person("viewer", [["t1", "developer"]]), "t1")).toBe(false);
    // A global operator holds no team permission outside their own teams' roles.
    expect(mayManageRules(person("operator", [["t1", "viewer"]]), "t1")).toBe(false);
    expect(mayManageRules(person("admin"), "t9")).toBe(true);
  });

  it("lists the places a new rule may go", () => {
    expect(
      placesToCreateRules(
        person("developer", [
          ["t1", "operator"],
          ["t2", "viewer"],
        ]),
      ),
    ).toEqual({ orgWide: false, teams: [{ id: "t1", name: "T1" }] });
    expect(placesToCreateRules(null)).toEqual({ orgWide: false, teams: [] });
  });

  it("shows the area to whoever reads rules somewhere", () => {
    expect(mayReadGovernance(person("viewer"))).toBe(true);
    expect(mayReadGovernance({ ...person("viewer"), permissions: [] })).toBe(false);
    expect(mayReadGovernance(undefined)).toBe(false);
  });

  it("lets a team's operators and admins decide its held calls, a global operator those outside teams", () => {
    expect(mayApprove(person("viewer", [["t1", "operator"]]), "t1")).toBe(true);
    expect(mayApprove(person("developer", [["t1", "developer"]]), "t1")).toBe(false);
    expect(mayApprove(person("operator"), null)).toBe(true);
    expect(mayApprove(person("developer"), null)).toBe(false);
    expect(mayApprove(undefined, "t1")).toBe(false);
  });
});
