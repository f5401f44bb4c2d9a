import type { AnswerSource, DocumentContent } from "@parley/contracts";
import * as Dialog from "@radix-ui/react-dialog";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { api } from "../../api.ts";
import { errorText } from "../../failures.ts";

/** Whether the document's text at the source's span is still the passage that was cited. */
function spanHolds(content: string, source: AnswerSource): boolean {
  const flat = (text: string) => text.replace(/\s+/g, " ").trim();
  const expected = flat(source.snippet).replace(/…$/, "").slice(0, 60);
  return source.end <= content.length && flat(content.slice(source.start, source.end)).startsWith(expected);
}

/**
 * A cited passage in its document: the document's text with the passage highlighted and scrolled
 * into view. When the document is gone (deleted, or not shared with the reader) or has changed
 * since, the passage as it was cited (its snippet) is shown instead, saying so.
 */
export function PassageDialog({ source, onClose }: { source: AnswerSource | null; onClose: () => void }) {
  return (
    <Dialog.Root
      open={source !== null}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
    >
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog passage-dialog">
          {source && <Passage source={source} />}
          <div className="dialog-actions">
            <Dialog.Close asChild>
              <button type="button">Close</button>
            </Dialog.Close>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

function Passage({ source }: { source: AnswerSource }) {
  const document = useQuery({
    queryKey: ["document-content", source.knowledgeBaseId, source.documentId],
    queryFn: () =>
      api<DocumentContent>(
        `/api/v1/knowledge-bases/${source.knowledgeBaseId}/documents/${source.documentId}/content`,
      ),
    retry: false,
    staleTime: 60_000,
  });
  const mark = useRef<HTMLElement>(null);
  const content = document.data?.content ?? null;
  const holds = content !== null && spanHolds(content, source);
  useEffect(() => {
    if (holds) mark.current?.scrollIntoView({ block: "center" });
  }, [holds, source]);
  return (
    <>
      <Dialog.Title>
        <span className="source-number">{source.n}</span> {source.documentName}
      </Dialog.Title>
      <Dialog.Description className="muted small-text">
        {source.headingPath.length ? source.headingPath.join(" › ") : "Passage"}
        {" · "}characters {source.start}–{source.end}
      </Dialog.Description>
      {document.isPending ? (
        <p className="muted" role="status">
          Opening the document…
        </p>
      ) : holds ? (
        <div
          className="passage-document"
          tabIndex={0}
          role="region"
          aria-label={`${source.documentName}, with the cited passage highlighted`}
        >
          {content.slice(0, source.start)}
          <mark ref={mark} className="passage-highlight">
            {content.slice(source.start, source.end)}
          </mark>
          {content.slice(source.end)}
        </div>
      ) : (
        <>
          <p className="notice" role="status">
            {document.error
              ? `The document cannot be opened: ${errorText(document.error)}`
              : "The document has changed since this answer."}{" "}
            This is the passage as it was cited.
          </p>
          <blockquote className="passage-snippet">{source.snippet}</blockquote>
        </>
      )}
    </>
  );
}
