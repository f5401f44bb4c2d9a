import { Permission, type Role } from "@parley/contracts";

/**
 * What each role may do. A global role grants these on global resources (accounts, providers,
 * models, settings, platform-wide reports) and on its holder's own personal resources; a team role
 * grants only the {@link TEAM_PERMISSIONS} among them, and only on that team's resources.
 * `docs/ACCESS.md` is this table in prose (a test keeps the two equal).
 */
export const rolePermissions: Record<Role, readonly Permission[]> = {
  viewer: [
    "profile:read",
    "teams:read",
    "conversations:read",
    "access:explain",
    "assistants:read",
    "knowledge:read",
    "projects:read",
    "governance:read",
    "prompts:read",
    "guides:read",
    // One's own balance and budget alerts; a team's where one is a member.
    "billing:read",
  ],
  developer: [
    "profile:read",
    "teams:read",
    "conversations:read",
    "conversations:write",
    "ai:use",
    "api-keys:manage",
    "access:explain",
    "assistants:read",
    "assistants:write",
    "knowledge:read",
    "knowledge:manage",
    "projects:read",
    "projects:manage",
    "governance:read",
    "prompts:read",
    "prompts:manage",
    "guides:read",
    "guides:write",
    "billing:read",
    // A team's Telegram bots and their status.
    "telegram:read",
    // The Publish section: a team's widgets and their embed snippets.
    "widgets:read",
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
    "assistants:read",
    "assistants:write",
    "knowledge:read",
    "knowledge:manage",
    "projects:read",
    "projects:manage",
    "governance:read",
    // Rules bind the team's AI use: operators and admins change them, as they run the platform.
    "governance:manage",
    // And decide the calls a rule holds for approval.
    "governance:approve",
    "prompts:read",
    "prompts:manage",
    // Moving a protected prompt label (production) needs a second person: operators and admins.
    "prompts:approve",
    "guides:read",
    "guides:write",
    "billing:read",
    "telegram:read",
    // Connecting a bot publishes an assistant to Telegram, answered on the connector's behalf.
    "telegram:manage",
    "widgets:read",
    // Publishing an assistant on websites spends the team's money on strangers' questions.
    "widgets:manage",
  ],
  // Admins hold every permission there is, including ones added later.
  admin: Permission.options,
};

/**
 * The permissions a team role can grant, on that team's resources. The others (accounts,
 * providers and models, system) are global: only a global role grants them, so an admin of one
 * team is not an administrator of the platform.
 */
export const TEAM_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>([
  "profile:read",
  "access:explain",
  "api-keys:manage",
  "teams:read",
  "teams:manage",
  "conversations:read",
  "conversations:write",
  "ai:use",
  "usage:read",
  "audit:read",
  "assistants:read",
  "assistants:write",
  "assistants:manage",
  "knowledge:read",
  "knowledge:manage",
  "projects:read",
  "projects:manage",
  "governance:read",
  "governance:manage",
  "governance:approve",
  "prompts:read",
  "prompts:manage",
  "prompts:approve",
  "guides:read",
  "guides:write",
  "billing:read",
  // Budgets only restrict spending, so a team's admins may set them on their team; crediting
  // money (billing:manage) stays global, or a team admin could top up their own team.
  "budgets:manage",
  "telegram:read",
  "telegram:manage",
  "widgets:read",
  "widgets:manage",
]);

/**
 * What a global role grants on the resources of every team, member or not: every team
 * permission for admins; the oversight reads (audit log, usage) for operators; nothing for the others, whose
 * access to a team comes from their role in it.
 */
export const crossTeamPermissions: Record<Role, readonly Permission[]> = {
  viewer: [],
  developer: [],
  operator: ["audit:read", "usage:read"],
  admin: [...TEAM_PERMISSIONS],
};

/** Roles from least to most powerful: nobody grants a role ranked above their own. */
export const ROLE_RANK: Record<Role, number> = { viewer: 0, developer: 1, operator: 2, admin: 3 };
