import { formatBytes } from "./document-types.ts";
import type { Upload } from "./use-uploads.ts";

/** What an upload request did, in one line per file. */
function outcomes(upload: Upload): { name: string; text: string; tone: "ok" | "muted" | "error" }[] {
  if (upload.state === "failed")
    return [{ name: upload.names.join(", "), text: upload.error ?? "", tone: "error" }];
  return upload.documents.map((d) =>
    d.duplicate
      ? { name: d.name, text: "already in this knowledge base", tone: "muted" }
      : { name: d.name, text: "added", tone: "ok" },
  );
}

/** The upload requests of this visit: each one's progress, then what became of its files. */
export function UploadList({ uploads, onClear }: { uploads: Upload[]; onClear: () => void }) {
  if (uploads.length === 0) return null;
  return (
    <section className="uploads" aria-label="Uploads">
      <ul>
        {uploads.map((u) => (
          <li key={u.id}>
            {u.state === "uploading" ? (
              <>
                <span>
                  Uploading {u.names.length === 1 ? u.names[0] : `${u.names.length} files`} ·{" "}
                  {formatBytes(u.loaded)} of {formatBytes(u.total)}
                </span>
                <progress
                  max={Math.max(u.total, 1)}
                  value={u.loaded}
                  aria-label={`Uploading ${u.names.join(", ")}`}
                />
              </>
            ) : (
              <ul className="upload-outcomes">
                {outcomes(u).map((o) => (
                  <li key={o.name} className={o.tone}>
                    <strong>{o.name}</strong>: {o.text}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
      {uploads.some((u) => u.state !== "uploading") && (
        <button type="button" className="ghost small" onClick={onClear}>
          Clear finished uploads
        </button>
      )}
    </section>
  );
}
