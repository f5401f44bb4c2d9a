/** The MCP module: Parley's MCP server at `/mcp`, serving what every module contributes (ADR 0027). */
import { defineModule } from "../../kernel/module.ts";
import { registerMcpRoutes } from "./mcp.routes.ts";

/**
 * The MCP server (Streamable HTTP, stateless) with the tools, resources and prompts modules
 * contribute from `build` (`BuiltModule.mcp`, `kernel/mcp-contribution.ts`), and the OAuth
 * protected-resource metadata clients discover its authentication from. It owns no data: each
 * tool calls its module's service with the caller's request context.
 */
export const mcpModule = defineModule({
  name: "mcp",
  errors: {},
  topics: {},
  needs: [],
  permissions: [],
  tables: [],
  migrations: {},
  build: (ctx) => ({
    exports: {},
    routes: (app) =>
      registerMcpRoutes(app, {
        catalog: () => ctx.mcp(),
        errors: ctx.errors,
        publicUrl: () => ctx.publicUrl(),
      }),
  }),
});
