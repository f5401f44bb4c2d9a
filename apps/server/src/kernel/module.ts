import type { Permission, Topic } from "@parley/contracts";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Config } from "../config/config.ts";
import type { DialectMigration } from "../platform/db/database.ts";
import type { Platform } from "../platform/platform.port.ts";
import type { PipelineStage, StageContribution } from "./ai-stage.ts";
import type { AnyErrorTable, ErrorCatalog } from "./define-errors.ts";
import type { McpCatalog, McpContribution } from "./mcp-contribution.ts";
import type { OwnerContribution, ResourceOwners } from "./resource-owners.ts";
import type { TypedApp } from "./route-config.ts";
import type { TypedBus } from "./typed-bus.ts";

/** A topic, or a family of topics whose address takes arguments (`defineTopicFamily`). */
export type TopicDeclaration = Topic | ((...args: never[]) => Topic);

/** What one process is for (`parley start --role`). */
export type ProcessRole = Config["role"];

/** What every module is built with: the process's configuration, adapters and identity. */
export interface ModuleContext {
  readonly config: Config;
  readonly platform: Platform;
  readonly logger: Logger;
  /** The process's Prometheus registry, for a module's own metrics. */
  readonly metrics: Registry;
  readonly podId: string;
  /** The bus with typed topics: payloads checked against their schemas, rejects counted. */
  readonly bus: TypedBus;
  /** Every error code with its status and visibility (for surfaces that answer in their own format). */
  readonly errors: ErrorCatalog;
  /**
   * Every module's AI pipeline stages, in order: known once all modules are built, so call it
   * when an AI call runs, never while building.
   */
  aiStages(): readonly PipelineStage[];
  /**
   * Every module's MCP tools, resources and prompts: known once all modules are built, so call it
   * when serving a request, never while building.
   */
  mcp(): McpCatalog;
  /**
   * The team a module's widget, bot, assistant or API key belongs to, answered by the module that
   * keeps it (`BuiltModule.owners`): known once all modules are built, so call it when serving a
   * request, never while building.
   */
  resourceOwner: ResourceOwners;
  /** The URL users reach Parley at (known once the server listens). */
  publicUrl(): string;
}

/** Background work of a module: bus consumers, sweeps, retention. */
export interface ModuleWorker {
  readonly name: string;
  /** The roles whose processes run it. */
  readonly roles: readonly ProcessRole[];
  /** Starts it; resolves to the function that stops it. */
  start(): Promise<() => Promise<void> | void>;
}

/** A module once built: the API it offers the modules after it, and what it plugs in. */
export interface BuiltModule<Exports> {
  /** Services other modules may use (through the module's `index.ts` types). */
  readonly exports: Exports;
  /** HTTP routes, registered by `api` and `all` processes. */
  routes?(app: TypedApp): void | Promise<void>;
  /** Routes every process serves, workers included (probes, metrics). */
  probes?(app: TypedApp): void;
  readonly workers?: readonly ModuleWorker[];
  /** Its AI pipeline stages; every AI call on every surface runs them (ADR 0016). */
  readonly stages?: readonly StageContribution[];
  /** Its MCP tools, resources and prompts: the same service methods as its routes (ADR 0027). */
  readonly mcp?: McpContribution;
  /** Which team each of its resources belongs to, for modules built before it (`kernel/resource-owners.ts`). */
  readonly owners?: OwnerContribution;
  /** Called first on SIGTERM, before HTTP closes (tell long-lived streams to reconnect elsewhere). */
  drain?(): void;
}

/**
 * A capability's manifest: one per module folder, exported by its `index.ts`. The composition
 * root builds the modules of `app/modules.ts` in order, each from the context and the exports of
 * the modules it `needs` (built before it). Nothing runs at import time.
 * @example
 * export const usageModule = defineModule({
 *   name: "usage", needs: [], permissions: ["usage:read"], tables: ["usage_records"], migrations: { "2026-11-22T1410-usage": usageTable },
 *   build: (ctx) => { const usage = new UsageService(...); return { exports: { usage }, routes: (app) => registerUsageRoutes(app, { usage }) }; },
 * });
 */
export interface ModuleManifest<Name extends string, Needs, Exports, Errors extends AnyErrorTable> {
  readonly name: Name;
  /** Modules whose exports `build` receives; each must come earlier in the list. */
  readonly needs: readonly (keyof Needs & string)[];
  /** The error codes it throws, with status and visibility (`<m>.errors.ts`; merged by `app/errors.ts`). */
  readonly errors: Errors;
  /** Its bus topics, declared with their payload schemas in `packages/contracts`. */
  readonly topics: Readonly<Record<string, TopicDeclaration>>;
  /** The permissions its routes and use cases check. */
  readonly permissions: readonly Permission[];
  /** The tables it owns (only its repositories touch them). */
  readonly tables: readonly string[];
  /** The migrations that create and change them, by name (files in its `migrations/` folder). */
  readonly migrations: Readonly<Record<string, DialectMigration>>;
  build(ctx: ModuleContext, needs: Needs): BuiltModule<Exports> | Promise<BuiltModule<Exports>>;
}

/** Declares a module manifest with its types inferred. */
export function defineModule<Name extends string, Needs, Exports, Errors extends AnyErrorTable>(
  manifest: ModuleManifest<Name, Needs, Exports, Errors>,
): ModuleManifest<Name, Needs, Exports, Errors> {
  return manifest;
}
