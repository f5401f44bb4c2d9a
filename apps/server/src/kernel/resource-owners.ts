/**
 * Which team a module's resource belongs to, asked by a module built before the owner (billing
 * sets budgets on widgets, bots, assistants and API keys, which modules after it keep). Each
 * module answers for its own kinds through `BuiltModule.owners`; the composition root merges
 * them into `ModuleContext.resourceOwner`. ADR 0037.
 */

/** The kinds of resources whose owning team can be asked. */
export type OwnedResourceKind = "assistant" | "widget" | "bot" | "api_key";

/** Who a resource belongs to: a team, or none (a person's own: a personal assistant, an unbound key). */
export interface ResourceOwner {
  readonly teamId: string | null;
}

/** The owner of resource `id`; null when there is no such resource. */
export type OwnerLookup = (id: string) => Promise<ResourceOwner | null>;

/** The lookups one module contributes, by the kinds it keeps. */
export type OwnerContribution = Partial<Readonly<Record<OwnedResourceKind, OwnerLookup>>>;

/** The merged lookup: the owner of `id` of `kind`; null when no such resource (or no module keeps that kind). */
export type ResourceOwners = (kind: OwnedResourceKind, id: string) => Promise<ResourceOwner | null>;

/**
 * Merges the modules' lookups into one.
 * @example
 * const owners = mergeOwnerContributions([{ widget: (id) => widgetOwner(id) }, { bot: botOwner }]);
 * await owners("widget", id); // { teamId } or null
 * @throws Error when two modules answer for the same kind.
 */
export function mergeOwnerContributions(parts: readonly (OwnerContribution | undefined)[]): ResourceOwners {
  const lookups = new Map<OwnedResourceKind, OwnerLookup>();
  for (const part of parts)
    for (const [kind, lookup] of Object.entries(part ?? {}) as [OwnedResourceKind, OwnerLookup][]) {
      if (lookups.has(kind)) throw new Error(`the owners of ${kind} are answered by two modules`);
      lookups.set(kind, lookup);
    }
  return (kind, id) => lookups.get(kind)?.(id) ?? Promise.resolve(null);
}
