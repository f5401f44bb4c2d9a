import { describe, expect, it } from "vitest";
import { newChatTeam } from "./new-chat-team.ts";

const me = (
  globalRole: "viewer" | "developer",
  teams: { id: string; role: "viewer" | "developer" | "admin" }[],
) => ({
  user: { globalRole },
  teams,
});

describe("where a new chat starts", () => {
  it("is the user's own space when the global role writes conversations", () => {
    expect(newChatTeam(me("developer", [{ id: "t1", role: "admin" }]))).toBeUndefined();
  });

  it("is the first team where an invited viewer may write", () => {
    expect(
      newChatTeam(
        me("viewer", [
          { id: "t1", role: "viewer" },
          { id: "t2", role: "developer" },
        ]),
      ),
    ).toBe("t2");
  });

  it("is nowhere for a viewer everywhere", () => {
    expect(newChatTeam(me("viewer", [{ id: "t1", role: "viewer" }]))).toBeNull();
  });
});
