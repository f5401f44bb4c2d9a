import {
  knowledgeEventTopics,
  knowledgeTopics,
  type DocumentProgress,
  type DocumentStatus,
  type IngestStage,
} from "@parley/contracts";
import type { Logger } from "pino";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { DocumentRow } from "./knowledge.repository.ts";

/** What telling the world about a document needs. */
export interface SignalDeps {
  bus: TypedBus;
  logger: Pick<Logger, "warn">;
}

/**
 * Queues the document's ingestion. `attempt` makes the job id new (ids dedupe): 1 for an
 * upload, the time for a re-index, `sweep-<n>` for the stranded-document sweep.
 * @example await enqueueIngest(bus, row, 1);
 */
export async function enqueueIngest(
  bus: TypedBus,
  document: Pick<DocumentRow, "id" | "knowledge_base_id">,
  attempt: number | string,
): Promise<void> {
  await bus.enqueue(knowledgeTopics.ingest, {
    id: `${document.id}:${attempt}`,
    payload: { v: 1, documentId: document.id, knowledgeBaseId: document.knowledge_base_id },
  });
}

/**
 * Publishes a change of a document to the live views of every process. Fire-and-forget: a lost
 * event costs a view one refresh (it reads a snapshot when it connects), never an upload or a job,
 * so a failure is logged, not thrown.
 */
export async function publishProgress(deps: SignalDeps, event: DocumentProgress): Promise<void> {
  try {
    await deps.bus.publish(knowledgeEventTopics.progress, event);
  } catch (err) {
    deps.logger.warn({ err, documentId: event.documentId }, "could not publish a document's progress");
  }
}

/** Where a document stands, told by its row alone (the stage of a processing one is not stored). */
export function progressOfRow(
  row: Pick<DocumentRow, "id" | "knowledge_base_id" | "status" | "chunk_count" | "error">,
  extra: { deleted?: boolean } = {},
): DocumentProgress {
  const status = visibleStatus(row.status);
  const [stage, progress] = STATUS_STAGE[status];
  return {
    v: 1,
    knowledgeBaseId: row.knowledge_base_id,
    documentId: row.id,
    status,
    stage,
    progress,
    chunkCount: row.chunk_count,
    error: row.error,
    ...extra,
  };
}

/** The stage and progress a status alone implies. */
const STATUS_STAGE: Record<DocumentStatus, [IngestStage, number]> = {
  queued: ["queued", 0],
  processing: ["parsing", 0.1],
  ready: ["ready", 1],
  failed: ["failed", 1],
};

/** The status of a stored row as clients see it (a staged upload is a queued document to them). */
export function visibleStatus(status: string): DocumentStatus {
  return status === "processing" || status === "ready" || status === "failed" ? status : "queued";
}

/** The status a stage belongs to. */
export function statusOfStage(stage: IngestStage): DocumentStatus {
  switch (stage) {
    case "queued":
    case "ready":
    case "failed":
      return stage;
    case "parsing":
    case "chunking":
    case "indexing":
    case "embedding":
      return "processing";
  }
}
