import { identityTopics, type Role } from "@parley/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Database } from "../../platform/db/database.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { RateDecision, RateLimiter } from "../../platform/rate-limit/rate-limit.port.ts";
import type { Secrets } from "../../platform/secrets.ts";
import type { Cache } from "../../platform/registry/registry.port.ts";
import type { OidcProviderConfig } from "../../config/config.schema.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { EdgeAuth } from "../../http/authenticate.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import { AccessService } from "./access.service.ts";
import { AccountService } from "./account.service.ts";
import { registerAccountRoutes } from "./account.routes.ts";
import { registerAccessRoutes } from "./access.routes.ts";
import { ApiKeyService } from "./api-key.service.ts";
import { registerApiKeyRoutes } from "./api-keys.routes.ts";
import { registerAuthRoutes } from "./auth.routes.ts";
import { registerSetupRoutes } from "./setup.routes.ts";
import { AuthService } from "./auth.service.ts";
import { CredentialRepository } from "./credential.repository.ts";
import { IdentityChanges } from "./identity-changes.ts";
import { InvitationService } from "./invitation.service.ts";
import { LoginThrottle } from "./login-throttle.ts";
import { PasswordResetRepository } from "./password-reset.repository.ts";
import { PasswordResetService } from "./password-reset.service.ts";
import type { Principal } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink } from "../../kernel/request-context.ts";
import { contextOf } from "../../http/request-context.ts";
import { TeamRepository } from "./team.repository.ts";
import { TeamService } from "./team.service.ts";
import { registerTeamRoutes } from "./teams.routes.ts";
import { TokenService } from "./token.service.ts";
import { UserRepository } from "./user.repository.ts";
import { UserService } from "./user.service.ts";
import { registerUserRoutes } from "./users.routes.ts";
import { OidcIdentityRepository } from "./sso/oidc-identity.repository.ts";
import { registerOidcRoutes } from "./sso/oidc.routes.ts";
import { OidcService } from "./sso/oidc.service.ts";
import { tablesOf } from "../../platform/db/database.ts";

/** Per-role request limits; missing roles and fields take the defaults. */
export type RoleRateLimits = Partial<Record<Role, { apiPerMinute?: number; aiPerMinute?: number }>>;

/** Defaults of the per-principal limits. */
export const DEFAULT_LIMITS = { apiPerMinute: 100, aiPerMinute: 10 } as const;

/** Dependencies of the identity module. */
export interface IdentityDeps {
  database: Database;
  limiter: RateLimiter;
  audit: AuditSink;
  clock: Clock;
  secrets: Secrets;
  rateLimits: RoleRateLimits;
  publicUrl: () => string;
  /** OpenID Connect single sign-on; without it the provider list is empty. */
  oidc?: { providers: readonly OidcProviderConfig[]; cache: Cache };
  /**
   * Where identity changes are announced to the other pods, so that their cached principals
   * (ADR 0011) go stale at once rather than within 2 s. `podId` tells one's own announcements apart.
   */
  broadcast?: { bus: TypedBus; podId: string };
  /** See `REFRESH_REUSE_GRACE_MS`. */
  refreshReuseGraceMs?: number;
}

/** The identity module's services, its HTTP routes and the edge's auth hooks. */
export interface IdentityModule {
  auth: AuthService;
  users: UserService;
  teams: TeamService;
  invitations: InvitationService;
  apiKeys: ApiKeyService;
  access: AccessService;
  edge: EdgeAuth;
  registerRoutes(app: TypedApp): void;
}

/**
 * Builds identity and access: accounts, teams, sessions, API keys, permission checks and
 * per-principal rate limits.
 */
