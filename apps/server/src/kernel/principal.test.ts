import { describe, expect, it } from "vitest";
import { Permission } from "@parley/contracts";
import {
  boundTeam,
  can,
  CHANNEL_PERMISSIONS,
  channelPrincipal,
  holdsAnywhere,
  reachesShared,
  type Principal,
} from "./principal.ts";

const admin: Principal = {
  kind: "user",
  userId: "u1",
  email: "a@example.test",
  globalRole: "admin",
  teams: new Map([
    ["support", "admin"],
    ["other", "admin"],
  ]),
};
const widget = { kind: "widget", id: "w1", subject: "visitor-1", teamId: "support" } as const;

describe("channelPrincipal", () => {
  it("narrows even a global admin to what an answer needs, in the channel's team only", () => {
    const visitor = channelPrincipal(admin, widget);
    expect(boundTeam(visitor)).toBe("support");
    for (const permission of Permission.options) {
      expect(can(visitor, permission, "support")).toBe(CHANNEL_PERMISSIONS.includes(permission));
      expect(can(visitor, permission, "other")).toBe(false);
      expect(can(visitor, permission, null)).toBe(false);
    }
    expect(holdsAnywhere(visitor, "users:manage")).toBe(false);
    expect(reachesShared(visitor, { ownerId: "u1", teamId: null })).toBe(false);
    expect(reachesShared(visitor, { ownerId: "u2", teamId: "other" })).toBe(false);
    expect(reachesShared(visitor, { ownerId: "u2", teamId: "support" })).toBe(true);
  });

  it("drops an API key the publisher's principal came with, and grants nothing once they left the team", () => {
    const viaKey: Principal = {
      ...admin,
      kind: "api_key",
      apiKey: { id: "k1", permissions: ["ai:use"], teamId: null },
    };
    const visitor = channelPrincipal(viaKey, widget);
    expect(visitor.apiKey).toBeUndefined();
    expect(visitor.kind).toBe("channel");
    const left = channelPrincipal({ ...admin, globalRole: "developer", teams: new Map() }, widget);
    expect(can(left, "ai:use", "support")).toBe(false);
  });
});
