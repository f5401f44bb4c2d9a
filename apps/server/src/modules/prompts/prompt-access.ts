import type { Permission } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import { can, requirePrincipal, type Principal, boundTeam } from "../../kernel/principal.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { PromptRepository, PromptRow, PromptVersionRow } from "./prompts.repository.ts";

/**
 * A prompt exists only for its team's members with `prompts:read` there (through a key bound to
 * that team, if a key is used); global admins outside the team do not see it, as for projects.
 */
export function sees(principal: Principal, row: Pick<PromptRow, "team_id">): boolean {
  const keyTeam = boundTeam(principal);
  if (keyTeam !== null && keyTeam !== row.team_id) return false;
  return principal.teams.has(row.team_id) && can(principal, "prompts:read", row.team_id);
}

/** Finding prompts and versions the caller may see or change, with the right errors. */
export class PromptAccess {
  readonly #prompts: PromptRepository;
  constructor(prompts: PromptRepository) {
    this.#prompts = prompts;
  }

  /** @throws AppError `prompt.not_found`. */
  async visible(id: string, ctx: RequestContext): Promise<PromptRow> {
    const row = await this.#prompts.find(id);
    if (!row || !sees(requirePrincipal(ctx), row)) throw new AppError("prompt.not_found", `No prompt ${id}`);
    return row;
  }

  /** @throws AppError `prompt.not_found`, `auth.forbidden`. */
  async holding(id: string, permission: Permission, ctx: RequestContext): Promise<PromptRow> {
    const row = await this.visible(id, ctx);
    if (!can(requirePrincipal(ctx), permission, row.team_id))
      throw new AppError("auth.forbidden", `This needs the ${permission} permission in the prompt's team`, {
        details: { permission },
      });
    return row;
  }

  /** @throws AppError `prompt.version_not_found`. */
  async version(row: PromptRow, version: number): Promise<PromptVersionRow> {
    const found = await this.#prompts.findVersion(row.id, version);
    if (!found)
      throw new AppError("prompt.version_not_found", `Prompt ${row.id} has no version ${version}`, {
        details: { version },
      });
    return found;
  }
}

/** A version number from a path segment, or null when it is not one. */
export function versionNumber(text: string): number | null {
  return /^[1-9]\d{0,8}$/.test(text) ? Number(text) : null;
}
