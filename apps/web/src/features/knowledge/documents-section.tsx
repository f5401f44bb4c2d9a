import type { KnowledgeBase, KnowledgeDocument } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { errorText } from "../../failures.ts";
import { ACCEPTED_EXTENSIONS } from "./document-types.ts";
import { DocumentsTable } from "./documents-table.tsx";
import { DropZone } from "./drop-zone.tsx";
import { UploadList } from "./upload-list.tsx";
import { inProgress, settledSentence, shownDocuments, uploadSentence } from "./ingestion-state.ts";
import { documentsKey, useLiveDocuments } from "./use-document-progress.ts";
import { useUploads } from "./use-uploads.ts";

/**
 * A base's documents: the drop zone and uploads (for those who manage it), the table with live
 * ingestion progress, and a live region announcing uploads and ingestion results.
 */
export function DocumentsSection({ base, mayManage }: { base: KnowledgeBase; mayManage: boolean }) {
  const queryClient = useQueryClient();
  const { documents, progress, source, forget } = useLiveDocuments(base.id);
  const [announcement, setAnnouncement] = useState("");
  const [rejected, setRejected] = useState<string[]>([]);
  const [deleting, setDeleting] = useState<KnowledgeDocument | null>(null);
  // Documents this visit uploaded or re-indexed: their result is announced when ingestion ends.
  const watched = useRef(new Set<string>());
  const heading = useRef<HTMLHeadingElement>(null);
  const { uploads, send, clear } = useUploads(base.id, (upload) => {
    for (const d of upload.documents) if (!d.duplicate) watched.current.add(d.id);
    setAnnouncement(uploadSentence(upload));
  });
  const shown = shownDocuments(documents.data?.items ?? [], progress);

  useEffect(() => {
    const settled = shown.filter((s) => watched.current.has(s.document.id) && !inProgress(s.status));
    if (settled.length === 0) return;
    for (const s of settled) watched.current.delete(s.document.id);
    setAnnouncement(settledSentence(settled));
  });

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: documentsKey(base.id) }),
      queryClient.invalidateQueries({ queryKey: ["knowledge-bases"] }),
    ]);
  const reindex = useMutation({
    mutationFn: (d: KnowledgeDocument) =>
      api<KnowledgeDocument>(`/api/v1/knowledge-bases/${base.id}/documents/${d.id}/reindex`, {
        method: "POST",
      }),
    onSuccess: (d) => {
      // The answer (queued) is newer than the list and than the events heard so far.
      queryClient.setQueryData<{ items: KnowledgeDocument[] }>(documentsKey(base.id), (list) =>
        list ? { items: list.items.map((item) => (item.id === d.id ? d : item)) } : list,
      );
      forget(d.id);
      watched.current.add(d.id);
      setAnnouncement(`Re-indexing ${d.name}.`);
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (d: KnowledgeDocument) =>
      api(`/api/v1/knowledge-bases/${base.id}/documents/${d.id}`, { method: "DELETE" }),
    onSuccess: async (_, d) => {
      setAnnouncement(`${d.name} deleted.`);
      await refresh();
      // Focus was on the deleted row's button: it goes to the list's heading, not to the page's start.
      if (document.activeElement === document.body || !document.activeElement?.isConnected)
        heading.current?.focus();
    },
  });
  const busy = new Set<string>();
  if (reindex.isPending) busy.add(reindex.variables.id);
  if (remove.isPending) busy.add(remove.variables.id);

  return (
    <section className="panel knowledge-documents" aria-labelledby="documents-title">
      <div className="row section-head">
        <h2 id="documents-title" ref={heading} tabIndex={-1}>
          Documents
        </h2>
        {(source === "live" || shown.some((s) => inProgress(s.status))) && (
          <span className={`connection connection-${source}`}>
            <span className="dot" aria-hidden="true" />
            {source === "live" ? "Live" : "Checking every 2 s"}
          </span>
        )}
      </div>
      {mayManage && (
        <>
          <DropZone onFiles={send} onRejected={setRejected} />
          <Alert>
            {rejected.length > 0 &&
              `Not uploaded: ${rejected.join(", ")} (not a supported type). Accepted: ${ACCEPTED_EXTENSIONS.join(", ")}.`}
          </Alert>
          <UploadList uploads={uploads} onClear={clear} />
        </>
      )}
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
      {documents.isError && <Alert>{errorText(documents.error)}</Alert>}
      {documents.isPending && <p className="muted">Loading…</p>}
      {documents.isSuccess && shown.length === 0 && (
        <p className="muted">
          No documents yet.
          {mayManage ? " Drop some above: each one is read, cut into passages and made searchable." : ""}
        </p>
      )}
      {shown.length > 0 && (
        <DocumentsTable
          documents={shown}
          mayManage={mayManage}
          busy={busy}
          onReindex={(d) => {
            reindex.mutate(d);
          }}
          onDelete={setDeleting}
        />
      )}
      <Alert>{[reindex.error, remove.error].map((e) => (e ? errorText(e) : "")).find(Boolean)}</Alert>
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => {
          if (!open) setDeleting(null);
        }}
        title={`Delete ${deleting?.name ?? "this document"}?`}
        description="Its passages leave the knowledge base and its file is removed. This cannot be undone."
        confirmLabel="Delete document"
        onConfirm={() => {
          if (deleting) remove.mutate(deleting);
          setDeleting(null);
        }}
      />
    </section>
  );
}
