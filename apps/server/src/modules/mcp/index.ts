/** The MCP module: Parley's MCP server at `/mcp`, serving what every module contributes (ADR 0027). */
import { auditOrigin } from "../../kernel/request-context.ts";
import { defineModule } from "../../kernel/module.ts";
import type { AuditExports } from "../audit/index.ts";

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
  needs: ["audit"],
  permissions: [],
  tables: [],
  migrations: {},
  build: (ctx, deps: { audit: AuditExports }) => ({
    exports: {},
    // The SDK (about 0.2 s to import) loads in processes that serve HTTP, not in CLI commands.
    routes: async (app) => {
      const { registerMcpRoutes } = await import("./mcp.routes.ts");
      await registerMcpRoutes(app, {
        catalog: () => ctx.mcp(),
        errors: ctx.errors,
        publicUrl: () => ctx.publicUrl(),
        denied: async (request, target, permission) => {
          await deps.audit.audit.record({
            ...auditOrigin(request),
            action: "access.denied",
            outcome: "denied",
            target,
            summary: { permission },
          });
        },
      });
    },
  }),
});
