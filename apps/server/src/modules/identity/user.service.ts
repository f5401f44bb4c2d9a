import type { CreateUserRequest, ListQuery, Role, UpdateUserRequest, User } from "@parley/contracts";
import { decodeCursor, pageOf } from "../../db/cursor.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { CredentialRepository } from "./credential.repository.ts";
import { newId } from "../../kernel/ids.ts";
import { hashPassword } from "./password.ts";
import { assertPasswordFits } from "./password-strength.ts";
import { assertGlobal, can, mayGrant } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import { isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import type { UserRepository, UserRow } from "./user.repository.ts";
import { toUser } from "./user-view.ts";

/** Dependencies of the user service. */
export interface UserServiceDeps {
  users: UserRepository;
  credentials: CredentialRepository;
  audit: AuditSink;
  clock: Clock;
}

/** Accounts: creation (including the first admin), listing, changes. */
export class UserService {
  readonly #d: UserServiceDeps;
  constructor(deps: UserServiceDeps) {
    this.#d = deps;
  }

  /**
   * Whether first-run setup is done: an account was created since the installation began (by
   * setup, `parley admin create`, `PARLEY_ADMIN_EMAIL` or any other way).
   */
  isSetUp(): Promise<boolean> {
    return this.#d.users.isSetupClaimed();
  }

  /**
   * A signed-in administrator adds an account, never with a global role above their own.
   * @throws AppError `auth.forbidden`, `user.email_taken`, `user.weak_password`.
   */
  async add(input: CreateUserRequest, ctx: RequestContext): Promise<UserRow> {
    assertMayGrantGlobal(ctx, input.globalRole);
    return this.create(input, ctx);
  }

  /**
   * Creates an account with the role its caller decided (first admin, invitation, single sign-on,
   * CLI); requests from users go through {@link add}. Passwords are checked against the email and hashed with argon2id.
   * @throws AppError `user.email_taken`, `user.weak_password`.
   */
  async create(input: CreateUserRequest, ctx: RequestContext): Promise<UserRow> {
    const row = await this.#newRow(input);
    await this.#store(row, false);
    await this.#audited(row, input, ctx);
    return row;
  }

  /**
   * Creates the first admin unless first-run setup is done. Safe under any concurrency, across
   * pods: the account is written in the same transaction as the installation's one setup claim
   * (a primary key), so exactly one of simultaneous callers gets an account.
   * @returns the new admin, or null when the installation is set up already.
   * @throws AppError `user.email_taken`, `user.weak_password`.
   */
  async createFirstAdmin(
    input: { email: string; name?: string; password: string },
    ctx: RequestContext,
  ): Promise<UserRow | null> {
    // Cheap refusal first, so that late visitors do not cost a password hash.
    if (await this.isSetUp()) return null;
    const request: CreateUserRequest = {
      email: input.email,
      name: input.name ?? input.email.split("@")[0] ?? "Admin",
      password: input.password,
      globalRole: "admin",
    };
    const row = await this.#newRow(request);
    if (!(await this.#store(row, true))) return null;
    await this.#audited(row, request, ctx);
    return row;
  }

  async #newRow(input: CreateUserRequest): Promise<UserRow> {
    const now = this.#d.clock.now();
    if (input.password) assertPasswordFits(input.password, input.email);
    return {
      id: newId(),
      email: input.email.toLowerCase(),
      name: input.name,
      password_hash: input.password ? await hashPassword(input.password) : null,
      global_role: input.globalRole,
      status: "active",
      created_at: now,
      updated_at: now,
      last_login_at: null,
    };
  }

  /** Writes `row`; false when `claimSetup` lost the setup claim (see `UserRepository.insert`). */
  async #store(row: UserRow, claimSetup: boolean): Promise<boolean> {
    try {
      return await this.#d.users.insert(row, { claimSetup });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AppError("user.email_taken", `An account with ${row.email} already exists`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async #audited(row: UserRow, input: CreateUserRequest, ctx: RequestContext): Promise<void> {
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action: "user.created",
      outcome: "success",
      target: { type: "user", id: row.id },
      summary: { email: row.email, globalRole: row.global_role, withPassword: input.password !== undefined },
    });
  }

  /** Lists accounts by email, with search and cursor pagination. */
  async list(query: ListQuery, ctx: RequestContext): Promise<{ items: User[]; nextCursor: string | null }> {
    assertGlobal(ctx, "users:read");
    const rows = await this.#d.users.list({
      limit: query.limit + 1,
      ...(query.q ? { q: query.q } : {}),
      ...(query.cursor ? { afterEmail: decodeCursor(query.cursor) } : {}),
    });
    return pageOf(rows, query.limit, (r) => r.email, toUser);
  }

  /**
   * One account. Others' accounts are visible with `users:read`; without it, as if missing.
   * @throws AppError `resource.not_found`.
   */
  async get(id: string, ctx: RequestContext): Promise<UserRow> {
    const row = await this.#d.users.findById(id);
    const mayRead = ctx.principal && (ctx.principal.userId === id || can(ctx.principal, "users:read", null));
    if (!row || !mayRead) throw new AppError("user.not_found", `No user ${id}`);
    return row;
  }

  /**
   * Changes an account. Disabling or re-roling ends its sessions; an admin cannot demote or
   * disable themselves (someone must remain able to administer).
   */
  async update(id: string, patch: UpdateUserRequest, ctx: RequestContext): Promise<UserRow> {
    const row = await this.get(id, ctx);
    // Changing an account ranked above one's own (its password, say) would be acting as it.
    assertMayGrantGlobal(ctx, row.global_role as Role);
    if (patch.globalRole !== undefined) assertMayGrantGlobal(ctx, patch.globalRole);
    const self = ctx.principal?.userId === id;
    if (self && ((patch.globalRole && patch.globalRole !== row.global_role) || patch.status === "disabled")) {
      throw new AppError("resource.conflict", "You cannot change your own role or disable yourself");
    }
    if (patch.password) assertPasswordFits(patch.password, row.email);
    const now = this.#d.clock.now();
    const changes: Partial<UserRow> = { updated_at: now };
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.globalRole !== undefined) changes.global_role = patch.globalRole;
    if (patch.status !== undefined) changes.status = patch.status;
    if (patch.password !== undefined) changes.password_hash = await hashPassword(patch.password);
    await this.#d.users.update(id, changes);
    if (patch.status === "disabled" || patch.password !== undefined)
      await this.#d.credentials.revokeAllOfUser(id, now);
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action: "user.updated",
      outcome: "success",
      target: { type: "user", id },
      summary: {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.globalRole !== undefined
          ? { globalRole: { from: row.global_role, to: patch.globalRole } }
          : {}),
        ...(patch.status !== undefined ? { status: { from: row.status, to: patch.status } } : {}),
        ...(patch.password !== undefined ? { passwordChanged: true } : {}),
      },
    });
    return { ...row, ...changes };
  }

  /**
   * Deletes an account for good, never one's own nor one ranked above one's own. What it owned
   * goes with it, as the foreign keys say (docs/ACCESS.md, "Removing an account").
   * @throws AppError `auth.forbidden`, `user.not_found`, `resource.conflict`.
   */
  async remove(id: string, ctx: RequestContext): Promise<void> {
    assertGlobal(ctx, "users:manage");
    const row = await this.get(id, ctx);
    assertMayGrantGlobal(ctx, row.global_role as Role);
    if (ctx.principal?.userId === id)
      throw new AppError("resource.conflict", "You cannot delete your own account");
    if (!(await this.#d.users.delete(id))) throw new AppError("user.not_found", `No user ${id}`);
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action: "user.deleted",
      outcome: "success",
      target: { type: "user", id },
      summary: { email: row.email, globalRole: row.global_role },
    });
  }
}

/**
 * Refuses to hand out (or act on an account with) a global role above the caller's own.
 * @throws AppError `auth.forbidden`.
 */
export function assertMayGrantGlobal(ctx: RequestContext, role: Role): void {
  if (!ctx.principal || !mayGrant(ctx.principal, role, null)) {
    throw new AppError(
      "auth.forbidden",
      `Only a global ${role} or above may grant or change the ${role} role`,
      {
        details: { role },
      },
    );
  }
}
