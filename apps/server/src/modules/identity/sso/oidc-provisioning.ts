import type { Role } from "@parley/contracts";
import { AppError } from "../../../kernel/app-error.ts";
import type { Clock } from "../../../platform/clock/clock.ts";
import { newId } from "../../../kernel/ids.ts";
import {
  auditOrigin,
  type AuditEventInput,
  type AuditSink,
  type RequestContext,
} from "../../../kernel/request-context.ts";
import type { TeamRepository, TeamRow } from "../team.repository.ts";
import { isUniqueViolation } from "../../../platform/db/constraint-errors.ts";
import type { UserRepository, UserRow } from "../user.repository.ts";
import type { UserService } from "../user.service.ts";
import type { MappedAccess } from "./group-mapping.ts";
import type { OidcIdentityRepository } from "./oidc-identity.repository.ts";

/** Who the identity provider says the user is. */
export interface OidcProfile {
  issuer: string;
  subject: string;
  /** Lower-cased. */
  email: string;
  name: string;
}

/** Dependencies of SSO provisioning. */
export interface OidcProvisioningDeps {
  users: UserRepository;
  userService: UserService;
  teams: TeamRepository;
  identities: OidcIdentityRepository;
  audit: AuditSink;
  clock: Clock;
}

/**
 * Turns a verified OpenID Connect identity into a Parley account and keeps its access in step
 * with the identity provider's groups.
 */
export class OidcProvisioning {
  readonly #d: OidcProvisioningDeps;
  constructor(deps: OidcProvisioningDeps) {
    this.#d = deps;
  }

  /**
   * The account of `profile`: the one linked to its issuer and subject, else the one with its
   * email (which gets linked), else a new account without a password (just-in-time).
   */
  async resolveUser(
    profile: OidcProfile,
    globalRole: Role,
    ctx: RequestContext,
  ): Promise<{ user: UserRow; created: boolean; linked: boolean }> {
    const linkedId = await this.#d.identities.findUserId(profile.issuer, profile.subject);
    const linkedUser = linkedId ? await this.#d.users.findById(linkedId) : undefined;
    if (linkedUser) return { user: linkedUser, created: false, linked: false };

    let user = await this.#d.users.findByEmail(profile.email);
    let created = false;
    if (!user) {
      try {
        user = await this.#d.userService.create(
          { email: profile.email, name: profile.name, globalRole },
          ctx,
        );
        created = true;
      } catch (error) {
        // A parallel first sign-in of the same person created the account a moment ago.
        if (!(error instanceof AppError && error.code === "user.email_taken")) throw error;
        user = await this.#d.users.findByEmail(profile.email);
        if (!user) throw error;
      }
    }
    await this.#d.identities.link(profile.issuer, profile.subject, user.id, this.#d.clock.now());
    return { user, created, linked: true };
  }

  /**
   * Sets the user's global role and the memberships of the teams the provider's mappings name,
   * creating missing teams. Teams no mapping names are left alone.
   * @returns the user with its new global role.
   */
  async applyAccess(
    user: UserRow,
    access: MappedAccess & { globalRole: Role },
    provider: string,
    ctx: RequestContext,
  ): Promise<UserRow> {
    const now = this.#d.clock.now();
    const origin: Pick<AuditEventInput, "actor" | "requestId" | "ip"> = {
      ...auditOrigin(ctx),
      actor: { type: "user", id: user.id, email: user.email },
    };
    const via = { via: "oidc", provider };
    let updated = user;
    if (access.roleFromGroups && user.global_role !== access.globalRole) {
      await this.#d.users.update(user.id, { global_role: access.globalRole, updated_at: now });
      updated = { ...user, global_role: access.globalRole, updated_at: now };
      await this.#d.audit.record({
        ...origin,
        action: "user.updated",
        outcome: "success",
        target: { type: "user", id: user.id },
        summary: { globalRole: { from: user.global_role, to: access.globalRole }, ...via },
      });
    }

    const current = new Map((await this.#d.users.memberships(user.id)).map((m) => [m.slug, m]));
    for (const [slug, role] of access.teams) {
      const before = current.get(slug);
      if (before?.role === role) continue;
      const teamId = before?.teamId ?? (await this.#teamBySlug(slug, origin, via, now)).id;
      await this.#d.teams.upsertMember(teamId, user.id, role, now);
      await this.#d.audit.record({
        ...origin,
        action: before ? "team.member_role_changed" : "team.member_added",
        outcome: "success",
        target: { type: "team", id: teamId },
        teamId,
        summary: { userId: user.id, role, ...(before ? { previousRole: before.role } : {}), ...via },
      });
    }
    for (const slug of access.managedTeams) {
      const before = current.get(slug);
      if (!before || access.teams.has(slug)) continue;
      if (!(await this.#d.teams.removeMember(before.teamId, user.id))) continue;
      await this.#d.audit.record({
        ...origin,
        action: "team.member_removed",
        outcome: "success",
        target: { type: "team", id: before.teamId },
        teamId: before.teamId,
        summary: { userId: user.id, role: before.role, ...via },
      });
    }
    return updated;
  }

  async #teamBySlug(
    slug: string,
    origin: Pick<AuditEventInput, "actor" | "requestId" | "ip">,
    via: Record<string, string>,
    now: number,
  ): Promise<TeamRow> {
    const existing = await this.#d.teams.findBySlug(slug);
    if (existing) return existing;
    const row: TeamRow = { id: newId(), name: slug, slug, created_at: now, updated_at: now };
    try {
      await this.#d.teams.insert(row);
    } catch (error) {
      // Another sign-in created the team at the same moment.
      const raced = isUniqueViolation(error) ? await this.#d.teams.findBySlug(slug) : undefined;
      if (raced) return raced;
      throw error;
    }
    await this.#d.audit.record({
      ...origin,
      action: "team.created",
      outcome: "success",
      target: { type: "team", id: row.id },
      teamId: row.id,
      summary: { name: row.name, slug, ...via },
    });
    return row;
  }
}
