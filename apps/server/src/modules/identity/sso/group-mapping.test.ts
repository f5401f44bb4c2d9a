import { describe, expect, it } from "vitest";
import { groupsOf, mapGroups } from "./group-mapping.ts";

const provider = {
  defaultRole: "viewer" as const,
  groupMappings: [
    { group: "eng", globalRole: "developer" as const, team: "eng", teamRole: "developer" as const },
    { group: "leads", team: "eng", teamRole: "admin" as const },
    { group: "admins", globalRole: "admin" as const },
    { group: "ops", team: "ops" },
  ],
};

describe("mapGroups", () => {
  it("takes the highest global role and the highest role per team among the matching mappings", () => {
    const access = mapGroups(provider, ["eng", "leads", "admins"]);
    expect(access.globalRole).toBe("admin");
    expect([...access.teams]).toEqual([["eng", "admin"]]);
    expect([...access.managedTeams].sort()).toEqual(["eng", "ops"]);
  });

  it("falls back to the default role, and to null (refused) without one", () => {
    expect(mapGroups(provider, ["ops"]).globalRole).toBe("viewer");
    expect(mapGroups(provider, ["ops"]).roleFromGroups).toBe(false);
    expect(mapGroups(provider, ["admins"]).roleFromGroups).toBe(true);
    expect(mapGroups({ ...provider, defaultRole: null }, ["ops"]).globalRole).toBeNull();
    expect(mapGroups({ ...provider, defaultRole: null }, []).teams.size).toBe(0);
  });

  it("gives a team mapping without teamRole the developer role", () => {
    expect(mapGroups(provider, ["ops"]).teams.get("ops")).toBe("developer");
  });
});

describe("groupsOf", () => {
  it("reads a top-level claim, a single string, or a dotted path", () => {
    expect(groupsOf({ groups: ["a", 1, "b"] }, "groups")).toEqual(["a", "b"]);
    expect(groupsOf({ groups: "a" }, "groups")).toEqual(["a"]);
    expect(groupsOf({ realm_access: { roles: ["r"] } }, "realm_access.roles")).toEqual(["r"]);
    expect(groupsOf({ "https://corp.example/groups": ["x"] }, "https://corp.example/groups")).toEqual(["x"]);
  });

  it("tells an absent claim (undefined) from an empty one", () => {
    expect(groupsOf({}, "groups")).toBeUndefined();
    expect(groupsOf({ groups: [] }, "groups")).toEqual([]);
    expect(groupsOf({ groups: { not: "a list" } }, "groups")).toEqual([]);
  });
});
