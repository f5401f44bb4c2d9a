import type { ApiKey, ApiKeyCreated, CreateApiKeyRequest, Permission } from "@parley/contracts";
import { fromJson, toJson } from "../../db/json.ts";
import { isForeignKeyViolation } from "../../platform/db/constraint-errors.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { ApiKeyRow, CredentialRepository } from "./credential.repository.ts";
import { hashSecret, iso, newId, newSecret } from "../../kernel/ids.ts";
import { can, type Principal, requirePrincipal, seesTeam, boundTeam } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";

/** Dependencies of the API key service. */
export interface ApiKeyServiceDeps {
  credentials: CredentialRepository;
  audit: AuditSink;
  clock: Clock;
}

/**
 * API keys for programs: `pk_<id>_<secret>`, shown once, stored as a hash. A key carries a
 * subset of its owner's permissions, optionally for one team, and never more than the owner
 * holds at the moment of use.
 */
export class ApiKeyService {
  readonly #d: ApiKeyServiceDeps;
  constructor(deps: ApiKeyServiceDeps) {
    this.#d = deps;
  }

  /** @throws AppError `api_key.permission_not_held` when asking for more than the caller holds. */
  async create(input: CreateApiKeyRequest, ctx: RequestContext): Promise<ApiKeyCreated> {
    const principal = requirePrincipal(ctx);
    if (principal.apiKey)
      throw new AppError("auth.forbidden", "API keys cannot create API keys; sign in as the user");
    const teamId = input.teamId ?? null;
    if (teamId && !seesTeam(principal, teamId)) {
      throw new AppError("team.not_found", `No team ${teamId}`);
    }
    const missing = input.permissions.filter((p) => !can(principal, p, teamId));
    if (missing.length > 0) {
      throw new AppError(
        "api_key.permission_not_held",
        `You do not hold ${missing.join(", ")}${teamId ? " in that team" : ""}`,
        {
          details: { missing },
        },
      );
    }
    const now = this.#d.clock.now();
    const id = newId();
    const key = `pk_${id}_${newSecret()}`;
    const permissions = [...new Set(input.permissions)].sort();
    const row: ApiKeyRow = {
      id,
      user_id: principal.userId,
      team_id: teamId,
      name: input.name,
      key_hash: hashSecret(key),
      permissions,
      created_at: now,
      expires_at: input.expiresInDays ? now + input.expiresInDays * 86_400_000 : null,
      last_used_at: null,
      revoked_at: null,
    };
    try {
      await this.#d.credentials.insertApiKey({ ...row, permissions: toJson(permissions) });
    } catch (error) {
      // A global admin names any team; one that does not exist (or was just deleted) is a 404.
      if (teamId && isForeignKeyViolation(error))
        throw new AppError("team.not_found", `No team ${teamId}`, { cause: error });
      throw error;
    }
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action: "api_key.created",
      outcome: "success",
      target: { type: "api_key", id },
      teamId,
      summary: { name: input.name, permissions, expiresAt: iso(row.expires_at) },
    });
    return { ...toApiKey(row), key };
  }

  async list(ctx: RequestContext): Promise<ApiKey[]> {
    const principal = requirePrincipal(ctx);
    const keys = await this.#d.credentials.listApiKeys(principal.userId);
    return keys.filter((row) => keyVisible(principal, row)).map(toApiKey);
  }

  /** The team key `id` is bound to (null: none); null when there is no such key. For other modules' access checks. */
  async ownerOf(id: string): Promise<{ teamId: string | null } | null> {
    const row = await this.#d.credentials.findApiKey(id);
    return row ? { teamId: row.team_id } : null;
  }

  /** Revokes one of the caller's keys (global admins: anyone's). Revoking twice is fine. */
  async revoke(id: string, ctx: RequestContext): Promise<ApiKey> {
    const principal = requirePrincipal(ctx);
    const row = await this.#d.credentials.findApiKey(id);
    if (!row || !(keyVisible(principal, row) || can(principal, "users:manage", null))) {
      throw new AppError("api_key.not_found", `No API key ${id}`);
    }
    const now = this.#d.clock.now();
    await this.#d.credentials.revokeApiKey(id, now);
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action: "api_key.revoked",
      outcome: "success",
      target: { type: "api_key", id },
      teamId: row.team_id,
      summary: { name: row.name, owner: row.user_id },
    });
    return toApiKey({ ...row, revoked_at: row.revoked_at ?? now });
  }
}

/** One's own keys; through a team-bound key, only the keys of that team. */
function keyVisible(principal: Principal, row: ApiKeyRow): boolean {
  const keyTeam = boundTeam(principal);
  return row.user_id === principal.userId && (keyTeam === null || row.team_id === keyTeam);
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: `pk_${row.id.slice(0, 8)}`,
    teamId: row.team_id,
    permissions: fromJson(row.permissions) as Permission[],
    createdAt: iso(row.created_at),
    expiresAt: iso(row.expires_at),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}
