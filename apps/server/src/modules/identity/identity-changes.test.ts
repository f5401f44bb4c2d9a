import { describe, expect, it } from "vitest";
import { IdentityChanges } from "./identity-changes.ts";

describe("IdentityChanges", () => {
  it("announces local changes only, and moves its count for changes from elsewhere too", () => {
    const changes = new IdentityChanges();
    const announced: number[] = [];
    changes.onBump(() => announced.push(changes.version));
    changes.bump();
    changes.bumpFromElsewhere();
    changes.bump();
    expect(changes.version).toBe(3);
    expect(announced).toEqual([1, 3]);
  });
});
