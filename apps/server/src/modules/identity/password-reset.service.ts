import type { PasswordResetLink, ResetPasswordRequest, Role } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import { hashSecret, iso, newId, newSecret } from "../../kernel/ids.ts";
import { assertGlobal, requirePrincipal } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { CredentialRepository } from "./credential.repository.ts";
import { hashPassword } from "./password.ts";
import { assertPasswordFits } from "./password-strength.ts";
import type { PasswordResetRepository } from "./password-reset.repository.ts";
import type { UserRepository } from "./user.repository.ts";
import { assertMayGrantGlobal } from "./user.service.ts";

/** How long a reset link works. */
export const PASSWORD_RESET_TTL_MS = 24 * 60 * 60 * 1000;

/** Dependencies of the password reset service. */
export interface PasswordResetServiceDeps {
  users: UserRepository;
  resets: PasswordResetRepository;
  credentials: CredentialRepository;
  audit: AuditSink;
  clock: Clock;
  /** Base of the links, e.g. `https://parley.example.com`. */
  publicUrl: () => string;
}

/**
 * Password resets by an administrator: a one-time link (no mail is sent; the administrator passes
 * it on), its token stored only as a hash, working for 24 hours, once, and only while it is the
 * newest link of its account. The token travels in the link's fragment, so it never reaches a
 * server log or a `Referer` header.
 */
export class PasswordResetService {
  readonly #d: PasswordResetServiceDeps;
  constructor(deps: PasswordResetServiceDeps) {
    this.#d = deps;
  }

  /**
   * Makes a reset link for another account not ranked above one's own (one's own password changes
   * on the profile page, with the current one).
   * @throws AppError `auth.forbidden`, `user.not_found`, `resource.conflict` (one's own account).
   */
  async issue(userId: string, ctx: RequestContext): Promise<PasswordResetLink> {
    assertGlobal(ctx, "users:manage");
    const principal = requirePrincipal(ctx);
    const user = await this.#d.users.findById(userId);
    if (!user) throw new AppError("user.not_found", `No user ${userId}`);
    assertMayGrantGlobal(ctx, user.global_role as Role);
    if (principal.userId === userId)
      throw new AppError("resource.conflict", "Change your own password on your profile page");
    const now = this.#d.clock.now();
    const token = newSecret();
    const expiresAt = now + PASSWORD_RESET_TTL_MS;
    await this.#d.resets.replace({
      id: newId(),
      user_id: userId,
      token_hash: hashSecret(token),
      created_by: principal.userId,
      created_at: now,
      expires_at: expiresAt,
      used_at: null,
      revoked_at: null,
    });
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action: "user.password_reset_issued",
      outcome: "success",
      target: { type: "user", id: userId },
      summary: { email: user.email, expiresAt: iso(expiresAt) },
    });
    return { url: `${this.#d.publicUrl()}/reset-password#${token}`, token, expiresAt: iso(expiresAt) };
  }

  /**
   * Sets a new password through a link and signs out all the account's sessions. A weak password
   * is refused before the link is spent, so the person can try again; of concurrent uses of one
   * link exactly one succeeds.
   * @throws AppError `password_reset.invalid`, `user.weak_password`.
   */
  async redeem(input: ResetPasswordRequest, ctx: RequestContext): Promise<void> {
    const now = this.#d.clock.now();
    const reset = await this.#d.resets.findByHash(hashSecret(input.token));
    const open = reset && reset.used_at === null && reset.revoked_at === null && reset.expires_at > now;
    const user = open ? await this.#d.users.findById(reset.user_id) : undefined;
    if (!reset || !user) throw invalid();
    assertPasswordFits(input.newPassword, user.email);
    const hash = await hashPassword(input.newPassword);
    if (!(await this.#d.resets.spend(reset.id, this.#d.clock.now()))) throw invalid();
    await this.#d.users.update(user.id, { password_hash: hash, updated_at: this.#d.clock.now() });
    await this.#d.credentials.revokeAllOfUser(user.id, this.#d.clock.now());
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      actor: { type: "user", id: user.id, email: user.email },
      action: "user.password_reset",
      outcome: "success",
      target: { type: "user", id: user.id },
      summary: { link: reset.id, issuedBy: reset.created_by },
    });
  }
}

const invalid = () =>
  new AppError("password_reset.invalid", "This reset link is unknown, used, replaced or expired");
