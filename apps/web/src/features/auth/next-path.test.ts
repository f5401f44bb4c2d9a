import { describe, expect, it } from "vitest";
import { nextPath } from "./next-path.ts";

describe("nextPath", () => {
  it("keeps a path of this app", () => {
    expect(nextPath("/invite/abc")).toBe("/invite/abc");
  });

  it("never leads to another site", () => {
    for (const next of ["//evil.example", "/\\evil.example", "https://evil.example", "evil", null, ""])
      expect(nextPath(next)).toBe("/");
  });
});
