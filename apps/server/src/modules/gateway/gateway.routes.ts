import { ASSISTANT_MODEL_PREFIX, PERSONA_MODEL_PREFIX } from "@parley/contracts";
import { z } from "zod";
import type { AssistantService } from "../assistants/index.ts";
import type { PersonaService } from "../prompts/index.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { AiPipeline } from "../ai/index.ts";
import { contextOf } from "../../http/request-context.ts";
import type { ModelCatalog } from "../providers/index.ts";
import { chatCompletion, type CompletionTarget } from "./chat-completions.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { ErrorCatalog } from "../../kernel/define-errors.ts";
import { ChatCompletionRequest, EmbeddingRequest, OpenAiError } from "./openai.schemas.ts";
import { sendOpenAiError } from "./openai-errors.ts";

/**
 * The OpenAI-compatible API under `/v1`: any OpenAI client (SDKs, coding agents, IDE plugins)
 * can use Parley as its governed, metered endpoint with a `pk_...` key. Errors use OpenAI's shape.
 */
export async function registerGatewayRoutes(
  app: TypedApp,
  deps: {
    pipeline: AiPipeline;
    catalog: ModelCatalog;
    errors: ErrorCatalog;
    assistants: Pick<AssistantService, "settingsBySlug" | "usable">;
    personas: Pick<PersonaService, "resolve" | "usable">;
  },
): Promise<void> {
  /** `assistant/<slug>` is that assistant with its model (else the first enabled one). */
  const targetOf = async (model: string, ctx: RequestContext): Promise<CompletionTarget> => {
    // `persona/<slug>[@<label>]`: the version the label gives this caller, with its model.
    if (model.startsWith(PERSONA_MODEL_PREFIX)) {
      const target = await deps.personas.resolve(model, ctx);
      return { model: target.model, persona: target.persona, teamId: target.teamId, shownModel: model };
    }
    if (!model.startsWith(ASSISTANT_MODEL_PREFIX)) return { model };
    const settings = await deps.assistants.settingsBySlug(model.slice(ASSISTANT_MODEL_PREFIX.length), ctx);
    const fallback = (await deps.catalog.list()).find((m) => m.enabled)?.id;
    const chosen = settings.model ?? fallback;
    if (!chosen)
      throw new AppError("model.not_found", "The assistant names no model and no model is configured");
    return { model: chosen, assistantId: settings.id, teamId: settings.teamId, shownModel: model };
  };
  await app.register(
    (scope: TypedApp, _options, done) => {
      scope.setErrorHandler((error, request, reply) => sendOpenAiError(deps.errors, error, request, reply));
      scope.setNotFoundHandler(async (request, reply) => {
        await sendOpenAiError(
          deps.errors,
          new AppError("route.not_found", `No route ${request.method} ${request.url.split("?")[0] ?? ""}`),
          request,
          reply,
        );
      });
      const errors = { "4XX": OpenAiError, "5XX": OpenAiError };
      const tags = ["gateway (OpenAI-compatible)"];

      scope.post(
        "/chat/completions",
        {
          config: { permission: "ai:use" },
          schema: {
            tags,
            summary: "Create a chat completion (streaming with stream: true)",
            body: ChatCompletionRequest,
            response: { 200: z.unknown(), ...errors },
          },
        },
        async (request, reply) =>
          chatCompletion(
            deps,
            request.body,
            await targetOf(request.body.model, contextOf(request)),
            request,
            reply,
          ),
      );

      scope.get(
        "/models",
        {
          config: { permission: "ai:use" },
          schema: {
            tags,
            summary:
              "Models you may use, your assistants as `assistant/<slug>` and your personas as `persona/<slug>`",
            response: { 200: z.unknown(), ...errors },
          },
        },
        async (request) => {
          const models = (await deps.catalog.list()).filter((m) => m.enabled);
          const assistants = await deps.assistants.usable(contextOf(request));
          const personas = await deps.personas.usable(contextOf(request));
          return {
            object: "list",
            data: [
              ...models.map((m) => ({ id: m.id, object: "model", created: 0, owned_by: m.providerId })),
              ...assistants.map((a) => ({
                id: `${ASSISTANT_MODEL_PREFIX}${a.slug}`,
                object: "model",
                created: 0,
                owned_by: "parley-assistant",
              })),
              ...personas.map((id) => ({ id, object: "model", created: 0, owned_by: "parley-persona" })),
            ],
          };
        },
      );

      scope.post(
        "/embeddings",
        {
          config: { permission: "ai:use" },
          schema: {
            tags,
            summary: "Create embeddings",
            body: EmbeddingRequest,
            response: { 200: z.unknown(), ...errors },
          },
        },
        async (request) => {
          const body = request.body;
          const values = typeof body.input === "string" ? [body.input] : body.input;
          const result = await deps.pipeline.embed(
            {
              surface: "gateway",
              model: body.model,
              values,
              ...(body.dimensions ? { dimensions: body.dimensions } : {}),
            },
            contextOf(request),
          );
          return {
            object: "list",
            model: result.model.id,
            data: result.embeddings.map((embedding, index) => ({
              object: "embedding",
              index,
              embedding:
                body.encoding_format === "base64"
                  ? Buffer.from(new Float32Array(embedding).buffer).toString("base64")
                  : embedding,
            })),
            usage: { prompt_tokens: result.inputTokens, total_tokens: result.inputTokens },
          };
        },
      );
      done();
    },
    { prefix: "/v1" },
  );
}
