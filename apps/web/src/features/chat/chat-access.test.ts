import type { Me } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { mayStartChats, mayWrite } from "./chat-access.ts";

const me = (globalRole: Me["user"]["globalRole"], teams: Record<string, Me["teams"][number]["role"]>): Me =>
  ({
    user: { globalRole },
    teams: Object.entries(teams).map(([id, role]) => ({ id, name: id, slug: id, role })),
    permissions: [],
    authenticatedBy: "session",
  }) as unknown as Me;

describe("who may write in chat", () => {
  it("follows the role where the conversation is", () => {
    const user = me("viewer", { a: "developer", b: "viewer" });
    expect(mayWrite(user, "a")).toBe(true);
    expect(mayWrite(user, "b")).toBe(false);
    expect(mayWrite(user, "c")).toBe(false);
    expect(mayWrite(user, null)).toBe(false);
    expect(mayStartChats(user)).toBe(true);
    expect(mayStartChats(me("viewer", { b: "viewer" }))).toBe(false);
    expect(mayStartChats(me("developer", {}))).toBe(true);
    expect(mayWrite(null, null)).toBe(false);
  });
});
