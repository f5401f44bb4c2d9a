import type { JsonColumn } from "../../db/json.ts";

/** An assistant; `team_id` null: its owner's personal space. */
export interface AssistantsTable {
  id: string;
  slug: string;
  owner_id: string;
  team_id: string | null;
  /** `private` (the owner only) or `team`. */
  visibility: string;
  name: string;
  description: string;
  icon: string | null;
  instructions: string;
  model: string | null;
  temperature: number | null;
  max_output_tokens: number | null;
  /** A JSON array of strings. */
  starter_prompts: JsonColumn;
  created_at: number;
  updated_at: number;
}

/** A knowledge base an assistant grounds its answers in. */
export interface AssistantKnowledgeBasesTable {
  assistant_id: string;
  knowledge_base_id: string;
  /** Its place in the assistant's list, from 0. */
  position: number;
}

export interface AssistantsTables {
  assistants: AssistantsTable;
  assistant_knowledge_bases: AssistantKnowledgeBasesTable;
}
