import { z } from "zod";

/** A provider id: lowercase letters, digits and dashes. It prefixes its models' ids (`local/llama3.2`). */
export const ProviderId = z
  .string()
  .regex(/^[a-z0-9-]{1,32}$/, "must be 1-32 lowercase letters, digits and dashes");
export type ProviderId = z.infer<typeof ProviderId>;

/** How Parley talks to a provider: the AI SDK package that serves it. */
export const ProviderType = z.enum(["openai", "anthropic", "openai-compatible"]);
export type ProviderType = z.infer<typeof ProviderType>;

/** Where a provider comes from: `PARLEY_PROVIDERS` (read-only), the API, or Ollama detection. */
export const ProviderSource = z.enum(["config", "api", "detected"]);
export type ProviderSource = z.infer<typeof ProviderSource>;

/** The model name the upstream knows, such as `llama3.2` or `meta-llama/llama-3-8b`. */
export const UpstreamModelName = z
  .string()
  .regex(/^[^\s]{1,200}$/, "must be 1-200 characters without spaces");

/** A model id (`provider/model`) or alias, as clients send it. */
export const ModelRef = z.string().regex(/^[^\s]{1,250}$/, "must be 1-250 characters without spaces");

/** US dollars per million tokens. */
export const PricePerMTok = z.number().nonnegative().max(1_000_000);
/** A token count such as a context window. */
export const TokenLimit = z.number().int().positive().max(100_000_000);

/** An http(s) base URL; a trailing slash is dropped. */
export const BaseUrl = z
  .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
  .max(2000)
  .transform((u) => u.replace(/\/+$/, ""));

/** Everything a provider may declare about one of its models. */
export const ModelDeclaration = z.strictObject({
  id: UpstreamModelName,
  aliases: z.array(ModelRef).max(20).optional(),
  contextWindow: TokenLimit.optional(),
  maxOutputTokens: TokenLimit.optional(),
  inputPricePerMTok: PricePerMTok.optional(),
  outputPricePerMTok: PricePerMTok.optional(),
  /** Model ids (or aliases) to try next, in order, when this one fails. */
  fallbacks: z.array(ModelRef).max(10).optional(),
  /** Whether it reads images (attached to chat messages); unset: guessed from its name. */
  imageInput: z.boolean().optional(),
});
export type ModelDeclaration = z.infer<typeof ModelDeclaration>;

/** A model as a provider lists it: a bare upstream name, or a declaration with settings. */
export const ModelEntry = z.union([UpstreamModelName, ModelDeclaration]);
export type ModelEntry = z.infer<typeof ModelEntry>;

const ApiKey = z.string().min(1).max(4096);
const ProviderName = z.string().trim().min(1).max(100);
const ModelList = z
  .array(ModelEntry)
  .max(500)
  .refine((models) => {
    const names = models.map((m) => (typeof m === "string" ? m : m.id));
    return new Set(names).size === names.length;
  }, "lists a model twice");

/**
 * A provider as `PARLEY_PROVIDERS` and `POST /api/v1/providers` declare it. `openai-compatible`
 * needs a `baseURL`; `openai` and `anthropic` default to the vendor's API.
 */
export const ProviderDeclaration = z
  .strictObject({
    id: ProviderId,
    name: ProviderName.optional(),
    type: ProviderType,
    baseURL: BaseUrl.optional(),
    apiKey: ApiKey.optional(),
    enabled: z.boolean().default(true),
    models: ModelList.default([]),
  })
  .refine((p) => p.type !== "openai-compatible" || p.baseURL !== undefined, {
    path: ["baseURL"],
    message: "is required for type openai-compatible",
  })
  .meta({ id: "ProviderDeclaration" });
export type ProviderDeclaration = z.infer<typeof ProviderDeclaration>;

/** `POST /api/v1/providers`. */
export const CreateProviderRequest = ProviderDeclaration;
export type CreateProviderRequest = z.infer<typeof CreateProviderRequest>;

