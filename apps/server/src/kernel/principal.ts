import type { ChannelRef as ChannelRefShape, Permission, Role } from "@parley/contracts";
import { AppError } from "./app-error.ts";
import type { RequestContext } from "./request-context.ts";
import { crossTeamPermissions, ROLE_RANK, rolePermissions, TEAM_PERMISSIONS } from "./role-permissions.ts";

/**
 * A published assistant's channel a visitor talks through: a website widget or a Telegram bot
 * (its id), the visitor (the widget visitor's or Telegram chat's id), and the channel's team.
 */
export type ChannelRef = Readonly<ChannelRefShape>;

/**
 * Who is making a request: a signed-in user, a program holding one of a user's API keys, or a
 * visitor of a channel a user published (see {@link channelPrincipal}).
 */
export interface Principal {
  readonly kind: "user" | "api_key" | "channel";
  readonly userId: string;
  readonly email: string;
  readonly globalRole: Role;
  /** The user's teams and their role in each. */
  readonly teams: ReadonlyMap<string, Role>;
  /** Set when the request carries an API key: the key narrows what the user may do. */
  readonly apiKey?: {
    readonly id: string;
    readonly permissions: readonly Permission[];
    readonly teamId: string | null;
  };
  /**
   * Set for a channel's visitor: the publisher's account narrowed to what an answer needs
   * ({@link CHANNEL_PERMISSIONS}) in the channel's team, and to the visitor's own conversations.
   */
  readonly channel?: ChannelRef;
}

/** What a channel may do for its visitors with its publisher's account: hold conversations and get answers. */
export const CHANNEL_PERMISSIONS: readonly Permission[] = [
  "ai:use",
  "conversations:read",
  "conversations:write",
  "assistants:read",
  "knowledge:read",
];

/**
 * The principal a channel's visitor acts as: its publisher's account, narrowed like a key bound
 * to the channel's team that holds only {@link CHANNEL_PERMISSIONS}, and only in that team (a
 * publisher who has left it can do nothing there).
 * @example
 * const principal = channelPrincipal(await auth.principalOfUser(widget.createdBy), {
 *   kind: "widget", id: widget.id, subject: visitorId, teamId: widget.teamId,
 * });
 */
export function channelPrincipal(publisher: Principal, channel: ChannelRef): Principal {
  const role = publisher.teams.get(channel.teamId);
  const { apiKey: _key, ...account } = publisher;
  return {
    ...account,
    kind: "channel",
    teams: new Map(role === undefined ? [] : [[channel.teamId, role]]),
    channel,
  };
}

/**
 * Refuses to publish a channel (a widget, a bot) in `teamId` for a caller who does not hold
 * everything its visitors will be able to do there ({@link CHANNEL_PERMISSIONS}): visitors act as
 * the publisher's account, so a narrower key must not lend them more than it holds itself.
 * @throws AppError `auth.forbidden` naming the first permission missing
 */
export function assertMayPublishChannel(principal: Principal, teamId: string, what: string): void {
  for (const permission of CHANNEL_PERMISSIONS)
    if (!can(principal, permission, teamId))
      throw new AppError("auth.forbidden", `${what} needs the ${permission} permission`, {
        details: { permission },
      });
}

/**
 * Whether a channel's principal may answer its visitors: its publisher is still a member of the
 * channel's team (a global admin who left it is not: a channel acts as a member of its team) and
 * holds what an answer needs there.
 * @example
 * if (!channelMayAnswer(channelPrincipal(publisher, channel))) throw publisherGone();
 */
export function channelMayAnswer(principal: Principal): boolean {
  const channel = principal.channel;
  return (
    channel !== undefined &&
    principal.teams.has(channel.teamId) &&
    can(principal, "ai:use", channel.teamId) &&
    can(principal, "assistants:read", channel.teamId)
  );
}

/**
 * What narrows a principal beyond its roles: its API key, or its channel (which acts like a key
 * bound to the channel's team holding {@link CHANNEL_PERMISSIONS}).
 */
function narrowing(
  principal: Principal,
): { permissions: readonly Permission[]; teamId: string | null } | null {
  if (principal.apiKey) return principal.apiKey;
  if (principal.channel) return { permissions: CHANNEL_PERMISSIONS, teamId: principal.channel.teamId };
  return null;
}

/** The one team a principal's key or channel binds it to; null when it is not bound to one. */
export function boundTeam(principal: Principal): string | null {
  return narrowing(principal)?.teamId ?? null;
}

/**
 * Whether `principal` holds `permission` on a resource of team `teamId`, or, with `null`, on a
 * global resource or one of its own personal resources.
 *
 * - Global and personal resources: the global role decides.
 * - A team's resources: the role in that team (team permissions only), or what the global role
 *   grants across teams (see `crossTeamPermissions`).
 * - An API key only narrows: it must list the permission, and a key bound to a team acts on that
 *   team's resources only (never on global or personal ones).
 * @example
 * can(principal, "conversations:write", conversation.teamId)
 */
