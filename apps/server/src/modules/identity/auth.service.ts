import type { Permission, Role } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { RateLimiter } from "../../platform/rate-limit/rate-limit.port.ts";
import { fromJson } from "../../db/json.ts";
import type { CredentialRepository } from "./credential.repository.ts";
import { IdentityChanges } from "./identity-changes.ts";
import { LoginThrottle } from "./login-throttle.ts";
import { hashSecret, newId, newSecret } from "../../kernel/ids.ts";
import { verifyPassword } from "./password.ts";
import type { Principal } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { TokenService } from "./token.service.ts";
import type { UserRepository, UserRow } from "./user.repository.ts";

export const REFRESH_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * How long after its first use a refresh token is still exchanged (for a sibling session in the
 * same family) instead of being taken as stolen: parallel refreshes from tabs or retries.
 */
export const REFRESH_REUSE_GRACE_MS = 20_000;

/** A signed-in session: what login and refresh hand out. */
export interface IssuedSession {
  user: UserRow;
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
  /** The session's CSRF token, for cookie clients (bound to the session, see `CsrfTokens`). */
  csrfToken: string;
}

/** Dependencies of the auth service. */
export interface AuthServiceDeps {
  users: UserRepository;
  credentials: CredentialRepository;
  tokens: TokenService;
  limiter: RateLimiter;
  audit: AuditSink;
  clock: Clock;
  /** Waits between failed attempts; replaceable so that tests need not sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** Bumped by the repositories on identity writes; makes the principal cache stale. */
  changes?: IdentityChanges;
  /** Overrides `REFRESH_REUSE_GRACE_MS`; 0 takes every repeat as theft. */
  refreshReuseGraceMs?: number;
}

/**
 * How long the principal of an API key or of a session is reused without reading the database
 * again. A change made through this process (a revocation, a sign-out, a role, a membership)
 * applies at once; one made through another pod applies within this time, as provider changes do.
 */
export const PRINCIPAL_CACHE_MS = 2_000;
const PRINCIPAL_CACHE_MAX = 10_000;

interface CachedPrincipal {
  principal: Principal;
  /** `IdentityChanges.version` before the lookups. */
  version: number;
  expiresAt: number;
}

const API_KEY = /^pk_([A-Za-z0-9-]{36})_([A-Za-z0-9_-]{43})$/;

/** Sign-in, token rotation, sign-out, and turning credentials into a principal. */
export class AuthService {
  readonly #d: AuthServiceDeps;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #changes: IdentityChanges;
  readonly #throttle: LoginThrottle;
  /** Principals of recently used API keys (by the key's hash) and sessions (by `s:<sid>:<sub>`). */
  readonly #principals = new Map<string, CachedPrincipal>();

