import type {
  AcceptInvitationRequest,
  CreateInvitationRequest,
  Invitation,
  InvitationCreated,
  InvitationInfo,
  Role,
} from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { hashSecret, iso, newId, newSecret } from "../../kernel/ids.ts";
import { can, requirePrincipal, seesTeam, type Principal } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { TeamRepository, InvitationRow } from "./team.repository.ts";
import { assertMayGrant } from "./team.service.ts";
import type { UserRepository, UserRow } from "./user.repository.ts";
import type { UserService } from "./user.service.ts";

/** Dependencies of the invitation service. */
export interface InvitationServiceDeps {
  teams: TeamRepository;
  users: UserRepository;
  userService: UserService;
  audit: AuditSink;
  clock: Clock;
  /** Base of invitation links, e.g. `https://parley.example.com`. */
  publicUrl: () => string;
}

/**
 * Invitations by link: a team admin creates one (optionally for one email), shares the link,
 * and whoever opens it joins the team, signing up first if they have no account.
 */
export class InvitationService {
  readonly #d: InvitationServiceDeps;
  constructor(deps: InvitationServiceDeps) {
    this.#d = deps;
  }

  async create(
    teamId: string,
    input: CreateInvitationRequest,
    ctx: RequestContext,
  ): Promise<InvitationCreated> {
    const principal = await this.#manageable(teamId, ctx);
    assertMayGrant(principal, teamId, input.role);
    const now = this.#d.clock.now();
    const token = newSecret();
    const row: InvitationRow = {
      id: newId(),
      team_id: teamId,
      email: input.email ?? null,
      role: input.role,
      token_hash: hashSecret(token),
      created_by: principal.userId,
      created_at: now,
      expires_at: now + input.expiresInHours * 3_600_000,
      accepted_at: null,
      accepted_by: null,
      revoked_at: null,
    };
    await this.#d.teams.insertInvitation(row);
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action: "invitation.created",
      outcome: "success",
      target: { type: "invitation", id: row.id },
      teamId,
      summary: { role: row.role, email: row.email, expiresAt: iso(row.expires_at) },
    });
    return {
      id: row.id,
      token,
      url: `${this.#d.publicUrl()}/invite/${token}`,
      role: input.role,
      email: row.email,
      expiresAt: iso(row.expires_at),
    };
  }

  /** The team's open invitations (never their links), for those who manage it. */
  async list(teamId: string, ctx: RequestContext): Promise<Invitation[]> {
    await this.#manageable(teamId, ctx);
    const rows = await this.#d.teams.openInvitations(teamId, this.#d.clock.now());
    return rows.map((row) => ({
      id: row.id,
      email: row.email,
      role: row.role as Role,
      createdAt: iso(row.created_at),
      expiresAt: iso(row.expires_at),
    }));
  }

  /**
   * Revokes an open invitation: its link stops working at once (an accept racing it either wins
   * before or is refused).
   * @throws AppError `team.not_found`, `auth.forbidden`, `invitation.not_found`.
   */
  async revoke(teamId: string, invitationId: string, ctx: RequestContext): Promise<void> {
    await this.#manageable(teamId, ctx);
    const row = await this.#d.teams.revokeInvitation(teamId, invitationId, this.#d.clock.now());
    if (!row) throw new AppError("invitation.not_found", `No open invitation ${invitationId} in this team`);
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action: "invitation.revoked",
      outcome: "success",
      target: { type: "invitation", id: invitationId },
      teamId,
      summary: { role: row.role, email: row.email },
    });
  }

  /** The principal, if it may manage the team. @throws AppError 404 when invisible, 403 otherwise. */
  async #manageable(teamId: string, ctx: RequestContext): Promise<Principal> {
    const principal = requirePrincipal(ctx);
    const team = await this.#d.teams.findById(teamId);
    if (!team || !seesTeam(principal, teamId)) throw new AppError("team.not_found", `No team ${teamId}`);
    if (!can(principal, "teams:manage", teamId))
      throw new AppError("auth.forbidden", "Managing invitations needs teams:manage in this team");
    return principal;
  }

  /** What the link offers. @throws AppError `invitation.invalid` for unknown, used or expired links. */
  async info(token: string): Promise<InvitationInfo> {
    const { invitation, teamName } = await this.#open(token);
    return {
      teamName,
      role: invitation.role as Role,
      email: invitation.email,
      expiresAt: iso(invitation.expires_at),
    };
  }

  /**
   * Joins the team: as the signed-in user, or by creating an account with the given email,
   * name and password. An invitation made for one email only admits that email.
   */
  async accept(
    token: string,
    input: AcceptInvitationRequest,
    ctx: RequestContext,
  ): Promise<{ user: UserRow; teamId: string }> {
    if (ctx.principal?.apiKey)
      throw new AppError("auth.forbidden", "A person joins a team, not an API key; sign in");
    const { invitation } = await this.#open(token);
    const now = this.#d.clock.now();
    const user = ctx.principal
      ? await this.#acceptAsSignedIn(invitation, ctx.principal.userId, now)
      : await this.#acceptWithNewAccount(invitation, input, ctx, now);
    const existing = await this.#d.teams.findMember(invitation.team_id, user.id);
    if (!existing) await this.#d.teams.upsertMember(invitation.team_id, user.id, invitation.role, now);
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      actor: { type: "user", id: user.id, email: user.email },
      action: "invitation.accepted",
      outcome: "success",
      target: { type: "invitation", id: invitation.id },
      teamId: invitation.team_id,
      summary: { role: existing?.role ?? invitation.role, alreadyMember: existing !== undefined },
    });
    return { user, teamId: invitation.team_id };
  }

  async #acceptAsSignedIn(invitation: InvitationRow, userId: string, now: number): Promise<UserRow> {
    const user = await this.#d.users.findById(userId);
    if (!user) throw new AppError("auth.required", "Sign in first");
    if (invitation.email && invitation.email !== user.email) {
      throw new AppError("invitation.invalid", "This invitation is for another email address");
    }
    if (!(await this.#d.teams.acceptInvitation(invitation.id, user.id, now))) {
      throw new AppError("invitation.invalid", "This invitation was already used");
    }
    return user;
  }

  /**
   * Signs up through the link. Nothing is created unless the invitation admits this email and is
   * taken by this very call: the invitation is claimed first (one atomic update), the account
   * created next, and the claim given back if the account cannot be made, so one link makes at
   * most one account however many requests race for it.
   */
  async #acceptWithNewAccount(
    invitation: InvitationRow,
    input: AcceptInvitationRequest,
    ctx: RequestContext,
    now: number,
  ): Promise<UserRow> {
    if (!input.email || !input.name || !input.password) {
      throw new AppError(
        "validation.failed",
        "Sign in, or send email, name and password to create an account",
        {
          details: {
            issues: [
              {
                location: "body",
                path: "",
                message: "email, name and password are required without a session",
              },
            ],
          },
        },
      );
    }
    if (invitation.email && invitation.email !== input.email.toLowerCase()) {
      throw new AppError("invitation.invalid", "This invitation is for another email address");
    }
    const claimant = `claim:${newId()}`;
    if (!(await this.#d.teams.acceptInvitation(invitation.id, claimant, now))) {
      throw new AppError("invitation.invalid", "This invitation was already used");
    }
    let user: UserRow;
    try {
      user = await this.#d.userService.create(
        { email: input.email, name: input.name, password: input.password, globalRole: "viewer" },
        ctx,
      );
    } catch (error) {
      await this.#d.teams.releaseInvitation(invitation.id, claimant);
      throw error;
    }
    await this.#d.teams.setInvitationAcceptor(invitation.id, claimant, user.id);
    return user;
  }

  async #open(token: string): Promise<{ invitation: InvitationRow; teamName: string }> {
    const invitation = await this.#d.teams.findInvitationByHash(hashSecret(token));
    const now = this.#d.clock.now();
    if (
      !invitation ||
      invitation.accepted_at !== null ||
      invitation.revoked_at !== null ||
      invitation.expires_at <= now
    ) {
      throw new AppError("invitation.invalid", "This invitation link is unknown, used or expired");
    }
    const team = await this.#d.teams.findById(invitation.team_id);
    if (!team) throw new AppError("invitation.invalid", "The team of this invitation no longer exists");
    return { invitation, teamName: team.name };
  }
}
