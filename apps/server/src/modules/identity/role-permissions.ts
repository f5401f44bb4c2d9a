import { Permission, type Role } from "@parley/contracts";

/**
 * The one table that says what each role may do. A global role applies everywhere; a team role
 * applies to that team's resources. Effective permissions are the union of both.
 */
export const rolePermissions: Record<Role, readonly Permission[]> = {
  viewer: ["profile:read", "teams:read", "conversations:read", "access:explain"],
  developer: [
    "profile:read",
    "teams:read",
    "conversations:read",
    "conversations:write",
    "ai:use",
    "api-keys:manage",
    "access:explain",
  ],
  operator: [
    "profile:read",
    "teams:read",
    "users:read",
    "conversations:read",
    "conversations:write",
    "ai:use",
    "api-keys:manage",
    "access:explain",
    "audit:read",
    "usage:read",
    "providers:read",
    "system:read",
  ],
  // Admins hold every permission there is, including ones added later.
  admin: Permission.options,
};
