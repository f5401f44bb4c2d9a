import type { Practice } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { enabledChars, managesPractices, scopesOf } from "./practices-scope.ts";

const practice = (id: string, projectId: string | null, enabled = true): Practice => ({
  id,
  teamId: "t",
  projectId,
  title: id,
  body: "body",
  position: 0,
  currentVersion: 1,
  enabled,
  createdBy: null,
  createdAt: "2026-12-06T00:00:00.000Z",
  updatedAt: "2026-12-06T00:00:00.000Z",
});

describe("scopesOf", () => {
  it("puts team-wide practices first, then each project's by name, keeping the server's order", () => {
    const scopes = scopesOf(
      [
        practice("a", "p2"),
        practice("b", null),
        practice("c", "p1"),
        practice("d", null),
        practice("e", "gone"),
      ],
      [
        { id: "p1", name: "Zebra" },
        { id: "p2", name: "Alpha" },
      ],
    );
    expect(scopes.map((s) => [s.project?.name ?? "team", s.items.map((p) => p.id)])).toEqual([
      ["team", ["b", "d"]],
      ["Alpha", ["a"]],
      ["Project gone", ["e"]],
      ["Zebra", ["c"]],
    ]);
  });

  it("always has the team-wide scope, empty or not", () => {
    expect(scopesOf([], [])).toEqual([{ key: "team", project: null, items: [] }]);
  });
});

describe("managesPractices", () => {
  it("is true for the team's operators and admins only", () => {
    const me = (role: "viewer" | "developer" | "operator" | "admin") => ({
      teams: [{ id: "t", name: "T", slug: "t", role }],
    });
    expect(
      (["viewer", "developer", "operator", "admin"] as const).map((r) => managesPractices(me(r), "t")),
    ).toEqual([false, false, true, true]);
    expect(managesPractices(me("admin"), "other")).toBe(false);
    expect(managesPractices(null, "t")).toBe(false);
  });
});

describe("enabledChars", () => {
  it("counts the titles and bodies of enabled practices only", () => {
    expect(enabledChars([practice("ab", null), practice("cd", null, false)])).toBe(6);
  });
});
