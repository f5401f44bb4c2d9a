import type { DocumentProgress, KnowledgeDocument } from "@parley/contracts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";
import { api } from "../../api.ts";
import { inProgress } from "./ingestion-state.ts";

/** How the page learns about ingestion: the live event stream, or polling while it is away. */
export type ProgressSource = "connecting" | "live" | "polling";

const POLL_MS = 2000;
const MAX_BACKOFF_MS = 30_000;

/** The query key of a base's documents. */
export const documentsKey = (baseId: string) => ["knowledge-base", baseId, "documents"] as const;

/**
 * A knowledge base's documents, kept current: the `progress` events of
 * `GET /knowledge-bases/{id}/events` (stage and progress of each document, live), and the list
 * read again whenever a document settles. While the stream is not open (a server without it, a
 * dropped connection), the list is read every 2 s as long as a document is queued or processing;
 * the stream is tried again, backing off up to 30 s.
 */
export function useLiveDocuments(baseId: string) {
  const queryClient = useQueryClient();
  const [source, setSource] = useState<ProgressSource>("connecting");
  const [progress, setProgress] = useState<ReadonlyMap<string, DocumentProgress>>(new Map());
  const documents = useQuery({
    queryKey: documentsKey(baseId),
    queryFn: () => api<{ items: KnowledgeDocument[] }>(`/api/v1/knowledge-bases/${baseId}/documents`),
    refetchInterval: (query) =>
      source !== "live" && query.state.data?.items.some((d) => inProgress(d.status)) ? POLL_MS : false,
  });

  /** Drops what the events said about a document (re-indexed: the list's status is newer). */
  const forget = useCallback((documentId: string) => {
    setProgress((previous) => {
      const next = new Map(previous);
      next.delete(documentId);
      return next;
    });
  }, []);
  useEffect(() => {
    let stream: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    let disposed = false;
    setProgress(new Map());
    setSource("connecting");
    const refresh = () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: documentsKey(baseId) }),
        // The base's document count.
        queryClient.invalidateQueries({ queryKey: ["knowledge-bases"] }),
      ]);
    const connect = () => {
      if (disposed) return;
      const current = new EventSource(`/api/v1/knowledge-bases/${baseId}/events`, { withCredentials: true });
      stream = current;
      current.onopen = () => {
        attempts = 0;
        setSource("live");
        // What happened while the stream was closed is read from the list.
        void refresh();
      };
      current.onerror = () => {
        setSource("polling");
        if (current.readyState !== EventSource.CLOSED) return; // the browser retries by itself
        current.close();
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempts++);
        // An expired session is renewed by the API client's refresh on 401 before trying again.
        timer = setTimeout(() => {
          void api("/api/v1/me")
            .catch(() => undefined)
            .finally(connect);
        }, delay);
      };
      current.addEventListener("progress", (message: MessageEvent<string>) => {
        // The server's events follow the shared contract.
        const event = JSON.parse(message.data) as DocumentProgress;
        if (event.deleted) {
          // Deleted elsewhere (another tab, another person): the list drops it.
          forget(event.documentId);
          void refresh();
          return;
        }
        setProgress((previous) => new Map(previous).set(event.documentId, event));
        const known = queryClient
          .getQueryData<{ items: KnowledgeDocument[] }>(documentsKey(baseId))
          ?.items.find((d) => d.id === event.documentId);
        // A document the list does not have yet, or one that just settled: the list is the truth.
        if (!known || (known.status !== event.status && !inProgress(event.status))) void refresh();
      });
    };
    connect();
    return () => {
      disposed = true;
      clearTimeout(timer);
      stream?.close();
    };
  }, [baseId, queryClient, forget]);

  return { documents, progress, source, forget };
}