/** `PATCH /api/v1/providers/{id}`: fields to change; `null` removes `baseURL` or `apiKey`. */
export const UpdateProviderRequest = z
  .strictObject({
    name: ProviderName.optional(),
    enabled: z.boolean().optional(),
    baseURL: BaseUrl.nullable().optional(),
    apiKey: ApiKey.nullable().optional(),
    models: ModelList.optional(),
  })
  .meta({ id: "UpdateProviderRequest" });
export type UpdateProviderRequest = z.infer<typeof UpdateProviderRequest>;

/** A provider as the API shows it: never its API key, only whether it has one. */
export const Provider = z
  .object({
    id: ProviderId,
    name: z.string(),
    type: ProviderType,
    baseURL: z.string().nullable(),
    hasApiKey: z.boolean(),
    enabled: z.boolean(),
    source: ProviderSource,
    /** Whether the API may change it (false for `config` and `detected`). */
    editable: z.boolean(),
    models: z.array(ModelEntry),
    createdAt: z.iso.datetime().nullable(),
    updatedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "Provider" });
export type Provider = z.infer<typeof Provider>;

/** `POST /api/v1/providers/{id}/test`: whether the upstream answered, how fast, and its models. */
/**
 * `POST /api/v1/providers/test`: try a provider before adding it (its models are listed, to pick
 * from); `id` names an existing one whose stored key is used when `apiKey` is absent.
 */
export const TestProviderRequest = z
  .strictObject({
    type: ProviderType,
    baseURL: BaseUrl.optional(),
    apiKey: ApiKey.optional(),
  })
  .meta({ id: "TestProviderRequest" });
export type TestProviderRequest = z.infer<typeof TestProviderRequest>;

export const ProviderTestResult = z
  .object({
    ok: z.boolean(),
    latencyMs: z.number().int().nonnegative(),
    /** Model names the upstream listed (at most 500). */
    models: z.array(z.string()),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .meta({ id: "ProviderTestResult" });
export type ProviderTestResult = z.infer<typeof ProviderTestResult>;

/** A model as `GET /api/v1/models` lists it, with the admins' overrides applied. */
export const Model = z
  .object({
    id: z.string().describe("`provider/model`; stable"),
    provider: ProviderId,
    model: z.string().describe("the name the upstream knows"),
    aliases: z.array(z.string()),
    contextWindow: z.number().int().nullable(),
    maxOutputTokens: z.number().int().nullable(),
    inputPricePerMTok: z.number().nullable(),
    outputPricePerMTok: z.number().nullable(),
    fallbacks: z.array(z.string()),
    enabled: z.boolean(),
    /** Whether images can be attached to messages for it. */
    imageInput: z.boolean(),
  })
  .meta({ id: "Model" });
export type Model = z.infer<typeof Model>;

/** `GET /api/v1/models`: `all=true` (needs `providers:read`) includes disabled models. */
export const ModelListQuery = z.strictObject({
  all: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true"),
});
export type ModelListQuery = z.infer<typeof ModelListQuery>;

/** `PATCH /api/v1/models/{provider}/{model}`: overrides; `null` returns a field to the provider's value. */
export const UpdateModelRequest = z
  .strictObject({
    aliases: z.array(ModelRef).max(20).nullable().optional(),
    contextWindow: TokenLimit.nullable().optional(),
    maxOutputTokens: TokenLimit.nullable().optional(),
    inputPricePerMTok: PricePerMTok.nullable().optional(),
    outputPricePerMTok: PricePerMTok.nullable().optional(),
    fallbacks: z.array(ModelRef).max(10).nullable().optional(),
    enabled: z.boolean().nullable().optional(),
    imageInput: z.boolean().nullable().optional(),
  })
  .meta({ id: "UpdateModelRequest" });
export type UpdateModelRequest = z.infer<typeof UpdateModelRequest>;

/** Path parameters of a model route; a model name containing `/` is sent as `%2F`. */
export const ModelParams = z.strictObject({ provider: ProviderId, model: UpstreamModelName });
export type ModelParams = z.infer<typeof ModelParams>;

/** Path parameters of a provider route. */
export const ProviderParams = z.strictObject({ id: ProviderId });
export type ProviderParams = z.infer<typeof ProviderParams>;
