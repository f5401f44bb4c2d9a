import type { AssistantVisibility } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import { isForeignKeyViolation } from "../../platform/db/constraint-errors.ts";
import { can, reachesShared, type Principal } from "../../kernel/principal.ts";
import type { AssistantRow, KnowledgeBasePlace } from "./assistants.repository.ts";

/** Where an assistant lives and who sees it: what decides which knowledge bases it may take. */
export interface AssistantPlace {
  ownerId: string;
  teamId: string | null;
  visibility: AssistantVisibility;
}

/**
 * Whether `principal` may read a knowledge base: the knowledge module's rule (its owner for a
 * personal one, the members of its team for a team's, with `knowledge:read` there).
 */
export function mayReadBase(principal: Principal, base: KnowledgeBasePlace): boolean {
  return reachesShared(principal, base) && can(principal, "knowledge:read", base.teamId);
}

/**
 * Whether an assistant of `place` may ground its answers in `base`: a team-visible one only in
 * its team's bases (anything else would show the team passages it may not read); a private one
 * in its owner's personal bases and in those of any team.
 */
export function fitsAssistant(place: AssistantPlace, base: KnowledgeBasePlace): boolean {
  if (place.visibility === "team") return place.teamId !== null && base.teamId === place.teamId;
  return base.teamId !== null || base.ownerId === place.ownerId;
}

/**
 * The knowledge bases a copy of an assistant keeps: those its new owner may read and its place
 * allows; the others (another team's, when copied elsewhere) are left behind (and audited).
 */
export function basesForCopy(
  principal: Principal,
  attached: readonly KnowledgeBasePlace[],
  place: AssistantPlace,
): { kept: string[]; left: string[] } {
  const fits = (base: KnowledgeBasePlace) => mayReadBase(principal, base) && fitsAssistant(place, base);
  return {
    kept: attached.filter(fits).map((b) => b.id),
    left: attached.filter((b) => !fits(b)).map((b) => b.id),
  };
}

/**
 * Checks the knowledge bases an editor attaches to an assistant of `place`: each must exist and
 * be readable by the editor, and fit the assistant.
 * @returns the ids without repeats, in the order given.
 * @throws AppError `knowledge_base.not_found` (unknown or not readable),
 *   `assistant.knowledge_base_not_in_team` (a team-visible assistant and a base outside its team).
 */
export function checkKnowledgeBases(
  principal: Principal,
  ids: readonly string[],
  places: readonly KnowledgeBasePlace[],
  place: AssistantPlace,
): string[] {
  const unique = [...new Set(ids)];
  const byId = new Map(places.map((p) => [p.id, p]));
  for (const id of unique) {
    const base = byId.get(id);
    if (!base || !mayReadBase(principal, base))
      throw new AppError("knowledge_base.not_found", `No knowledge base ${id}`, {
        details: { knowledgeBaseId: id },
      });
    if (!fitsAssistant(place, base))
      throw new AppError(
        "assistant.knowledge_base_not_in_team",
        "An assistant the whole team sees may only use the team's own knowledge bases: " +
          `${id} is ${base.teamId === null ? "a personal one" : "another team's"}. ` +
          "Make the assistant private, or move the documents to a knowledge base of the team.",
        { details: { knowledgeBaseId: id, teamId: place.teamId } },
      );
  }
  return unique;
}

/** Where an assistant row lives, as its knowledge bases must fit. */
export function placeOf(row: Pick<AssistantRow, "owner_id" | "team_id" | "visibility">): AssistantPlace {
  return {
    ownerId: row.owner_id,
    teamId: row.team_id,
    visibility: row.visibility === "team" ? "team" : "private",
  };
}

/** A foreign-key failure while attaching knowledge bases: one was deleted meanwhile. */
export function baseGone(error: unknown): unknown {
  return isForeignKeyViolation(error)
    ? new AppError("knowledge_base.not_found", "A knowledge base was deleted while the assistant was saved", {
        cause: error,
      })
    : error;
}
