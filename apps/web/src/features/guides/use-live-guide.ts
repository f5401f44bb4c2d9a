import type { Guide } from "@parley/contracts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError } from "../../api.ts";
import { patchGuide } from "./guide-tasks.ts";
import { getGuide, guideKeys } from "./guides-api.ts";
import { useGuideEvents } from "./use-guide-events.ts";

/**
 * A guide, kept current by its event stream: a change made anywhere (another tab, another person,
 * the AI's estimates) shows within a moment. `deleted` turns true when someone deletes it.
 */
export function useLiveGuide(id: string) {
  const queryClient = useQueryClient();
  const [deleted, setDeleted] = useState(false);
  const guide = useQuery({
    queryKey: guideKeys.one(id),
    queryFn: () => getGuide(id),
    retry: (count, error) => !(error instanceof ApiError && error.status === 404) && count < 1,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: guideKeys.one(id) });
  const live = useGuideEvents(
    `/api/v1/guides/${encodeURIComponent(id)}/events`,
    (event) => {
      const cached = queryClient.getQueryData<Guide>(guideKeys.one(id));
      switch (event.type) {
        case "task.changed":
          // A task the cached copy does not know (the markdown changed meanwhile) needs a read.
          if (cached?.tasks.some((t) => t.id === event.task.id))
            queryClient.setQueryData(guideKeys.one(id), patchGuide(cached, event));
          else if (!cached || event.version > cached.version) refresh();
          return;
        case "guide.changed":
          if (!cached || event.guide.version > cached.version) refresh();
          return;
        case "guide.deleted":
          if (event.guideId === id) setDeleted(true);
          return;
        case "snapshot":
          refresh();
          return;
      }
    },
    refresh,
  );
  return { guide, live, deleted };
}
