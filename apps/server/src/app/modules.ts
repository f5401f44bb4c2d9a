import type { BuiltModule, ModuleContext, ModuleWorker } from "../kernel/module.ts";
import { aiModule } from "../modules/ai/index.ts";
import { auditModule } from "../modules/audit/index.ts";
import { chatModule } from "../modules/chat/index.ts";
import { gatewayModule } from "../modules/gateway/index.ts";
import { identityModule } from "../modules/identity/index.ts";
import { providersModule } from "../modules/providers/index.ts";
import { systemModule } from "../modules/system/index.ts";
import { usageModule } from "../modules/usage/index.ts";

/**
 * Every module, in the order they are built: each after the modules it needs. Adding a
 * capability is its folder, one line here, and its migration.
 */
export const MODULES = [
  systemModule,
  auditModule,
  identityModule,
  providersModule,
  usageModule,
  aiModule,
  gatewayModule,
  chatModule,
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

/**
 * Builds `manifests` (a prefix of {@link MODULES}, for the CLI) in order, each from the context
 * and the exports of the modules it needs.
 * @throws Error when a module needs one that is not built before it (a wrong order is a bug).
 */
export async function buildModules(
  ctx: ModuleContext,
  manifests: readonly AnyManifest[] = MODULES,
): Promise<BuiltModules> {
  const exports: Record<string, unknown> = {};
  const parts: (BuiltModule<unknown> & { name: string })[] = [];
  for (const manifest of manifests) {
    const missing = manifest.needs.filter((name) => !(name in exports));
    if (missing.length > 0)
      throw new Error(`module ${manifest.name} needs ${missing.join(", ")}, which are not built before it`);
    // Each manifest types what it receives; the loop has checked it is all there.
    const built = (await manifest.build(ctx, exports as never)) as BuiltModule<unknown>;
    exports[manifest.name] = built.exports;
    parts.push({ ...built, name: manifest.name });
  }
  return { exports: exports as ModuleExports, parts };
}

/** The workers of the built modules that processes of `role` run. */
export function workersFor(modules: BuiltModules, role: ModuleContext["config"]["role"]): ModuleWorker[] {
  return modules.parts.flatMap((part) => (part.workers ?? []).filter((w) => w.roles.includes(role)));
}
