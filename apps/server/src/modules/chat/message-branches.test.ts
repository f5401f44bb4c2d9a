import { describe, expect, it } from "vitest";
import { pathThrough, versionsOf, type TreeRow } from "./message-branches.ts";

/** A tree row: `id` at `position`, following `parent`, left at `replaced` (null: current). */
const row = (
  id: string,
  position: number,
  parent: string | null,
  replaced: number | null = null,
): TreeRow => ({
  id,
  position,
  parent_id: parent,
  replaced_at: replaced,
});

// u1 → a1 → u2 → a2, then a1 regenerated (a1b, left at 10 by the edit), then u1 edited (u1b → a1c).
const tree = [
  row("u1", 0, null, 20),
  row("a1", 1, "u1", 5),
  row("u2", 2, "a1", 5),
  row("a2", 3, "u2", 5),
  row("a1b", 4, "u1", 20),
  row("u1b", 5, null),
  row("a1c", 6, "u1b"),
];

describe("versionsOf", () => {
  it("numbers the messages with the same parent, oldest first, and leaves single ones out", () => {
    const versions = versionsOf(tree);
    expect(versions.get("u1b")).toEqual({ index: 2, count: 2, siblingIds: ["u1", "u1b"] });
    expect(versions.get("a1b")).toEqual({ index: 2, count: 2, siblingIds: ["a1", "a1b"] });
    expect(versions.has("a1c")).toBe(false);
    expect(versions.has("u2")).toBe(false);
  });
});

describe("pathThrough", () => {
  it("continues under a version with the branch that was left last", () => {
    expect(pathThrough(tree, "u1")).toEqual(["u1", "a1b"]);
  });
  it("brings back an older branch with everything that followed it", () => {
    expect(pathThrough(tree, "a1")).toEqual(["u1", "a1", "u2", "a2"]);
  });
  it("keeps the current path when its own message is chosen, and knows no strangers", () => {
    expect(pathThrough(tree, "u1b")).toEqual(["u1b", "a1c"]);
    expect(pathThrough(tree, "nope")).toBeNull();
  });
  it("prefers the later version when two left the path at the same moment", () => {
    const tie = [row("u", 0, null), row("a", 1, "u", 7), row("b", 2, "u", 7)];
    expect(pathThrough(tie, "u")).toEqual(["u", "b"]);
  });
});
