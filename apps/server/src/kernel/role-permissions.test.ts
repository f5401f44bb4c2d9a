import { readFileSync } from "node:fs";
import { Permission, Role } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { rolePermissions, TEAM_PERMISSIONS } from "./role-permissions.ts";

/** The "Roles and permissions" table of docs/ACCESS.md, as rows of cells. */
function documentedTable(): Map<string, string[]> {
  const doc = readFileSync(new URL("../../../../docs/ACCESS.md", import.meta.url), "utf8");
  const rows = new Map<string, string[]>();
  for (const line of doc.split("\n")) {
    const match = /^\| `([a-z-]+:[a-z]+)` \|(.*)\|$/.exec(line);
    if (match?.[1] && match[2])
      rows.set(
        match[1],
        match[2].split("|").map((c) => c.trim()),
      );
  }
  return rows;
}

describe("docs/ACCESS.md", () => {
  it("lists every permission with the scope and roles the code gives it", () => {
    const rows = documentedTable();
    expect([...rows.keys()].sort()).toEqual([...Permission.options].sort());
    for (const permission of Permission.options) {
      const [scope, ...marks] = rows.get(permission) ?? [];
      expect(scope, permission).toBe(TEAM_PERMISSIONS.has(permission) ? "team" : "global");
      const columns: Role[] = ["viewer", "developer", "operator", "admin"];
      const documented = columns.filter((_, i) => marks[i] === "✓");
      const granted = Role.options.filter((role) => rolePermissions[role].includes(permission));
      expect(documented.sort(), permission).toEqual(granted.sort());
    }
  });
});
