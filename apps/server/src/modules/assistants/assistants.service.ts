import type {
  Assistant,
  AssistantListQuery,
  CreateAssistantRequest,
  DuplicateAssistantRequest,
  Permission,
  UpdateAssistantRequest,
} from "@parley/contracts";
import { decodeNameCursor, encodeNameCursor, pageOf } from "../../db/cursor.ts";
import { fromJson, toJson } from "../../db/json.ts";
import { AppError } from "../../kernel/app-error.ts";
import { newId, slugify } from "../../kernel/ids.ts";
import {
  assertMayIn,
  can,
  reachesShared,
  requirePrincipal,
  teamsWhere,
  type Principal,
  boundTeam,
} from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { isForeignKeyViolation, isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import {
  baseGone,
  basesForCopy,
  checkKnowledgeBases,
  placeOf,
  type AssistantPlace,
} from "./assistant-knowledge.ts";
import { settingsOfView, toAssistant, toSettings, type AssistantSettings } from "./assistant-view.ts";
import type { AssistantRepository, AssistantRow } from "./assistants.repository.ts";

/** A row about to be stored (its JSON column serialised). */
type NewAssistantRow = Omit<AssistantRow, "starter_prompts"> & { starter_prompts: string };

/** Dependencies of the assistant service. */
export interface AssistantServiceDeps {
  assistants: AssistantRepository;
  audit: AuditSink;
  clock: Clock;
}

/**
 * Assistants: CRUD and duplicate with per-team access, and the settings an answer uses. A
 * private assistant is its owner's alone; a team-visible one is read by the team's members.
 */
export class AssistantService {
  readonly #d: AssistantServiceDeps;
  constructor(deps: AssistantServiceDeps) {
    this.#d = deps;
  }

  async list(
    query: AssistantListQuery,
    ctx: RequestContext,
  ): Promise<{ items: Assistant[]; nextCursor: string | null }> {
    const principal = requirePrincipal(ctx);
    if (query.teamId)
      assertMayIn(principal, "assistants:read", query.teamId, "Listing this team's assistants");
    const keyTeam = boundTeam(principal);
    const teamIds = teamsWhere(principal, "assistants:read").filter((t) => keyTeam === null || t === keyTeam);
    const rows = await this.#d.assistants.list({
      scope: {
        ownerId: principal.userId,
        teamIds,
        ownTeamIds: teamIds,
        personal: keyTeam === null && can(principal, "assistants:read", null),
      },
      limit: query.limit + 1,
      ...(query.teamId ? { teamId: query.teamId } : {}),
      ...(query.q ? { q: query.q } : {}),
      ...(query.cursor ? { after: decodeNameCursor(query.cursor) } : {}),
    });
    const page = pageOf(rows, query.limit, encodeNameCursor, (row) => row);
    const bases = await this.#d.assistants.knowledgeBaseIds(page.items.map((r) => r.id));
    return { ...page, items: page.items.map((row) => toAssistant(row, bases.get(row.id) ?? [])) };
  }

  async get(id: string, ctx: RequestContext): Promise<Assistant> {
    const row = await this.visible(id, ctx);
    return toAssistant(row, await this.#knowledgeOf(row.id));
  }

  async create(input: CreateAssistantRequest, ctx: RequestContext): Promise<Assistant> {
    const principal = requirePrincipal(ctx);
    const teamId = input.teamId ?? boundTeam(principal);
    assertMayIn(principal, "assistants:write", teamId, "Creating an assistant here");
    const now = this.#d.clock.now();
    const row: NewAssistantRow = {
      id: newId(),
      slug: slugify(input.name, "assistant"),
      owner_id: principal.userId,
      team_id: teamId,
      visibility: teamId === null ? "private" : (input.visibility ?? "team"),
      name: input.name,
      description: input.description ?? "",
      icon: input.icon ?? null,
      instructions: input.instructions ?? "",
      model: input.model ?? null,
      temperature: input.temperature ?? null,
      max_output_tokens: input.maxOutputTokens ?? null,
      starter_prompts: toJson(input.starterPrompts ?? []),
      created_at: now,
      updated_at: now,
    };
    const knowledgeBaseIds = await this.#checkKnowledge(
      principal,
      input.knowledgeBaseIds ?? [],
      placeOf(row),
    );
    const stored = await this.#insert(row, knowledgeBaseIds);
    await this.#audit(ctx, "assistant.created", stored, {
      name: stored.name,
      slug: stored.slug,
      knowledgeBases: knowledgeBaseIds.length,
    });
    return toAssistant(stored, knowledgeBaseIds);
  }

  async update(id: string, patch: UpdateAssistantRequest, ctx: RequestContext): Promise<Assistant> {
    const row = await this.#changeable(id, ctx);
    const changes = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.icon !== undefined ? { icon: patch.icon } : {}),
      ...(patch.instructions !== undefined ? { instructions: patch.instructions } : {}),
      ...(patch.model !== undefined ? { model: patch.model } : {}),
      ...(patch.temperature !== undefined ? { temperature: patch.temperature } : {}),
      ...(patch.maxOutputTokens !== undefined ? { max_output_tokens: patch.maxOutputTokens } : {}),
      ...(patch.starterPrompts !== undefined ? { starter_prompts: toJson(patch.starterPrompts) } : {}),
      ...(patch.visibility !== undefined && row.team_id !== null ? { visibility: patch.visibility } : {}),
      updated_at: this.#d.clock.now(),
    };
    const updated = { ...row, ...changes };
    // The bases are checked against the assistant as it will be (a private one made team-visible
    // must not keep its owner's personal bases).
    const knowledgeBaseIds =
      patch.knowledgeBaseIds !== undefined || patch.visibility !== undefined
        ? await this.#checkKnowledge(
            requirePrincipal(ctx),
            patch.knowledgeBaseIds ?? (await this.#knowledgeOf(id)),
            placeOf(updated),
          )
        : undefined;
    try {
      await this.#d.assistants.update(id, changes, knowledgeBaseIds);
    } catch (error) {
      throw baseGone(error);
    }
    // What changed, never the instructions themselves (they may be long or confidential).
    await this.#audit(ctx, "assistant.updated", updated, { changed: Object.keys(patch).sort() });
    return toAssistant(updated, knowledgeBaseIds ?? (await this.#knowledgeOf(id)));
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    const row = await this.#changeable(id, ctx);
    await this.#d.assistants.delete(id);
    await this.#audit(ctx, "assistant.deleted", row, { name: row.name, slug: row.slug });
  }

  /** A copy owned by the caller, named "<name> (copy)" unless named, in the same or another place. */
  async duplicate(id: string, input: DuplicateAssistantRequest, ctx: RequestContext): Promise<Assistant> {
    const original = await this.visible(id, ctx);
    const principal = requirePrincipal(ctx);
    const teamId = input.teamId === undefined ? original.team_id : input.teamId;
    assertMayIn(principal, "assistants:write", teamId, "Creating an assistant here");
    const now = this.#d.clock.now();
    const name = input.name ?? `${original.name} (copy)`.slice(0, 100);
    const copy: NewAssistantRow = {
      ...original,
      id: newId(),
      slug: slugify(name, "assistant"),
      owner_id: principal.userId,
      team_id: teamId,
      visibility: teamId === null ? "private" : original.visibility,
      name,
      starter_prompts: toJson(fromJson(original.starter_prompts)),
      created_at: now,
      updated_at: now,
    };
    const bases = basesForCopy(
      principal,
      await this.#d.assistants.attachedPlaces(original.id),
      placeOf(copy),
    );
    const stored = await this.#insert(copy, bases.kept);
    await this.#audit(ctx, "assistant.duplicated", stored, {
      from: original.id,
      name: stored.name,
      ...(bases.left.length ? { knowledgeBasesLeftBehind: bases.left } : {}),
    });
    return toAssistant(stored, bases.kept);
  }

  /**
   * The knowledge bases an AI call made with assistant `id` by the caller of `ctx` searches: the
   * attached ones the caller still reaches (its own, its teams'; a member who left a team no
   * longer searches that team's bases through a personal assistant). Using the assistant (checked
   * by the assistant stage) is what grants its knowledge, as it grants its instructions: a key
   * that may use assistants needs no `knowledge:read` for grounded answers.
   */
  async groundingBases(id: string, ctx: RequestContext): Promise<string[]> {
    const principal = requirePrincipal(ctx);
    const attached = await this.#d.assistants.attachedPlaces(id);
    return attached.filter((base) => reachesShared(principal, base)).map((b) => b.id);
  }

  /**
   * The settings of assistant `id` for an AI call by the caller of `ctx` (who must see it and
   * may use AI where it lives).
   * @throws AppError `assistant.not_found`, `auth.forbidden`.
   */
  async settingsFor(id: string, ctx: RequestContext): Promise<AssistantSettings> {
    return toSettings(await this.#usable(await this.#d.assistants.find(id), id, ctx));
  }

  /** As {@link settingsFor}, by the slug of its `assistant/<slug>` model id. */
  async settingsBySlug(slug: string, ctx: RequestContext): Promise<AssistantSettings> {
    return toSettings(await this.#usable(await this.#d.assistants.findBySlug(slug), slug, ctx));
  }

  /** The assistants the caller may use on the OpenAI-compatible API (`/v1/models`). */
  async usable(ctx: RequestContext): Promise<AssistantSettings[]> {
    const principal = requirePrincipal(ctx);
    const page = await this.list({ limit: 200 }, ctx);
    return page.items.filter((a) => can(principal, "ai:use", a.teamId)).map(settingsOfView);
  }

  /** The row of an assistant the caller may read. @throws AppError `assistant.not_found`. */
  async visible(id: string, ctx: RequestContext): Promise<AssistantRow> {
    const principal = requirePrincipal(ctx);
    const row = await this.#d.assistants.find(id);
    if (!row || !visibleTo(principal, row)) throw new AppError("assistant.not_found", `No assistant ${id}`);
    return row;
  }

  async #usable(row: AssistantRow | undefined, ref: string, ctx: RequestContext): Promise<AssistantRow> {
    const principal = requirePrincipal(ctx);
    if (!row || !visibleTo(principal, row)) throw new AppError("assistant.not_found", `No assistant ${ref}`);
    for (const permission of ["assistants:read", "ai:use"] as const)
      if (!can(principal, permission, row.team_id))
        throw new AppError("auth.forbidden", `Using this assistant needs the ${permission} permission`, {
          details: { permission },
        });
    return Promise.resolve(row);
  }

  /** An assistant the caller may change: its own with `assistants:write`, a team one with `assistants:manage`. */
  async #changeable(id: string, ctx: RequestContext): Promise<AssistantRow> {
    const row = await this.visible(id, ctx);
    const principal = requirePrincipal(ctx);
    const permission: Permission =
      row.owner_id === principal.userId ? "assistants:write" : "assistants:manage";
    if (!can(principal, permission, row.team_id))
      throw new AppError("auth.forbidden", `Changing this assistant needs the ${permission} permission`, {
        details: { permission },
      });
    return row;
  }

  /** Inserts `row` with its knowledge bases, with a numbered slug when its slug is taken. */
  async #insert(row: NewAssistantRow, knowledgeBaseIds: readonly string[]): Promise<AssistantRow> {
    for (let attempt = 0; ; attempt++) {
      const candidate =
        attempt === 0 ? row : { ...row, slug: `${row.slug.slice(0, 40)}-${newId().slice(0, 6)}` };
      try {
        await this.#d.assistants.insert(candidate, knowledgeBaseIds);
        return candidate;
      } catch (error) {
        // The team, or a knowledge base, was deleted since it was checked.
        if (isForeignKeyViolation(error)) {
          const bases = await this.#d.assistants.knowledgeBasePlaces(knowledgeBaseIds);
          throw bases.length < knowledgeBaseIds.length
            ? baseGone(error)
            : new AppError("team.not_found", `No team ${row.team_id ?? ""}`);
        }
        if (!isUniqueViolation(error) || attempt >= 5) throw error;
      }
    }
  }

  async #knowledgeOf(id: string): Promise<string[]> {
    return (await this.#d.assistants.knowledgeBaseIds([id])).get(id) ?? [];
  }

  /** {@link checkKnowledgeBases} over the bases as stored. */
  async #checkKnowledge(
    principal: Principal,
    ids: readonly string[],
    place: AssistantPlace,
  ): Promise<string[]> {
    if (!ids.length) return [];
    const places = await this.#d.assistants.knowledgeBasePlaces([...new Set(ids)]);
    return checkKnowledgeBases(principal, ids, places, place);
  }

  async #audit(ctx: RequestContext, action: string, row: AssistantRow, summary: Record<string, unknown>) {
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action,
      outcome: "success",
      target: { type: "assistant", id: row.id },
      teamId: row.team_id,
      summary,
    });
  }
}

/** Whether `principal` may read `row`: its owner, or a team member when it is team-visible. */
function visibleTo(principal: Principal, row: AssistantRow): boolean {
  const keyTeam = boundTeam(principal);
  if (row.team_id === null)
    return row.owner_id === principal.userId && keyTeam === null && can(principal, "assistants:read", null);
  if (keyTeam !== null && keyTeam !== row.team_id) return false;
  if (!principal.teams.has(row.team_id) || !can(principal, "assistants:read", row.team_id)) return false;
  return row.visibility === "team" || row.owner_id === principal.userId;
}
