import type { DocumentStatus, IngestStage, KnowledgeDocument } from "@parley/contracts";
import { formatBytes, typeLabel } from "./document-types.ts";
import { inProgress, type ShownDocument } from "./ingestion-state.ts";

const STATUS: Record<DocumentStatus, string> = {
  queued: "Queued",
  processing: "Processing",
  ready: "Ready",
  failed: "Failed",
};

const STAGE: Record<IngestStage, string> = {
  queued: "Waiting for a worker",
  parsing: "Reading",
  chunking: "Cutting into passages",
  indexing: "Indexing",
  embedding: "Embedding",
  ready: "Ready",
  failed: "Failed",
};

function Progress({ shown }: { shown: ShownDocument }) {
  const { live, document } = shown;
  if (!inProgress(shown.status)) return null;
  const label = `Ingesting ${document.name}`;
  return (
    <div className="ingest-progress">
      {live ? (
        <>
          <progress max={1} value={live.progress} aria-label={label} />
          <span className="muted small-text">
            {STAGE[live.stage]} · {Math.round(live.progress * 100)}%
          </span>
        </>
      ) : (
        <>
          <progress aria-label={label} />
          <span className="muted small-text">
            {shown.status === "queued" ? STAGE.queued : "Working on it"}
          </span>
        </>
      )}
    </div>
  );
}

/** A base's documents: type, size, status with live progress, passages, errors, and actions. */
export function DocumentsTable({
  documents,
  mayManage,
  busy,
  onReindex,
  onDelete,
}: {
  documents: ShownDocument[];
  mayManage: boolean;
  busy: ReadonlySet<string>;
  onReindex: (document: KnowledgeDocument) => void;
  onDelete: (document: KnowledgeDocument) => void;
}) {
  return (
    <table className="documents">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Size</th>
          <th scope="col">Status</th>
          <th scope="col">Passages</th>
          {mayManage && (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {documents.map((shown) => {
          const { document: d, status, live } = shown;
          const error = live?.error ?? d.error;
          return (
            <tr key={d.id}>
              <th scope="row" className="document-name">
                <span title={d.name}>{d.name}</span>
                {status === "failed" && error && <p className="error small-text">{error}</p>}
                {status === "ready" && error && (
                  <p className="warn small-text">Found by keyword search only: {error}</p>
                )}
                {status === "ready" && !error && d.vectorsPending && (
                  <p className="muted small-text">Embedding its passages…</p>
                )}
              </th>
              <td data-label="Type">{typeLabel(d.mediaType)}</td>
              <td data-label="Size">{formatBytes(d.sizeBytes)}</td>
              <td data-label="Status">
                <span className={`status status-${status}`}>{STATUS[status]}</span>
                <Progress shown={shown} />
              </td>
              <td data-label="Passages">{status === "ready" ? (live?.chunkCount ?? d.chunkCount) : "–"}</td>
              {mayManage && (
                <td className="actions">
                  <button
                    type="button"
                    className="ghost small"
                    disabled={busy.has(d.id) || inProgress(status)}
                    onClick={() => {
                      onReindex(d);
                    }}
                  >
                    Re-index<span className="visually-hidden"> {d.name}</span>
                  </button>
                  <button
                    type="button"
                    className="ghost small danger"
                    disabled={busy.has(d.id)}
                    onClick={() => {
                      onDelete(d);
                    }}
                  >
                    Delete<span className="visually-hidden"> {d.name}</span>
                  </button>
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
