import { describe, expect, it } from "vitest";
import { parseTags, withoutTitleHeading } from "./guide-form.ts";

describe("guide form", () => {
  it("reads comma-separated tags, dropping empty ones and repeats", () => {
    expect(parseTags("backend, billing,, Backend ")).toEqual(["backend", "billing"]);
    expect(parseTags("  ")).toEqual([]);
  });

  it("blanks a leading heading that repeats the title, keeping every line where it was", () => {
    expect(withoutTitleHeading("# Ship\n- [ ] a", "Ship")).toBe("\n- [ ] a");
    expect(withoutTitleHeading("\n# Ship #\n\n- [ ] a", "Ship")).toBe("\n\n\n- [ ] a");
    expect(withoutTitleHeading("# Other\n- [ ] a", "Ship")).toBe("# Other\n- [ ] a");
    expect(withoutTitleHeading("## Ship\n- [ ] a", "Ship")).toBe("## Ship\n- [ ] a");
    expect(withoutTitleHeading("", "Ship")).toBe("");
  });
});
