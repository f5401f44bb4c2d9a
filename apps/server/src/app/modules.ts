import type { PipelineStage } from "../kernel/ai-stage.ts";
import { mergeMcpContributions, type McpCatalog } from "../kernel/mcp-contribution.ts";
import type { BuiltModule, ModuleContext, ModuleWorker } from "../kernel/module.ts";
import { mergeOwnerContributions, type ResourceOwners } from "../kernel/resource-owners.ts";
import { aiModule } from "../modules/ai/index.ts";
import { assistantsModule } from "../modules/assistants/index.ts";
import { knowledgeModule } from "../modules/knowledge/index.ts";
import { mcpModule } from "../modules/mcp/index.ts";
import { auditModule } from "../modules/audit/index.ts";
import { billingModule } from "../modules/billing/index.ts";
import { chatModule } from "../modules/chat/index.ts";
import { gatewayModule } from "../modules/gateway/index.ts";
import { governanceModule } from "../modules/governance/index.ts";
import { guidesModule } from "../modules/guides/index.ts";
import { identityModule } from "../modules/identity/index.ts";
import { practicesModule } from "../modules/practices/index.ts";
import { promptsModule } from "../modules/prompts/index.ts";
import { projectsModule } from "../modules/projects/index.ts";
import { providersModule } from "../modules/providers/index.ts";
import { systemModule } from "../modules/system/index.ts";
import { telegramModule } from "../modules/telegram/index.ts";
import { usageModule } from "../modules/usage/index.ts";
import { widgetsModule } from "../modules/widgets/index.ts";

/**
 * Every module, in the order they are built: each after the modules it needs. Adding a
 * capability is its folder, one line here, and its migration.
 */
export const MODULES = [
  systemModule,
  auditModule,
  identityModule,
  // After identity (its teams) and audit; before chat, whose conversations belong to projects.
  projectsModule,
  // After projects: rules can be scoped to one.
  governanceModule,
  // After projects (a practice may belong to one) and governance, whose permissions it shares.
  practicesModule,
  providersModule,
  usageModule,
  // After identity and audit; its `budget` stage reserves before every provider call.
  billingModule,
  aiModule,
  // After ai: it embeds passages through the pipeline.
  knowledgeModule,
  // After knowledge: an assistant attaches knowledge bases, and grounds its answers in them.
  assistantsModule,
  // After providers (a persona's default model); before gateway and chat, which use personas.
  promptsModule,
  gatewayModule,
  chatModule,
  // After chat: a bot's chats are chat conversations, answered through chat's service.
  telegramModule,
  // After knowledge (a draft grounded in a base) and ai (drafts and estimates are AI calls).
  guidesModule,
  // After chat: a widget's visitors talk through chat's service, with the widget channel.
  widgetsModule,
  // Last: it serves the MCP tools, resources and prompts every other module contributes.
  mcpModule,
] as const;

type AnyManifest = (typeof MODULES)[number];
type ExportsOf<M> = M extends { build(...args: never[]): infer R }
  ? Awaited<R> extends BuiltModule<infer E>
    ? E
    : never
  : never;

/** Each module's exports, by name. */
export type ModuleExports = { [M in AnyManifest as M["name"]]: ExportsOf<M> };

/** The modules of one process, built. */
export interface BuiltModules {
  readonly exports: ModuleExports;
  readonly parts: readonly (BuiltModule<unknown> & { readonly name: string })[];
}

/** Options of {@link buildModules}. */
export interface BuildOptions {
  /** The modules to build: a prefix of {@link MODULES} (the CLI needs no more than identity). */
  manifests?: readonly AnyManifest[];
  /** Changes the AI pipeline's stage list (tests put their own stages around the modules'). */
  aiStages?: (contributed: PipelineStage[]) => PipelineStage[];
  /** Changes the MCP tools, resources and prompts (tests add their own beside the modules'). */
  mcp?: (contributed: McpCatalog) => McpCatalog;
}

/**
 * Builds the modules in order, each from the context and the exports of the modules it needs,
 * then orders the AI pipeline stages they contribute and collects their MCP tools, resources
 * and prompts, and who owns their resources.
 * @throws Error when a module needs one that is not built before it (a wrong order is a bug), or
 * two modules contribute an MCP tool, resource or prompt of the same name.
 */
export async function buildModules(
  context: Omit<ModuleContext, "aiStages" | "mcp" | "resourceOwner">,
  options: BuildOptions = {},
): Promise<BuiltModules> {
  let stages: readonly PipelineStage[] | null = null;
  let mcp: McpCatalog | null = null;
  let owners: ResourceOwners | null = null;
  const ctx: ModuleContext = {
    ...context,
    aiStages: () => {
      if (!stages) throw new Error("an AI call ran before every module was built");
      return stages;
    },
    mcp: () => {
      if (!mcp) throw new Error("an MCP request ran before every module was built");
      return mcp;
    },
    resourceOwner: (kind, id) => {
      if (!owners) throw new Error("a resource's owner was asked before every module was built");
      return owners(kind, id);
    },
  };
  const exports: Record<string, unknown> = {};
  const parts: (BuiltModule<unknown> & { name: string })[] = [];
  for (const manifest of options.manifests ?? MODULES) {
    const missing = manifest.needs.filter((name) => !(name in exports));
    if (missing.length > 0)
      throw new Error(`module ${manifest.name} needs ${missing.join(", ")}, which are not built before it`);
    // Each manifest types what it receives; the loop has checked it is all there.
    const built = (await manifest.build(ctx, exports as never)) as BuiltModule<unknown>;
    exports[manifest.name] = built.exports;
    parts.push({ ...built, name: manifest.name });
  }
  // Stable sort: stages of equal order keep the module list's order.
  const contributed = parts
    .flatMap((part) => part.stages ?? [])
    .sort((a, b) => a.order - b.order)
    .map((c) => c.stage);
  stages = options.aiStages ? options.aiStages(contributed) : contributed;
  const catalog = mergeMcpContributions(parts.map((part) => part.mcp));
  mcp = options.mcp ? options.mcp(catalog) : catalog;
  owners = mergeOwnerContributions(parts.map((part) => part.owners));
  return { exports: exports as ModuleExports, parts };
}

/** The workers of the built modules that processes of `role` run. */
export function workersFor(modules: BuiltModules, role: ModuleContext["config"]["role"]): ModuleWorker[] {
  return modules.parts.flatMap((part) => (part.workers ?? []).filter((w) => w.roles.includes(role)));
}
