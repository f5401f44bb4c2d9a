import { AppError } from "../../kernel/app-error.ts";
import { buildCatalog } from "./catalog-build.ts";
import type { ModelOverride, ProviderRecord } from "./provider-record.ts";

/** A model whose settings a write changes, and the fallbacks it asks for (ids or aliases). */
export interface ChangedModel {
  id: string;
  fallbacks: readonly string[];
}

/**
 * Checks the catalog a write would produce: the changed models' aliases must not clash with
 * another model's id or alias, and their fallbacks must name other existing models.
 * @throws AppError `resource.conflict` on an alias clash, `validation.failed` on a bad fallback.
 */
export function checkCatalogChange(
  providers: readonly ProviderRecord[],
  overrides: readonly ModelOverride[],
  changed: readonly ChangedModel[],
): void {
  const catalog = buildCatalog(providers, overrides);
  const ids = new Set(changed.map((c) => c.id));
  const clash = catalog.conflicts.find((c) => ids.has(c.ignored) || ids.has(c.kept));
  if (clash) {
    const [mine, other] = ids.has(clash.ignored) ? [clash.ignored, clash.kept] : [clash.kept, clash.ignored];
    throw new AppError("resource.conflict", `Alias ${clash.alias} of ${mine} is already used by ${other}`, {
      details: { alias: clash.alias, model: mine, usedBy: other },
    });
  }
  for (const c of changed) {
    for (const ref of c.fallbacks) {
      const target = catalog.byId.get(ref) ?? catalog.byAlias.get(ref);
      if (!target || target.id === c.id) {
        const why = target ? "is the model itself" : "is not a known model id or alias";
        throw new AppError("validation.failed", `Fallback ${ref} of ${c.id} ${why}`, {
          details: { issues: [{ location: "body", path: "fallbacks", message: `${ref} ${why}` }] },
        });
      }
    }
  }
}
