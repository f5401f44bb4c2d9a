import { describe, expect, it } from "vitest";
import { safeReturnTo } from "./oidc.service.ts";

describe("safeReturnTo", () => {
  it("keeps paths on this site", () => {
    expect(safeReturnTo("/chat/42?tab=files#end")).toBe("/chat/42?tab=files#end");
    expect(safeReturnTo("/")).toBe("/");
  });

  it("turns anything that could leave the site into /", () => {
    for (const value of [
      undefined,
      "",
      "chat",
      "//evil.example",
      "/\\evil.example",
      "/\t/evil.example",
      "https://evil.example/",
      "javascript:alert(1)",
    ]) {
      expect([value, safeReturnTo(value)]).toEqual([value, "/"]);
    }
  });
});
