import type { GuideEvent, GuideSummary, Page } from "@parley/contracts";

/** The cached pages of a guides list (TanStack Query's infinite data). */
export interface GuidePages {
  pages: Page<GuideSummary>[];
  pageParams: unknown[];
}

/**
 * A list's pages with a team event applied where that is certain: a changed guide the list shows
 * moves to the top with its new summary (only when `filtered` is false: a change may move a guide
 * in or out of a filter), a deleted one is dropped. Null when the list must be read again instead
 * (a guide it does not show yet, a filtered list, a snapshot).
 * @example
 * const next = applyToPages(cached, event, false) ?? refetch();
 */
export function applyToPages(
  data: GuidePages | undefined,
  event: GuideEvent,
  filtered: boolean,
): GuidePages | null {
  if (!data) return null;
  switch (event.type) {
    case "guide.deleted":
      return {
        ...data,
        pages: data.pages.map((p) => ({ ...p, items: p.items.filter((g) => g.id !== event.guideId) })),
      };
    case "guide.changed":
    case "task.changed": {
      const summary = event.guide;
      const known = data.pages.flatMap((p) => p.items).find((g) => g.id === summary.id);
      if (filtered || !known) return null;
      if (known.version > summary.version) return data;
      // Newest change first: the changed guide moves to the top, as a read would list it.
      return {
        ...data,
        pages: data.pages.map((p, i) => {
          const rest = p.items.filter((g) => g.id !== summary.id);
          return { ...p, items: i === 0 ? [summary, ...rest] : rest };
        }),
      };
    }
    case "snapshot":
      return null;
  }
}