  constructor(deps: AuthServiceDeps) {
    this.#d = deps;
    this.#changes = deps.changes ?? new IdentityChanges();
    this.#throttle = new LoginThrottle(deps.limiter);
    this.#sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Password sign-in. Each attempt spends a point per (account, IP) pair, per IP and, from an IP
   * the account has not signed in from lately, per account, before the password is looked at
   * (`LoginThrottle`); failures slow down, then lock with Retry-After. The answer and its timing
   * are the same whether the email exists or not.
   * @throws AppError `auth.invalid_credentials` or `auth.locked`.
   */
  async login(email: string, password: string, ctx: RequestContext): Promise<IssuedSession> {
    const attempt = await this.#throttle.reserve(email, ctx.ip);
    if (!attempt.allowed) {
      const retryAfter = Math.max(1, Math.ceil(attempt.retryAfterMs / 1000));
      await this.#auditFailure(email, "locked", ctx);
      throw new AppError("auth.locked", `Too many failed sign-ins; try again in ${retryAfter} s`, {
        headers: { "retry-after": String(retryAfter) },
      });
    }
    const failures = attempt.priorFailures;
    if (failures >= 3) await this.#sleep(Math.min(250 * 2 ** (failures - 3), 4_000));

    const user = await this.#d.users.findByEmail(email);
    const valid = await verifyPassword(user?.password_hash ?? null, password);
    if (!user || !valid || user.status !== "active") {
      // The attempt's points stay spent: they were the failure's count.
      await this.#auditFailure(email, !user ? "unknown_email" : !valid ? "wrong_password" : "disabled", ctx);
      throw new AppError("auth.invalid_credentials", "Email or password is incorrect");
    }
    await this.#throttle.succeeded(attempt);
    const session = await this.#startSession(user, newId(), ctx);
    await this.#d.users.update(user.id, { last_login_at: this.#d.clock.now() });
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      actor: { type: "user", id: user.id, email: user.email },
      action: "auth.login",
      outcome: "success",
      target: { type: "user", id: user.id },
      summary: { method: "password" },
    });
    return session;
  }

  /** Starts a session for a user who proved who they are some other way (SSO, invitation). */
  startSession(user: UserRow, ctx: RequestContext): Promise<IssuedSession> {
    return this.#startSession(user, newId(), ctx);
  }

  /**
   * Exchanges a refresh token for a new pair. A token presented again within the reuse grace of
   * its first use yields a sibling pair in the same family (parallel refreshes); later, a repeat
   * means it was stolen: the whole family (that sign-in) is revoked.
   * @throws AppError `auth.invalid_token`.
   */
  async refresh(refreshToken: string, ctx: RequestContext): Promise<IssuedSession> {
    const now = this.#d.clock.now();
    const row = await this.#d.credentials.findRefreshToken(hashSecret(refreshToken));
    if (!row || row.expires_at <= now) {
      throw new AppError("auth.invalid_token", "Refresh token is invalid or expired; sign in again");
    }
    const grace = this.#d.refreshReuseGraceMs ?? REFRESH_REUSE_GRACE_MS;
    const fresh =
      row.revoked_at === null && (await this.#d.credentials.markRefreshTokenUsed(row.id, now, grace));
    if (!fresh) {
      await this.#d.credentials.revokeFamily(row.family_id, now);
      await this.#d.audit.record({
        ...auditOrigin(ctx),
        actor: { type: "user", id: row.user_id },
        action: "auth.refresh_reuse",
        outcome: "denied",
        target: { type: "session", id: row.family_id },
        summary: {
          reason: row.revoked_at === null ? "token reused: session revoked" : "session already revoked",
        },
      });
      throw new AppError(
        "auth.invalid_token",
        "Refresh token was already used; the session is revoked, sign in again",
      );
    }
    const user = await this.#d.users.findById(row.user_id);
    if (user?.status !== "active") {
      await this.#d.credentials.revokeFamily(row.family_id, now);
      throw new AppError("auth.invalid_token", "The account is disabled");
    }
    return this.#startSession(user, row.family_id, ctx);
  }

  /**
   * Ends the session the refresh token belongs to. Unknown tokens are ignored. A cookie session
   * passes `csrf`: its token must be the session's.
   * @throws AppError `auth.csrf_failed`.
   */
  async logout(
    refreshToken: string | undefined,
    sessionId: string | undefined,
    ctx: RequestContext,
    csrf?: { token: string | undefined },
  ): Promise<void> {
    const now = this.#d.clock.now();
    const family =
      (refreshToken
        ? (await this.#d.credentials.findRefreshToken(hashSecret(refreshToken)))?.family_id
        : undefined) ?? sessionId;
    if (!family) return;
    if (csrf && !this.#d.tokens.csrf.matches(family, csrf.token)) {
      throw new AppError("auth.csrf_failed", "Signing out a cookie session needs its x-csrf-token header");
    }
    await this.#d.credentials.revokeFamily(family, now);
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action: "auth.logout",
      outcome: "success",
      target: { type: "session", id: family },
    });
  }

  /**
   * The principal of a bearer credential: an access token (JWT) or an API key (`pk_...`).
   * @throws AppError `auth.invalid_token` when the credential is not valid now.
   */
  async authenticate(credential: string): Promise<{ principal: Principal; sessionId: string | null }> {
    if (credential.startsWith("pk_"))
      return { principal: await this.#authenticateApiKey(credential), sessionId: null };
    const claims = await this.#d.tokens.verify(credential);
    const principal = await this.#cached(`s:${claims.sid}:${claims.sub}`, async () => {
      // The reads depend only on the token's claims: one round instead of three.
      const [active, { user, memberships }] = await Promise.all([
        this.#d.credentials.isFamilyActive(claims.sid, this.#d.clock.now()),
        this.#account(claims.sub),
      ]);
      if (!active) throw new AppError("auth.invalid_token", "The session has ended; sign in again");
      if (user?.status !== "active") throw new AppError("auth.invalid_token", "The account is disabled");
      return { principal: principalFrom(user, memberships), expiresAt: null };
    });
    return { principal, sessionId: claims.sid };
  }

  /**
   * The principal under `key`, from the cache when it was looked up less than
   * `PRINCIPAL_CACHE_MS` ago and no identity changed since (every API call and page load
   * authenticates: this saves three reads each), else from `lookUp`, whose failures are not cached.
   */
  async #cached(
    key: string,
    lookUp: () => Promise<{ principal: Principal; expiresAt: number | null }>,
  ): Promise<Principal> {
    const now = this.#d.clock.now();
    const version = this.#changes.version;
    const cached = this.#principals.get(key);
    if (cached && cached.version === version && now < cached.expiresAt) return cached.principal;
    const { principal, expiresAt } = await lookUp();
    if (this.#principals.size >= PRINCIPAL_CACHE_MAX) this.#principals.clear();
    this.#principals.set(key, {
      principal,
      version,
      expiresAt: Math.min(now + PRINCIPAL_CACHE_MS, expiresAt ?? Infinity),
    });
    return principal;
  }

  /** The principal of a user (with their current teams and roles). */
  async principalOf(user: UserRow, apiKey?: Principal["apiKey"]): Promise<Principal> {
    return principalFrom(user, await this.#d.users.memberships(user.id), apiKey);
  }

  /**
   * The principal of the account `userId`, its row and memberships read in one round; null when
   * the account does not exist, or with `activeOnly` when it is disabled. For work done on a
   * user's behalf outside a request (an answer generated by a worker; with `activeOnly`, a
   * widget or bot answering strangers as its publisher, which a disabled account must not do).
   * @example
   * const publisher = await auth.principalOfUser(widget.publisher_id, { activeOnly: true });
   */
  async principalOfUser(userId: string, options: { activeOnly?: boolean } = {}): Promise<Principal | null> {
    const { user, memberships } = await this.#account(userId);
    if (!user || (options.activeOnly && user.status !== "active")) return null;
    return principalFrom(user, memberships);
  }

  /** An account's row and team memberships, read in one round. */
  async #account(userId: string): Promise<{
    user: UserRow | undefined;
    memberships: { teamId: string; role: Role }[];
  }> {
    const [user, memberships] = await Promise.all([
      this.#d.users.findById(userId),
      this.#d.users.memberships(userId),
    ]);
    return { user, memberships };
  }

  /** An API key's principal (cached, see `#cached`). */
  async #authenticateApiKey(key: string): Promise<Principal> {
    const hash = hashSecret(key);
    return this.#cached(hash, () => this.#lookUpApiKey(key, hash, this.#d.clock.now()));
  }

  async #lookUpApiKey(
    key: string,
    hash: string,
    now: number,
  ): Promise<{ principal: Principal; expiresAt: number | null }> {
    const match = API_KEY.exec(key);
    const row = match?.[1] ? await this.#d.credentials.findApiKey(match[1]) : undefined;
    // Compare hashes of the whole key: the id alone proves nothing.
    if (!row || row.key_hash !== hash) throw new AppError("auth.invalid_token", "API key is invalid");
    if (row.revoked_at !== null) throw new AppError("auth.invalid_token", "API key was revoked");
    if (row.expires_at !== null && row.expires_at <= now)
      throw new AppError("auth.invalid_token", "API key expired");
    const { user, memberships } = await this.#account(row.user_id);
    if (user?.status !== "active") throw new AppError("auth.invalid_token", "The key's owner is disabled");
    // last_used_at is informational: update it at most once a minute per key.
    if (row.last_used_at === null || now - row.last_used_at > 60_000)
      await this.#d.credentials.touchApiKey(row.id, now);
    const permissions = fromJson(row.permissions) as Permission[];
    return {
      principal: principalFrom(user, memberships, { id: row.id, permissions, teamId: row.team_id }),
      expiresAt: row.expires_at,
    };
  }

  async #startSession(user: UserRow, familyId: string, ctx: RequestContext): Promise<IssuedSession> {
    const now = this.#d.clock.now();
    const refreshToken = `rt_${newSecret()}`;
    const refreshTokenExpiresAt = now + REFRESH_TOKEN_TTL_MS;
    await this.#d.credentials.insertRefreshToken({
      id: newId(),
      family_id: familyId,
      user_id: user.id,
      token_hash: hashSecret(refreshToken),
      created_at: now,
      expires_at: refreshTokenExpiresAt,
      used_at: null,
      revoked_at: null,
      ip: ctx.ip,
      user_agent: ctx.userAgent?.slice(0, 300) ?? null,
    });
    const access = await this.#d.tokens.issue({ sub: user.id, sid: familyId });
    return {
      user,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken,
      refreshTokenExpiresAt,
      csrfToken: this.#d.tokens.csrf.forSession(familyId),
    };
  }

  async #auditFailure(email: string, reason: string, ctx: RequestContext): Promise<void> {
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      actor: { type: "anonymous", id: null, email: email.toLowerCase() },
      action: "auth.login_failed",
      outcome: "failure",
      summary: { reason },
    });
  }
}

/** A principal from an account and its team memberships. */
function principalFrom(
  user: UserRow,
  memberships: readonly { teamId: string; role: Role }[],
  apiKey?: Principal["apiKey"],
): Principal {
  return {
    kind: apiKey ? "api_key" : "user",
    userId: user.id,
    email: user.email,
    globalRole: user.global_role as Role,
    teams: new Map(memberships.map((m) => [m.teamId, m.role])),
    ...(apiKey ? { apiKey } : {}),
  };
}
