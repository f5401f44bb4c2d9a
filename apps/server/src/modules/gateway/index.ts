/** The gateway module: the OpenAI-compatible API (`/v1/chat/completions`, `/v1/models`, `/v1/embeddings`). */
import { defineModule } from "../../kernel/module.ts";
import type { AiExports } from "../ai/index.ts";
import type { AssistantsExports } from "../assistants/index.ts";
import type { PromptsExports } from "../prompts/index.ts";
import type { ProvidersExports } from "../providers/index.ts";
import { registerGatewayRoutes } from "./gateway.routes.ts";

/** Any OpenAI client talks to every configured model through the AI pipeline. */
export const gatewayModule = defineModule({
  name: "gateway",
  errors: {},
  topics: {},
  needs: ["ai", "providers", "assistants", "prompts"],
  permissions: ["ai:use"],
  tables: [],
  migrations: {},
  build: (
    ctx,
    deps: {
      ai: AiExports;
      providers: ProvidersExports;
      assistants: AssistantsExports;
      prompts: PromptsExports;
    },
  ) => ({
    exports: {},
    routes: (app) =>
      registerGatewayRoutes(app, {
        pipeline: deps.ai.pipeline,
        catalog: deps.providers.catalog,
        errors: ctx.errors,
        assistants: deps.assistants.assistants,
        personas: deps.prompts.personas,
      }),
  }),
});
