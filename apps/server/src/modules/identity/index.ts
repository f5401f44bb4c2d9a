/**
 * The identity module: accounts, teams, invitations, sessions, API keys, single sign-on, and the
 * per-principal limits; the HTTP edge authenticates through its `edge`.
 */
import { defineModule } from "../../kernel/module.ts";
import { identityErrors } from "./identity.errors.ts";
import { identityTopics } from "@parley/contracts";
import type { AuditExports } from "../audit/index.ts";
import { ensureFirstAdmin } from "./first-admin.ts";
import { STAGE_ORDER } from "../../kernel/ai-stage.ts";
import { rateLimitStage as createRateLimitStage } from "./identity.stages.ts";
import { createIdentityModule, type IdentityModule } from "./identity.module.ts";
import * as identityMigration from "./migrations/2026-11-22T1300-identity.ts";
import * as setupClaimMigration from "./migrations/2026-12-05T2240-setup-claim.ts";
import * as passwordResetsMigration from "./migrations/2026-12-08T0100-password-resets.ts";

/** What the identity module offers the modules built after it (and the HTTP edge). */
export type IdentityExports = Omit<IdentityModule, "registerRoutes">;

/** Identity and access. On a fresh install it creates the first admin from the environment. */
export const identityModule = defineModule({
  name: "identity",
  errors: identityErrors,
  topics: identityTopics,
  needs: ["audit"],
  permissions: [
    "profile:read",
    "users:read",
    "users:manage",
    "teams:read",
    "teams:manage",
    "api-keys:manage",
    "access:explain",
  ],
  tables: [
    "users",
    "teams",
    "memberships",
    "invitations",
    "refresh_tokens",
    "api_keys",
    "oidc_identities",
    "setup_claim",
    "password_resets",
  ],
  migrations: {
    "2026-11-22T1300-identity": identityMigration,
    "2026-12-05T2240-setup-claim": setupClaimMigration,
    "2026-12-08T0100-password-resets": passwordResetsMigration,
  },
  build: async (ctx, { audit }: { audit: AuditExports }) => {
    const identity = createIdentityModule({
      database: ctx.platform.database,
      limiter: ctx.platform.rateLimiter,
      audit: audit.audit,
      clock: ctx.platform.clock,
      secrets: ctx.platform.secrets,
      rateLimits: ctx.config.rateLimits,
      refreshReuseGraceMs: ctx.config.refreshReuseGraceMs,
      publicUrl: () => ctx.publicUrl(),
      oidc: { providers: ctx.config.oidcProviders, cache: ctx.platform.store.cache },
      broadcast: { bus: ctx.bus, podId: ctx.podId },
    });
    await ensureFirstAdmin(ctx.config, identity, ctx.logger);
    const rateLimitStage = createRateLimitStage({
      limiter: ctx.platform.rateLimiter,
      rateLimits: ctx.config.rateLimits,
    });
    return {
      exports: identity satisfies IdentityExports,
      // A key bound to a team belongs to it; an unbound key to no team.
      owners: { api_key: (id) => identity.apiKeys.ownerOf(id) },
      // Per-principal AI rate limits: refused calls are neither audited nor metered.
      stages: [{ order: STAGE_ORDER.admission, stage: rateLimitStage }],
      routes: (app) => {
        identity.registerRoutes(app);
      },
    };
  },
});

export type { IdentityDeps, IdentityModule, RoleRateLimits } from "./identity.module.ts";
export type { AuthService } from "./auth.service.ts";
export type { IdentityTables } from "./identity.tables.ts";
