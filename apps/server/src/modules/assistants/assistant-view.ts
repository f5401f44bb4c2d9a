import type { Assistant } from "@parley/contracts";
import { fromJson } from "../../db/json.ts";
import { iso } from "../../kernel/ids.ts";
import type { AssistantRow } from "./assistants.repository.ts";

/** What an answer takes from an assistant (the AI stage applies it to every call). */
export interface AssistantSettings {
  id: string;
  slug: string;
  /** Where it lives (calls with it are made for and metered to this team); null: personal. */
  teamId: string | null;
  instructions: string;
  model: string | null;
  temperature: number | null;
  maxOutputTokens: number | null;
}

/** The settings of an assistant row. */
export function toSettings(row: AssistantRow): AssistantSettings {
  return {
    id: row.id,
    slug: row.slug,
    teamId: row.team_id,
    instructions: row.instructions,
    model: row.model,
    temperature: row.temperature,
    maxOutputTokens: row.max_output_tokens,
  };
}

/** The API view of an assistant row with its knowledge bases. */
export function toAssistant(row: AssistantRow, knowledgeBaseIds: string[]): Assistant {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    icon: row.icon,
    instructions: row.instructions,
    model: row.model,
    temperature: row.temperature,
    maxOutputTokens: row.max_output_tokens,
    starterPrompts: fromJson(row.starter_prompts) as string[],
    visibility: row.visibility === "team" ? "team" : "private",
    knowledgeBaseIds,
    teamId: row.team_id,
    ownerId: row.owner_id,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** The settings of an assistant as the API shows it. */
export function settingsOfView(a: Assistant): AssistantSettings {
  return {
    id: a.id,
    slug: a.slug,
    teamId: a.teamId,
    instructions: a.instructions,
    model: a.model,
    temperature: a.temperature,
    maxOutputTokens: a.maxOutputTokens,
  };
}
