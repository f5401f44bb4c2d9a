import type { DocumentProgress, DocumentStatus, KnowledgeDocument, UploadResult } from "@parley/contracts";

/** Whether a document is still being ingested. */
export function inProgress(status: DocumentStatus): boolean {
  return status === "queued" || status === "processing";
}

/** A document as the page shows it: the list's row, with the live event's news on top. */
export interface ShownDocument {
  document: KnowledgeDocument;
  status: DocumentStatus;
  live: DocumentProgress | undefined;
}

/**
 * Merges the list with the live progress events (newer than the list while they last: the page
 * drops a document's events when it learns something newer, as a re-index's answer).
 */
export function shownDocuments(
  documents: KnowledgeDocument[],
  progress: ReadonlyMap<string, DocumentProgress>,
): ShownDocument[] {
  return documents.map((document) => {
    const live = progress.get(document.id);
    return { document, status: live?.status ?? document.status, live };
  });
}

/**
 * What a finished upload request did, in one sentence for screen readers.
 * @example uploadSentence({ state: "done", documents: [{ duplicate: true }], error: null }) // "0 files uploaded; 1 already in this knowledge base."
 */
export function uploadSentence(upload: {
  state: "uploading" | "done" | "failed";
  documents: Pick<UploadResult["documents"][number], "duplicate">[];
  error: string | null;
}): string {
  if (upload.state === "failed") return `Upload failed: ${upload.error ?? "no reason given"}`;
  const duplicates = upload.documents.filter((d) => d.duplicate).length;
  const added = upload.documents.length - duplicates;
  const sentence = `${added} ${added === 1 ? "file" : "files"} uploaded`;
  return duplicates > 0 ? `${sentence}; ${duplicates} already in this knowledge base.` : `${sentence}.`;
}

/** How the ingestion of documents ended, one sentence each. */
export function settledSentence(settled: ShownDocument[]): string {
  return settled
    .map((s) =>
      s.status === "ready"
        ? `${s.document.name} is ready.`
        : `${s.document.name} failed: ${s.live?.error ?? s.document.error ?? "no reason given"}.`,
    )
    .join(" ");
}
