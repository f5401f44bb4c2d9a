import type { ChatAttachment } from "@parley/contracts";
import { Icon } from "../../components/ui/icons.tsx";
import { sizeText, type PendingFile } from "./use-attachments.ts";

/** The files picked for the next message, above the message box: progress, errors, remove. */
export function PendingFiles({ files, onRemove }: { files: PendingFile[]; onRemove: (key: string) => void }) {
  if (files.length === 0) return null;
  return (
    <ul className="attachment-chips" aria-label="Attached files">
      {files.map((f) => (
        <li key={f.key} className={f.error ? "attachment-chip failed" : "attachment-chip"}>
          <span className="attachment-name">{f.name}</span>
          <span className="muted small-text">
            {f.error ? null : f.attachment ? sizeText(f.size) : `${Math.round(f.progress * 100)}%`}
          </span>
          {f.error && (
            <span role="alert" className="attachment-error">
              {f.error}
            </span>
          )}
          <button
            type="button"
            className="ghost small"
            aria-label={`Remove ${f.name}`}
            onClick={() => {
              onRemove(f.key);
            }}
          >
            <Icon name="x" />
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The files sent with a message: images as thumbnails, documents as links to download. */
export function SentFiles({ files }: { files: ChatAttachment[] | undefined }) {
  if (!files?.length) return null;
  return (
    <ul className="sent-files" aria-label="Files sent with this message">
      {files.map((f) => {
        const url = `/api/v1/attachments/${encodeURIComponent(f.id)}`;
        return (
          <li key={f.id}>
            {f.kind === "image" ? (
              <a href={url} target="_blank" rel="noreferrer" title={f.name}>
                <img src={url} alt={f.name} loading="lazy" className="sent-image" />
              </a>
            ) : (
              <a href={url} download={f.name} className="attachment-chip">
                <span className="attachment-name">{f.name}</span>
                <span className="muted small-text">
                  {sizeText(f.size)}
                  {f.truncated ? " · only its beginning was read" : ""}
                </span>
              </a>
            )}
          </li>
        );
      })}
    </ul>
  );
}
