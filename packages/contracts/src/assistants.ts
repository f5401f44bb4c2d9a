import { z } from "zod";

/** Who sees an assistant: its owner only, or every member of its team who may read assistants. */
export const AssistantVisibility = z.enum(["private", "team"]);
export type AssistantVisibility = z.infer<typeof AssistantVisibility>;

/** The longest instructions (system prompt) an assistant may have, in characters. */
export const MAX_INSTRUCTIONS_CHARS = 20_000;

/** The most knowledge bases one assistant answers from. */
export const MAX_ASSISTANT_KNOWLEDGE_BASES = 10;

const fields = {
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(500),
  /** An emoji or a short label shown beside the name. */
  icon: z.string().trim().min(1).max(16),
  instructions: z.string().max(MAX_INSTRUCTIONS_CHARS),
  model: z.string().min(1).max(200),
  temperature: z.number().min(0).max(2),
  maxOutputTokens: z.number().int().min(1).max(200_000),
  starterPrompts: z.array(z.string().trim().min(1).max(300)).max(6),
  visibility: AssistantVisibility,
  /**
   * The knowledge bases its answers are grounded in (passages found for each question go into
   * the prompt, numbered, and the answer cites them as `[n]`). The editor must be able to read
   * each; a team-visible assistant takes only its team's bases.
   */
  knowledgeBaseIds: z.array(z.string().min(1).max(100)).max(MAX_ASSISTANT_KNOWLEDGE_BASES),
};

/** An assistant: instructions, model and settings that apply to every answer it gives. */
export const Assistant = z
  .object({
    id: z.string(),
    /** `assistant/<slug>` is its model id on the OpenAI-compatible API. */
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    icon: z.string().nullable(),
    instructions: z.string(),
    /** Null: the installation's default model. */
    model: z.string().nullable(),
    temperature: z.number().nullable(),
    maxOutputTokens: z.number().nullable(),
    starterPrompts: z.array(z.string()),
    visibility: AssistantVisibility,
    /** The knowledge bases its answers are grounded in, with citations. */
    knowledgeBaseIds: z.array(z.string()),
    /** Null: the owner's personal space (then only the owner sees it). */
    teamId: z.string().nullable(),
    ownerId: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Assistant" });
export type Assistant = z.infer<typeof Assistant>;

export const CreateAssistantRequest = z
  .strictObject({
    name: fields.name,
    description: fields.description.optional(),
    icon: fields.icon.optional(),
    instructions: fields.instructions.optional(),
    model: fields.model.optional(),
    temperature: fields.temperature.optional(),
    maxOutputTokens: fields.maxOutputTokens.optional(),
    starterPrompts: fields.starterPrompts.optional(),
    visibility: fields.visibility.optional(),
    knowledgeBaseIds: fields.knowledgeBaseIds.optional(),
    teamId: z.string().max(100).optional(),
  })
  .meta({ id: "CreateAssistantRequest" });
export type CreateAssistantRequest = z.infer<typeof CreateAssistantRequest>;

/** Changes; null clears an optional setting (back to the default). */
export const UpdateAssistantRequest = z
  .strictObject({
    name: fields.name.optional(),
    description: fields.description.optional(),
    icon: fields.icon.nullable().optional(),
    instructions: fields.instructions.optional(),
    model: fields.model.nullable().optional(),
    temperature: fields.temperature.nullable().optional(),
    maxOutputTokens: fields.maxOutputTokens.nullable().optional(),
    starterPrompts: fields.starterPrompts.optional(),
    visibility: fields.visibility.optional(),
    knowledgeBaseIds: fields.knowledgeBaseIds.optional(),
  })
  .meta({ id: "UpdateAssistantRequest" });
export type UpdateAssistantRequest = z.infer<typeof UpdateAssistantRequest>;

export const DuplicateAssistantRequest = z
  .strictObject({
    name: fields.name.optional(),
    /** Where the copy goes; default: where the original is. */
    teamId: z.string().max(100).nullable().optional(),
  })
  .meta({ id: "DuplicateAssistantRequest" });
export type DuplicateAssistantRequest = z.infer<typeof DuplicateAssistantRequest>;

export const AssistantListQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  teamId: z.string().max(100).optional(),
});
export type AssistantListQuery = z.infer<typeof AssistantListQuery>;

/** The model-id prefix of assistants on the OpenAI-compatible API. */
export const ASSISTANT_MODEL_PREFIX = "assistant/";
