import type { GuideSummary } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { applyToPages, type GuidePages } from "./list-cache.ts";

const summary = (id: string, version = 1, done = 0) =>
  ({ id, version, teamId: "t", title: id, progress: { done, total: 3 } }) as GuideSummary;
const pages = (...ids: string[][]): GuidePages => ({
  pages: ids.map((items, i) => ({
    items: items.map((id) => summary(id)),
    nextCursor: i < ids.length - 1 ? `c${i}` : null,
  })),
  pageParams: ids.map((_, i) => (i === 0 ? undefined : `c${i - 1}`)),
});
const changed = (guide: GuideSummary) => ({ type: "guide.changed" as const, teamId: "t", guide });
const ids = (data: GuidePages | null) => data?.pages.map((p) => p.items.map((g) => g.id));

describe("the guides list's cache", () => {
  it("moves a changed guide to the top with its new progress", () => {
    const next = applyToPages(pages(["a", "b"], ["c"]), changed(summary("c", 2, 1)), false);
    expect(ids(next)).toEqual([["c", "a", "b"], []]);
    expect(next?.pages[0]?.items[0]?.progress.done).toBe(1);
  });

  it("drops a deleted guide", () => {
    expect(
      ids(applyToPages(pages(["a", "b"]), { type: "guide.deleted", teamId: "t", guideId: "a" }, false)),
    ).toEqual([["b"]]);
  });

  it("asks for a read when the list is filtered, the guide is new to it, or a snapshot came", () => {
    expect(applyToPages(pages(["a"]), changed(summary("a", 2)), true)).toBeNull();
    expect(applyToPages(pages(["a"]), changed(summary("z", 1)), false)).toBeNull();
    expect(applyToPages(pages(["a"]), { type: "snapshot", guides: [] }, false)).toBeNull();
    expect(applyToPages(undefined, changed(summary("a", 2)), false)).toBeNull();
  });

  it("ignores an event older than what the list shows", () => {
    const data = pages(["a"]);
    expect(applyToPages(data, changed(summary("a", 0)), false)).toBe(data);
  });
});
