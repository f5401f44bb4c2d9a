import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { presentError } from "../../http/error-status.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { ErrorCatalog } from "../../kernel/define-errors.ts";
import type { Permission } from "@parley/contracts";
import type { McpCatalog, McpPrompt, McpResourceTemplate, McpTool } from "../../kernel/mcp-contribution.ts";
import { holdsAnywhere, requirePrincipal } from "../../kernel/principal.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import { PARLEY_VERSION } from "../../kernel/version.ts";

/** What one request's MCP server is built from. */
export interface McpServerDeps {
  readonly catalog: McpCatalog;
  readonly errors: ErrorCatalog;
  /** The request's logger. */
  readonly logger: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Records a call refused for lack of its permission (`access.denied`, as the edge does for routes). */
  denied(ctx: RequestContext, target: { type: string; id: string }, permission: Permission): Promise<void>;
}

/**
 * An MCP server for one request (stateless: nothing outlives the request, so any pod answers any
 * call), with every module's tools, resources and prompts bound to the caller's context.
 * @example
 * const server = buildMcpServer(deps, contextOf(request)); await server.connect(transport);
 */
export function buildMcpServer(deps: McpServerDeps, ctx: RequestContext): McpServer {
  const server = new McpServer(
    { name: "parley", title: "Parley", version: PARLEY_VERSION },
    { instructions: "Parley: your team's knowledge and guides. Ids come from the list and search tools." },
  );
  for (const tool of deps.catalog.tools) registerTool(server, deps, ctx, tool);
  for (const resource of deps.catalog.resources) registerResource(server, deps, ctx, resource);
  for (const prompt of deps.catalog.prompts) registerPrompt(server, deps, ctx, prompt);
  return server;
}

function registerTool(server: McpServer, deps: McpServerDeps, ctx: RequestContext, tool: McpTool): void {
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.input,
      ...(tool.output ? { outputSchema: tool.output } : {}),
      annotations: {
        ...(tool.hints?.readOnly !== undefined ? { readOnlyHint: tool.hints.readOnly } : {}),
        ...(tool.hints?.destructive !== undefined ? { destructiveHint: tool.hints.destructive } : {}),
        ...(tool.hints?.idempotent !== undefined ? { idempotentHint: tool.hints.idempotent } : {}),
        openWorldHint: false,
      },
    },
    async (input: unknown): Promise<CallToolResult> => {
      try {
        await authorize(deps, ctx, { type: "mcp_tool", id: tool.name }, tool.permission);
        const result = await tool.handler(ctx, input as never);
        return {
          content: [{ type: "text", text: result.text }],
          ...(result.structured ? { structuredContent: result.structured } : {}),
        };
      } catch (error) {
        const { code, message, details } = presented(deps, ctx, error, `tool ${tool.name}`);
        return {
          isError: true,
          content: [{ type: "text", text: `${code}: ${message}` }],
          structuredContent: { error: { code, message, ...(details === undefined ? {} : { details }) } },
        };
      }
    },
  );
}

function registerResource(
  server: McpServer,
  deps: McpServerDeps,
  ctx: RequestContext,
  resource: McpResourceTemplate,
): void {
  const list = resource.list?.bind(resource);
  const template = new ResourceTemplate(resource.uriTemplate, {
    list: list
      ? async () => {
          try {
            // A listing names what the caller may read: none of a kind it may not (not a refusal,
            // which would fail the whole `resources/list` for every other module's resources).
            if (!holdsAnywhere(requirePrincipal(ctx), resource.permission)) return { resources: [] };
            const found = await list(ctx);
            return { resources: found.map((r) => ({ ...r, mimeType: resource.mimeType })) };
          } catch (error) {
            throw protocolError(deps, ctx, error, `resource list ${resource.name}`);
          }
        }
      : undefined,
  });
  server.registerResource(
    resource.name,
    template,
    { title: resource.title, description: resource.description, mimeType: resource.mimeType },
    async (uri, variables) => {
      try {
        await authorize(deps, ctx, { type: "mcp_resource", id: resource.name }, resource.permission);
        const values = Object.fromEntries(
          Object.entries(variables).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : v]),
        );
        const content = await resource.read(ctx, values);
        return {
          contents: [{ uri: uri.href, mimeType: content.mimeType ?? resource.mimeType, text: content.text }],
        };
      } catch (error) {
        throw protocolError(deps, ctx, error, `resource ${resource.name}`);
      }
    },
  );
}

function registerPrompt(
  server: McpServer,
  deps: McpServerDeps,
  ctx: RequestContext,
  prompt: McpPrompt,
): void {
  server.registerPrompt(
    prompt.name,
    { title: prompt.title, description: prompt.description, argsSchema: prompt.args.shape },
    async (args: unknown) => {
      try {
        await authorize(deps, ctx, { type: "mcp_prompt", id: prompt.name }, prompt.permission);
        const result = await prompt.handler(ctx, args as never);
        return {
          ...(result.description ? { description: result.description } : {}),
          messages: result.messages.map((m) => ({
            role: m.role,
            content: { type: "text" as const, text: m.text },
          })),
        };
      } catch (error) {
        throw protocolError(deps, ctx, error, `prompt ${prompt.name}`);
      }
    },
  );
}

/**
 * The edge's check for a route's permission (held somewhere), refusals on record; the service
 * then checks the resource's place.
 */
async function authorize(
  deps: McpServerDeps,
  ctx: RequestContext,
  target: { type: string; id: string },
  permission: Permission,
): Promise<void> {
  if (holdsAnywhere(requirePrincipal(ctx), permission)) return;
  await deps.denied(ctx, target, permission);
  throw new AppError("auth.forbidden", `This needs the ${permission} permission`, {
    details: { permission },
  });
}

/** The error as the REST API would present it (code, and the message only if users may see it), logged alike. */
function presented(deps: McpServerDeps, ctx: RequestContext, error: unknown, what: string) {
  const { body, logLevel } = presentError(error, ctx.requestId ?? "", deps.errors);
  if (logLevel === "error") deps.logger.error({ err: error, requestId: ctx.requestId }, `MCP ${what} failed`);
  else deps.logger.info({ code: body.error.code, requestId: ctx.requestId }, body.error.message);
  return body.error;
}

/**
 * A JSON-RPC error for resources and prompts, which have no error result of their own: "not
 * found" codes are the spec's resource-not-found (-32002), other client errors invalid params,
 * the rest internal; `data.code` is Parley's stable code.
 */
function protocolError(deps: McpServerDeps, ctx: RequestContext, error: unknown, what: string): McpError {
  const { code, message, details } = presented(deps, ctx, error, what);
  const status = error instanceof AppError ? deps.errors[error.code].status : 500;
  const rpcCode =
    status === 404 ? RESOURCE_NOT_FOUND : status < 500 ? ErrorCode.InvalidParams : ErrorCode.InternalError;
  return new McpError(rpcCode, message, { code, ...(details === undefined ? {} : { details }) });
}

/** The MCP specification's code for an unknown resource. */
const RESOURCE_NOT_FOUND = -32002;
