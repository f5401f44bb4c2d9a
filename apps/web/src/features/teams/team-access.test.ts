import type { Me } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { createsTeams, grantableRoles, managesTeam } from "./team-access.ts";

const me = (globalRole: Me["user"]["globalRole"], authenticatedBy: Me["authenticatedBy"] = "session") =>
  ({ user: { globalRole }, teams: [], permissions: [], authenticatedBy }) as unknown as Me;

describe("team access in the web app", () => {
  it("offers management to the team's admins and global admins only", () => {
    expect(managesTeam(me("viewer"), { role: "admin" })).toBe(true);
    expect(managesTeam(me("admin"), { role: null })).toBe(true);
    expect(managesTeam(me("operator"), { role: "operator" })).toBe(false);
    expect(managesTeam(me("developer"), { role: null })).toBe(false);
  });

  it("offers creating teams to global admins only", () => {
    expect(createsTeams(me("admin"))).toBe(true);
    expect(createsTeams(me("operator"))).toBe(false);
  });

  it("offers no role to someone who cannot manage the team", () => {
    expect(grantableRoles(me("developer"), { role: "developer" })).toEqual([]);
    expect(grantableRoles(me("viewer"), { role: "admin" })).toEqual([
      "admin",
      "operator",
      "developer",
      "viewer",
    ]);
  });
});
