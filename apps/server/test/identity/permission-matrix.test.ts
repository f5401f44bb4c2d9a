import { randomUUID } from "node:crypto";
import type { Role } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rolePermissions } from "../../src/kernel/role-permissions.ts";
import { startHarness, type Harness } from "../parley-harness.ts";

let h: Harness;
const tokens: Partial<Record<Role, string>> = {};
const ROLES: Role[] = ["viewer", "developer", "operator", "admin"];

beforeAll(async () => {
  h = await startHarness();
  for (const role of ROLES) tokens[role] = role === "admin" ? h.adminToken : (await h.user(role)).token;
});
afterAll(async () => {
  await h.stop();
});

interface RouteUnderTest {
  method: string;
  url: string;
  permission: string;
}

/** Every API route the server registered, with concrete paths for its parameters. */
function apiRoutes(): RouteUnderTest[] {
  const out: RouteUnderTest[] = [];
  for (const route of h.parley.app.parleyRoutes) {
    if (!route.url.startsWith("/api/v1/")) continue;
    for (const method of [route.method].flat()) {
      if (method === "HEAD" || method === "OPTIONS") continue;
      const url = route.url.replace(/:token/g, "x".repeat(43)).replace(/:(\w+)/g, () => randomUUID());
      out.push({ method, url, permission: String(route.config?.permission) });
    }
  }
  return out;
}

describe("route permissions", () => {
  it("every registered route declares a permission", () => {
    const routes = h.parley.app.parleyRoutes;
    expect(routes.length).toBeGreaterThan(20);
    const undeclared = routes.filter((r) => !r.config?.permission).map((r) => `${String(r.method)} ${r.url}`);
    expect(undeclared).toEqual([]);
  });

  it("answers 401 to anonymous callers on every non-public API route", async () => {
    for (const route of apiRoutes()) {
      const res = await h.call(
        route.method,
        route.url,
        route.method === "GET" || route.method === "DELETE" ? {} : { body: {} },
      );
      // Public routes judge credentials themselves (a refresh without a token is a 401 of its own).
      if (route.permission === "public") expect(res.status, `${route.method} ${route.url}`).toBeLessThan(500);
      else
        expect((res.body as { error: { code: string } }).error.code, `${route.method} ${route.url}`).toBe(
          "auth.required",
        );
    }
  });

  it.each(ROLES)("lets %s through exactly the routes its role's permissions allow", async (role) => {
    const held = new Set<string>(rolePermissions[role]);
    const token = tokens[role];
    // Signing out would end the session the rest of the loop uses; auth.test.ts covers it.
    for (const route of apiRoutes().filter((r) => r.url !== "/api/v1/auth/logout")) {
      const res = await h.call(route.method, route.url, {
        ...(token ? { token } : {}),
        ...(route.method === "GET" || route.method === "DELETE" ? {} : { body: {} }),
      });
      const label = `${role} ${route.method} ${route.url} (${route.permission}) → ${res.status}`;
      const allowed =
        route.permission === "public" || route.permission === "authenticated" || held.has(route.permission);
      if (route.permission === "public") {
        expect(res.status, label).toBeLessThan(500);
        expect(res.status, label).not.toBe(403);
      } else if (allowed) {
        expect([401, 403], label).not.toContain(res.status);
        expect(res.status, label).toBeLessThan(500);
      } else {
        expect(res.status, label).toBe(403);
        expect((res.body as { error: { code: string } }).error.code, label).toBe("auth.forbidden");
      }
    }
  });

  it("records denied requests in the audit log", async () => {
    const denied = await h.call("GET", "/api/v1/users", { token: tokens.viewer ?? "" });
    expect(denied.status).toBe(403);
    const audit = await h.call<{ items: { action: string; summary: { permission?: string } }[] }>(
      "GET",
      "/api/v1/audit?action=access.denied",
      { token: h.adminToken },
    );
    expect(audit.body.items.some((e) => e.summary.permission === "users:read")).toBe(true);
  });
});
