import type {
  AccountSession,
  ChangePasswordRequest,
  PasswordChanged,
  UpdateProfileRequest,
} from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import { iso } from "../../kernel/ids.ts";
import { requirePrincipal, type Principal } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { CredentialRepository, RefreshTokenRow } from "./credential.repository.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import { hashPassword, verifyPassword } from "./password.ts";
import { assertPasswordFits } from "./password-strength.ts";
import type { UserRepository, UserRow } from "./user.repository.ts";

/** Dependencies of the account service. */
export interface AccountServiceDeps {
  users: UserRepository;
  credentials: CredentialRepository;
  /** The sign-in throttle: a wrong current password counts as a failed sign-in. */
  throttle: LoginThrottle;
  audit: AuditSink;
  clock: Clock;
}

/**
 * What a signed-in person does to their own account: their name, their password (with the
 * current one), their sessions. Only a person signed in does this, never a program holding one of
 * their API keys: a leaked key must not lock its owner out or keep itself signed in.
 */
export class AccountService {
  readonly #d: AccountServiceDeps;
  constructor(deps: AccountServiceDeps) {
    this.#d = deps;
  }

  /** Changes one's own name. @throws AppError `auth.forbidden` through an API key. */
  async updateProfile(input: UpdateProfileRequest, ctx: RequestContext): Promise<UserRow> {
    const user = await this.#self(ctx);
    const changes = { name: input.name, updated_at: this.#d.clock.now() };
    await this.#d.users.update(user.id, changes);
    await this.#record(ctx, "user.updated", user.id, { name: input.name, self: true });
    return { ...user, ...changes };
  }

  /**
   * Changes one's own password after checking the current one, then signs out every other
   * session (this one stays). Attempts spend the sign-in throttle of the account and IP, so the
   * form cannot be used to guess a password faster than the sign-in page.
   * @throws AppError `user.wrong_password`, `auth.locked`, `user.weak_password`, `resource.conflict`
   * (an account without a password signs in through single sign-on).
   */
  async changePassword(
    input: ChangePasswordRequest,
    sessionId: string | null,
    ctx: RequestContext,
  ): Promise<PasswordChanged> {
    const user = await this.#self(ctx);
    if (user.password_hash === null)
      throw new AppError("resource.conflict", "This account signs in through single sign-on only");
    const attempt = await this.#d.throttle.reserve(user.email, ctx.ip);
    if (!attempt.allowed) {
      const retryAfter = Math.max(1, Math.ceil(attempt.retryAfterMs / 1000));
      await this.#record(ctx, "user.password_change_failed", user.id, { reason: "locked" }, "denied");
      throw new AppError("auth.locked", `Too many wrong passwords; try again in ${retryAfter} s`, {
        headers: { "retry-after": String(retryAfter) },
      });
    }
    if (!(await verifyPassword(user.password_hash, input.currentPassword))) {
      await this.#record(
        ctx,
        "user.password_change_failed",
        user.id,
        { reason: "wrong_password" },
        "failure",
      );
      throw new AppError("user.wrong_password", "The current password is not right");
    }
    await this.#d.throttle.succeeded(attempt);
    assertPasswordFits(input.newPassword, user.email);
    const now = this.#d.clock.now();
    await this.#d.users.update(user.id, {
      password_hash: await hashPassword(input.newPassword),
      updated_at: now,
    });
    const signedOut = await this.#d.credentials.revokeOtherFamilies(user.id, sessionId, now);
    await this.#record(ctx, "user.password_changed", user.id, { otherSessionsSignedOut: signedOut });
    return { otherSessionsSignedOut: signedOut };
  }

  /** One's own active sessions, the newest activity first. */
  async sessions(sessionId: string | null, ctx: RequestContext): Promise<AccountSession[]> {
    const principal = sessionOnly(ctx);
    const tokens = await this.#d.credentials.activeTokensOf(principal.userId, this.#d.clock.now());
    return sessionsFrom(tokens, sessionId);
  }

  /**
   * Signs out one of one's own sessions (this one too, if named).
   * @throws AppError `session.not_found` for an ended session or someone else's.
   */
  async signOut(familyId: string, ctx: RequestContext): Promise<void> {
    const principal = sessionOnly(ctx);
    const now = this.#d.clock.now();
    const tokens = await this.#d.credentials.activeTokensOf(principal.userId, now);
    if (!tokens.some((t) => t.family_id === familyId))
      throw new AppError("session.not_found", `No active session ${familyId}`);
    await this.#d.credentials.revokeFamily(familyId, now);
    await this.#record(ctx, "auth.session_revoked", principal.userId, { session: familyId });
  }

  /** Signs out every session of one's own but this one. @returns how many were ended. */
  async signOutOthers(sessionId: string | null, ctx: RequestContext): Promise<number> {
    const principal = sessionOnly(ctx);
    const signedOut = await this.#d.credentials.revokeOtherFamilies(
      principal.userId,
      sessionId,
      this.#d.clock.now(),
    );
    await this.#record(ctx, "auth.other_sessions_revoked", principal.userId, { signedOut });
    return signedOut;
  }

  async #self(ctx: RequestContext): Promise<UserRow> {
    const principal = sessionOnly(ctx);
    const user = await this.#d.users.findById(principal.userId);
    if (!user) throw new AppError("auth.required", "Sign in first");
    return user;
  }

  async #record(
    ctx: RequestContext,
    action: string,
    userId: string,
    summary: Record<string, unknown>,
    outcome: "success" | "failure" | "denied" = "success",
  ): Promise<void> {
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action,
      outcome,
      target: { type: "user", id: userId },
      summary,
    });
  }
}

/** The signed-in person. @throws AppError `auth.forbidden` for an API key. */
function sessionOnly(ctx: RequestContext): Principal {
  const principal = requirePrincipal(ctx);
  if (principal.apiKey)
    throw new AppError("auth.forbidden", "Only the signed-in person does this, not an API key");
  return principal;
}

/** Groups a user's active refresh tokens (newest first) into sessions. */
function sessionsFrom(tokens: readonly RefreshTokenRow[], current: string | null): AccountSession[] {
  const byFamily = new Map<string, RefreshTokenRow[]>();
  for (const token of tokens)
    byFamily.set(token.family_id, [...(byFamily.get(token.family_id) ?? []), token]);
  return [...byFamily.entries()].map(([id, rows]) => {
    const newest = rows[0] as RefreshTokenRow;
    const oldest = rows[rows.length - 1] as RefreshTokenRow;
    return {
      id,
      current: id === current,
      signedInAt: iso(oldest.created_at),
      lastActiveAt: iso(newest.created_at),
      expiresAt: iso(newest.expires_at),
      ip: newest.ip,
      userAgent: newest.user_agent,
    };
  });
}
