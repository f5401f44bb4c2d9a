import { describe, expect, it } from "vitest";
import { mayDraftGuides, mayWriteGuides } from "./guide-access.ts";

const me = {
  teams: [
    { id: "dev", role: "developer" as const },
    { id: "view", role: "viewer" as const },
  ],
};

describe("guide access", () => {
  it("lets developers and above of the guide's team write, and viewers only read", () => {
    expect(mayWriteGuides(me, "dev")).toBe(true);
    expect(mayWriteGuides(me, "view")).toBe(false);
    expect(mayDraftGuides(me, "view")).toBe(false);
  });

  it("refuses a team the person is not in, and nobody signed out", () => {
    expect(mayWriteGuides(me, "other")).toBe(false);
    expect(mayWriteGuides(null, "dev")).toBe(false);
    expect(mayWriteGuides(me, null)).toBe(false);
  });
});
