import type { Permission } from "@parley/contracts";
import type { z } from "zod";
import type { RequestContext } from "./request-context.ts";

/**
 * What a module plugs into Parley's MCP server (`modules/mcp`, ADR 0027): tools, resource
 * templates and prompts, each a thin mapping onto the same service method a REST route calls, so
 * permissions, team scoping, governance and audit apply unchanged. The MCP module turns them into
 * protocol objects for each request; modules never see the MCP SDK.
 */
export interface McpContribution {
  readonly tools?: readonly McpTool[];
  readonly resources?: readonly McpResourceTemplate[];
  readonly prompts?: readonly McpPrompt[];
}

/** Every module's contributions together, as the composition root collects them. */
export interface McpCatalog {
  readonly tools: readonly McpTool[];
  readonly resources: readonly McpResourceTemplate[];
  readonly prompts: readonly McpPrompt[];
}

/** What a tool answers: text for the model, and the same data structured when it has an output schema. */
export interface McpToolResult {
  /** What a client shows the model (keep it short: it costs tokens). */
  readonly text: string;
  /** The result as data; required when the tool declares `output`. */
  readonly structured?: Record<string, unknown>;
}

/** Hints a client may show or act on (the MCP `ToolAnnotations`); never a security boundary. */
export interface McpToolHints {
  readonly readOnly?: boolean;
  readonly destructive?: boolean;
  readonly idempotent?: boolean;
}

/**
 * One MCP tool. The server validates arguments against `input` before `handler` runs (bad
 * arguments are a tool error the model can read); an `AppError` thrown by the handler becomes a
 * tool error carrying its stable code (`knowledge_base.not_found: ...`), with the message only
 * when the code's message is shown to users. Name, description and schemas count against the
 * budget of every tool together (≤ 8 tools, < 3,000 tokens; `test/mcp/mcp-budget.test.ts`).
 * @example
 * const searchKnowledge = defineMcpTool({
 *   name: "search_knowledge", title: "Search knowledge", description: "...",
 *   permission: "knowledge:read", input: SearchKnowledgeInput, hints: { readOnly: true },
 *   handler: async (ctx, { knowledgeBaseId, query }) => ({ text: "...", structured: await knowledge.search(knowledgeBaseId, { query, limit: 5 }, ctx) }),
 * });
 */
export interface McpTool<Input extends z.ZodObject = z.ZodObject> {
  /** snake_case, unique across modules (the server refuses to start otherwise). */
  readonly name: string;
  readonly title: string;
  /** One or two sentences: what it does and when to use it. */
  readonly description: string;
  /**
   * Checked against the caller before the handler runs, as a route's `config.permission` is
   * (held somewhere); the service then checks the resource's own place.
   */
  readonly permission: Permission;
  /** Its arguments (describe each field with `.describe()`: that is all the model reads). */
  readonly input: Input;
  /** The shape of `structured`, when the tool returns data a program may read. */
  readonly output?: z.ZodObject;
  readonly hints?: McpToolHints;
  handler(ctx: RequestContext, input: z.output<Input>): Promise<McpToolResult>;
}

/** A resource of one read, such as a guide as markdown. */
export interface McpResourceContent {
  readonly text: string;
  /** Default: the template's `mimeType`. */
  readonly mimeType?: string;
}

/**
 * Resources addressed by a URI template (RFC 6570 level 1, such as `guide://{id}`); `read`
 * receives the template's variables. Errors are handled as for tools.
 */
export interface McpResourceTemplate {
  /** Unique across modules. */
  readonly name: string;
  readonly uriTemplate: string;
  readonly title: string;
  readonly description: string;
  readonly mimeType: string;
  /** Checked before `read` or `list`, as a tool's is. */
  readonly permission: Permission;
  read(ctx: RequestContext, variables: Readonly<Record<string, string>>): Promise<McpResourceContent>;
  /** The resources the caller may read now, for `resources/list` (at most a page: keep it short). */
  list?(ctx: RequestContext): Promise<readonly { uri: string; name: string; description?: string }[]>;
}

/** A prompt's arguments: strings only, as the protocol passes them. */
export type McpPromptArgs = z.ZodObject<Record<string, z.ZodString | z.ZodOptional<z.ZodString>>>;

/** One message of a prompt. */
export interface McpPromptMessage {
  readonly role: "user" | "assistant";
  readonly text: string;
}

/** A prompt template a client offers its user (for example "work on the next open task"). */
export interface McpPrompt<Args extends McpPromptArgs = McpPromptArgs> {
  /** Unique across modules. */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly permission: Permission;
  readonly args: Args;
  handler(
    ctx: RequestContext,
    args: z.output<Args>,
  ): Promise<{ readonly description?: string; readonly messages: readonly McpPromptMessage[] }>;
}

/**
 * Declares a tool with its handler's input typed from its schema (the identity function, for
 * inference, as `defineModule` is).
 * @example
 * const search = defineMcpTool({ name: "search_knowledge", input: SearchInput, handler: async (ctx, input) => ..., ... });
 */
export function defineMcpTool<Input extends z.ZodObject>(tool: McpTool<Input>): McpTool<Input> {
  return tool;
}

/**
 * Declares a prompt with its handler's arguments typed from its schema.
 * @example
 * const next = defineMcpPrompt({ name: "work_on_next_task", args: z.object({ guideId: z.string() }), handler: ..., ... });
 */
export function defineMcpPrompt<Args extends McpPromptArgs>(prompt: McpPrompt<Args>): McpPrompt<Args> {
  return prompt;
}

/**
 * Merges the contributions of the built modules, in module order.
 * @throws Error when two tools, resources or prompts share a name (a bug in a module).
 * @example
 * const catalog = mergeMcpContributions(parts.map((p) => p.mcp));
 */
export function mergeMcpContributions(parts: readonly (McpContribution | undefined)[]): McpCatalog {
  const catalog: McpCatalog = {
    tools: parts.flatMap((p) => p?.tools ?? []),
    resources: parts.flatMap((p) => p?.resources ?? []),
    prompts: parts.flatMap((p) => p?.prompts ?? []),
  };
  for (const [kind, names] of [
    ["tool", catalog.tools.map((t) => t.name)],
    ["resource", catalog.resources.map((r) => r.name)],
    ["prompt", catalog.prompts.map((p) => p.name)],
  ] as const) {
    const twice = names.filter((name, i) => names.indexOf(name) !== i);
    if (twice.length > 0) throw new Error(`MCP ${kind} names contributed twice: ${twice.join(", ")}`);
  }
  return catalog;
}
