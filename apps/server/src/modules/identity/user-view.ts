import type { Role, User } from "@parley/contracts";
import { iso } from "../../kernel/ids.ts";
import type { UserRow } from "./user.repository.ts";

/** A stored user as the API shows it. */
export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    globalRole: row.global_role as Role,
    status: row.status === "disabled" ? "disabled" : "active",
    createdAt: iso(row.created_at),
    lastLoginAt: iso(row.last_login_at),
    hasPassword: row.password_hash !== null,
  };
}
