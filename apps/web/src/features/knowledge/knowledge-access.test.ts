import { describe, expect, it } from "vitest";
import { mayManage, placesToCreate } from "./knowledge-access.ts";

const team = (id: string, role: "admin" | "operator" | "developer" | "viewer") => ({ id, name: id, role });

describe("knowledge access in the web app", () => {
  it("lets a global viewer manage nothing personal, only where a team role allows", () => {
    const me = {
      user: { globalRole: "viewer" as const },
      teams: [team("a", "developer"), team("b", "viewer")],
    };
    expect(mayManage(me, { teamId: null })).toBe(false);
    expect(mayManage(me, { teamId: "a" })).toBe(true);
    expect(mayManage(me, { teamId: "b" })).toBe(false);
    expect(placesToCreate(me)).toEqual({ personal: false, teams: [{ id: "a", name: "a" }] });
  });

  it("lets a global admin manage every team's bases, member or not", () => {
    const me = { user: { globalRole: "admin" as const }, teams: [team("b", "viewer")] };
    expect(mayManage(me, { teamId: "elsewhere" })).toBe(true);
    expect(placesToCreate(me)).toEqual({ personal: true, teams: [{ id: "b", name: "b" }] });
  });

  it("manages nothing while signed out", () => {
    expect(mayManage(null, { teamId: null })).toBe(false);
    expect(placesToCreate(undefined)).toEqual({ personal: false, teams: [] });
  });
});