export function createIdentityModule(deps: IdentityDeps): IdentityModule {
  // Every write to users, memberships, API keys or sessions bumps this; the principal cache
  // follows it, here and (announced on the bus) on the other pods.
  const changes = new IdentityChanges();
  const broadcast = deps.broadcast;
  if (broadcast) {
    const { bus, podId } = broadcast;
    changes.onBump(() => {
      // At most once delivery is enough: the cache's 2 s bound stays as the backstop.
      bus.publish(identityTopics.changed, { pod: podId }).catch(() => undefined);
    });
    bus
      .subscribe(identityTopics.changed, ({ pod }) => {
        if (pod !== podId) changes.bumpFromElsewhere();
      })
      .catch(() => undefined);
  }
  const users = new UserRepository(tablesOf(deps.database.db), changes);
  const teamsRepo = new TeamRepository(tablesOf(deps.database.db), changes);
  const credentials = new CredentialRepository(tablesOf(deps.database.db), changes);
  const tokens = new TokenService({
    key: deps.secrets.key("jwt"),
    csrfKey: deps.secrets.key("csrf"),
    clock: deps.clock,
  });
  const auth = new AuthService({
    users,
    credentials,
    tokens,
    limiter: deps.limiter,
    audit: deps.audit,
    clock: deps.clock,
    changes,
    ...(deps.refreshReuseGraceMs !== undefined ? { refreshReuseGraceMs: deps.refreshReuseGraceMs } : {}),
  });
  const userService = new UserService({ users, credentials, audit: deps.audit, clock: deps.clock });
  const teams = new TeamService({ teams: teamsRepo, audit: deps.audit, clock: deps.clock });
  const invitations = new InvitationService({
    teams: teamsRepo,
    users,
    userService,
    audit: deps.audit,
    clock: deps.clock,
    publicUrl: deps.publicUrl,
  });
  const account = new AccountService({
    users,
    credentials,
    throttle: new LoginThrottle(deps.limiter),
    audit: deps.audit,
    clock: deps.clock,
  });
  const resets = new PasswordResetService({
    users,
    resets: new PasswordResetRepository(tablesOf(deps.database.db)),
    credentials,
    audit: deps.audit,
    clock: deps.clock,
    publicUrl: deps.publicUrl,
  });
  const apiKeys = new ApiKeyService({ credentials, audit: deps.audit, clock: deps.clock });
  const access = new AccessService({ users, teams: teamsRepo, auth });
  const oidc = new OidcService({
    providers: deps.oidc?.providers ?? [],
    users,
    userService,
    teams: teamsRepo,
    identities: new OidcIdentityRepository(tablesOf(deps.database.db)),
    auth,
    cache: deps.oidc?.cache ?? noCache,
    audit: deps.audit,
    clock: deps.clock,
    publicUrl: deps.publicUrl,
  });

  const edge: EdgeAuth = {
    verify: (credential) => auth.authenticate(credential),
    csrfMatches: (sessionId, token) => tokens.csrf.matches(sessionId, token),
    denied: async (request: FastifyRequest, permission: string) => {
      await deps.audit.record({
        ...auditOrigin(contextOf(request)),
        action: "access.denied",
        outcome: "denied",
        target: { type: "route", id: `${request.method} ${request.routeOptions.url ?? request.url}` },
        summary: { permission },
      });
    },
    limit: (request, reply, principal) => limitPrincipal(deps, request, reply, principal),
  };

  return {
    auth,
    users: userService,
    teams,
    invitations,
    apiKeys,
    access,
    edge,
    registerRoutes(app) {
      registerAuthRoutes(app, { auth, access, resets });
      registerAccountRoutes(app, { account });
      registerSetupRoutes(app, { users: userService, auth });
      registerUserRoutes(app, { users: userService, resets });
      registerTeamRoutes(app, { teams, invitations, auth });
      registerApiKeyRoutes(app, { apiKeys });
      registerAccessRoutes(app, { access });
      registerOidcRoutes(app, { oidc });
    },
  };
}

/** Without providers no sign-in is ever started, so nothing is stored. */
const noCache: Cache = {
  get: () => Promise.resolve(undefined),
  set: () => Promise.resolve(),
  setIfAbsent: () => Promise.resolve(false),
  setIfAbsentInTurn: () => Promise.resolve(0),
  delete: () => Promise.resolve(false),
};

/**
 * Spends one request of `kind` for the principal: against the user and, for an API key, also
 * against the key, so more keys do not buy more capacity; a channel's visitor against themselves. Limits come from the principal's
 * global role (`PARLEY_RATE_LIMITS`), defaulting to 100 API and 10 AI requests per minute.
 * @returns the tightest decision, for the `RateLimit-*` headers.
 */
export async function consumePrincipalLimit(
  limiter: RateLimiter,
  rateLimits: RoleRateLimits,
  principal: Principal,
  kind: "api" | "ai",
): Promise<RateDecision> {
  const limits = { ...DEFAULT_LIMITS, ...rateLimits[principal.globalRole] };
  const rule = { points: kind === "ai" ? limits.aiPerMinute : limits.apiPerMinute, durationMs: 60_000 };
  const channel = principal.channel;
  // A channel's visitors share their publisher's account: each spends their own requests, not
  // the publisher's (the channel's own limits per widget or bot come before, in its module).
  const keys = channel
    ? [`channel:${channel.kind}:${channel.id}:${channel.subject}:${kind}`]
    : [`user:${principal.userId}:${kind}`];
  if (principal.apiKey) keys.push(`key:${principal.apiKey.id}:${kind}`);
  let tightest: RateDecision | undefined;
  for (const key of keys) {
    const decision = await limiter.consume(key, rule);
    if (!tightest || !decision.allowed || decision.remaining < tightest.remaining) tightest = decision;
  }
  return (
    tightest ?? {
      allowed: true,
      limit: rule.points,
      remaining: rule.points,
      resetMs: 60_000,
      retryAfterMs: 0,
    }
  );
}

/** The `rate_limit.exceeded` error of a refused decision. */
export function rateLimitError(decision: RateDecision, principal: Principal, kind: "api" | "ai"): AppError {
  const retryAfter = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return new AppError(
    "rate_limit.exceeded",
    `Too many ${kind === "ai" ? "AI " : ""}requests; retry in ${retryAfter} s`,
    {
      headers: { "retry-after": retryAfter },
      details: {
        limit: decision.limit,
        windowSeconds: 60,
        scope: principal.apiKey ? "api_key" : "user",
        class: kind,
      },
    },
  );
}

async function limitPrincipal(
  deps: IdentityDeps,
  _request: FastifyRequest,
  reply: FastifyReply,
  principal: Principal,
): Promise<void> {
  const decision = await consumePrincipalLimit(deps.limiter, deps.rateLimits, principal, "api");
  reply.header("ratelimit-limit", String(decision.limit));
  reply.header("ratelimit-remaining", String(decision.remaining));
  reply.header("ratelimit-reset", String(Math.ceil(decision.resetMs / 1000)));
  if (!decision.allowed) throw rateLimitError(decision, principal, "api");
}