export function can(principal: Principal, permission: Permission, teamId: string | null): boolean {
  const key = narrowing(principal);
  if (key && (!key.permissions.includes(permission) || (key.teamId !== null && key.teamId !== teamId)))
    return false;
  if (teamId === null) return rolePermissions[principal.globalRole].includes(permission);
  // Global permissions are never held "in a team", not even through a global admin's team-bound key.
  if (!TEAM_PERMISSIONS.has(permission)) return false;
  if (crossTeamPermissions[principal.globalRole].includes(permission)) return true;
  const teamRole = principal.teams.get(teamId);
  return teamRole !== undefined && rolePermissions[teamRole].includes(permission);
}

/**
 * Whether `principal` holds `permission` somewhere: globally, or in at least one team. The HTTP
 * edge lets a request through on this; the service then checks the resource's own team with
 * {@link can}. A global-only permission is held only through the global role.
 */
export function holdsAnywhere(principal: Principal, permission: Permission): boolean {
  if (can(principal, permission, null)) return true;
  for (const teamId of principal.teams.keys()) if (can(principal, permission, teamId)) return true;
  const keyTeam = boundTeam(principal);
  return keyTeam ? can(principal, permission, keyTeam) : false;
}

/**
 * Whether team `teamId` exists for `principal` at all: its members and global admins see it; a
 * key bound to another team sees nothing of it. Invisible teams answer 404, never 403.
 */
export function seesTeam(principal: Principal, teamId: string): boolean {
  const keyTeam = boundTeam(principal);
  if (keyTeam !== null && keyTeam !== teamId) return false;
  return principal.globalRole === "admin" || principal.teams.has(teamId);
}

/** The teams whose resources `principal` may act on with `permission` as a member. */
export function teamsWhere(principal: Principal, permission: Permission): string[] {
  return [...principal.teams.keys()].filter((teamId) => can(principal, permission, teamId));
}

/**
 * Whether `principal` may hand out `role` (to an account, a member, an invitation) in team
 * `teamId`, or globally with `null`: never above the role it holds there itself.
 */
export function mayGrant(principal: Principal, role: Role, teamId: string | null): boolean {
  const own =
    teamId === null
      ? principal.globalRole
      : principal.globalRole === "admin"
        ? "admin"
        : principal.teams.get(teamId);
  return own !== undefined && ROLE_RANK[role] <= ROLE_RANK[own];
}

/** Every permission the principal holds somewhere, sorted. */
export function effectivePermissions(principal: Principal): Permission[] {
  // Admins hold every permission there is.
  return rolePermissions.admin.filter((p) => holdsAnywhere(principal, p)).sort();
}

/**
 * Refuses a use case on global resources unless the caller holds `permission` from its global role
 * (an unbound key), or it is work Parley does on its own behalf (start-up, CLI, jobs). Use cases
 * authorize themselves, so an MCP tool or a bot handler calling them cannot skip the check.
 * @throws AppError `auth.required`, `auth.forbidden`.
 */
export function assertGlobal(ctx: RequestContext, permission: Permission): void {
  if (ctx.system && !ctx.principal) return;
  if (!can(requirePrincipal(ctx), permission, null)) {
    throw new AppError("auth.forbidden", `This needs the ${permission} permission`, {
      details: { permission },
    });
  }
}

/** The signed-in principal; routes with a permission always have one. @throws AppError `auth.required`. */
export function requirePrincipal(ctx: RequestContext): Principal {
  if (!ctx.principal) throw new AppError("auth.required", "Sign in first");
  return ctx.principal;
}

/**
 * Whether a member-private resource (a conversation, a knowledge base) reaches `principal`: a
 * personal one only its owner, without a team-bound key; a team's one that team's members,
 * through a key bound to that team if a key is used. Global admins are no exception.
 */
export function reachesShared(
  principal: Principal,
  row: { ownerId: string; teamId: string | null },
): boolean {
  const keyTeam = boundTeam(principal);
  if (row.teamId === null) return row.ownerId === principal.userId && keyTeam === null;
  return principal.teams.has(row.teamId) && (keyTeam === null || keyTeam === row.teamId);
}

/**
 * Refuses `permission` on a team's resources (or, with null, on the caller's own): 404 for a
 * team the caller is not in (or that its key is not bound to), 403 when the role there does not
 * grant it.
 * @throws AppError `team.not_found`, `auth.forbidden`.
 */
export function assertMayIn(
  principal: Principal,
  permission: Permission,
  teamId: string | null,
  what: string,
): void {
  if (teamId !== null && !(principal.teams.has(teamId) && seesTeam(principal, teamId)))
    throw new AppError("team.not_found", `No team ${teamId}`);
  const keyTeam = boundTeam(principal);
  if (keyTeam && keyTeam !== teamId)
    throw new AppError("team.not_found", `No team ${teamId ?? "(personal)"}`);
  if (!can(principal, permission, teamId))
    throw new AppError("auth.forbidden", `${what} needs the ${permission} permission`, {
      details: { permission },
    });
}
