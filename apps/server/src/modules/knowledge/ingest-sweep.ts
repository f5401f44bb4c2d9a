import type { Logger } from "pino";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { BlobStore } from "../../platform/blob/blob.port.ts";
import { removeUnreferenced } from "../../platform/blob/unreferenced.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { enqueueIngest, progressOfRow, publishProgress } from "./ingest-signals.ts";
import type { KnowledgeSweepRepository, StrandedDocument } from "./knowledge-sweep.repository.ts";
import type { KnowledgeUploadsRepository } from "./knowledge-uploads.repository.ts";

/** Sweeps of a processing document after which it is failed rather than queued again. */
export const MAX_SWEEPS = 3;
/** A staged upload older than this belongs to a process that died or gave up (requests last 30 s). */
export const ABANDONED_UPLOAD_MS = 60 * 60_000;
/** The reason a document that kept stranding its workers fails with. */
export const STRANDED_REASON = "The document could not be processed; try Re-index";
/** The blob store folder of documents' bytes (`knowledge/<base>/<document>`). */
const DOCUMENT_BLOB_FOLDER = "knowledge";

const BATCH = 100;
/** Batches one sweep takes at most; the next sweep goes on where it stopped. */
const MAX_BATCHES = 20;

/** What the sweep needs. */
export interface IngestSweepDeps {
  sweeps: KnowledgeSweepRepository;
  uploads: KnowledgeUploadsRepository;
  blobs: BlobStore;
  bus: TypedBus;
  clock: Clock;
  logger: Pick<Logger, "warn">;
  /** A queued or processing document untouched for this long is stranded. */
  staleAfterMs: number;
}

/** What one sweep did. */
export interface SweepReport {
  requeued: number;
  failed: number;
  uploadsRemoved: number;
}

/**
 * Finds documents that nothing will finish and hands them on:
 * - queued or processing, untouched for `staleAfterMs`: the process died between storing the row
 *   and queueing its job, or its worker died, or its job ran out of deliveries. Queued again with
 *   a new job; a processing one that has been swept `MAX_SWEEPS` times already (it keeps killing
 *   its workers, say) is failed with {@link STRANDED_REASON} instead.
 * - staged uploads older than {@link ABANDONED_UPLOAD_MS}: the process receiving the file died;
 *   the file (if it arrived) and the row are removed. Files are never without a row (uploads
 *   stage the row first), so no listing of the blob store is needed.
 *
 * Each change is conditional on the row as it was seen, so sweeps on several workers at once
 * act once per document.
 * @param options.everything treat every queued, processing and staged document as stranded: for
 *   a process that is the only one on its database, at start (its in-memory queue died with its
 *   predecessor).
 * @example await sweepIngestion(deps); // on a timer, on workers
 */
export async function sweepIngestion(
  deps: IngestSweepDeps,
  options: { everything?: boolean } = {},
): Promise<SweepReport> {
  const now = deps.clock.now();
  const report: SweepReport = { requeued: 0, failed: 0, uploadsRemoved: 0 };
  const strandedBefore = options.everything ? now : now - deps.staleAfterMs;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const batch = await deps.sweeps.stranded(strandedBefore, BATCH);
    for (const document of batch) await handOn(deps, document, now, report);
    if (batch.length < BATCH) break;
  }
  const abandonedBefore = options.everything ? now : now - ABANDONED_UPLOAD_MS;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const batch = await deps.uploads.abandoned(abandonedBefore, BATCH);
    for (const upload of batch) {
      await deps.blobs.delete(upload.blob_key);
      if (await deps.uploads.discardAbandoned(upload.id, upload.updated_at)) report.uploadsRemoved++;
    }
    if (batch.length < BATCH) break;
  }
  return report;
}

/**
 * Removes documents' stored bytes that no document row refers to and that are older than an
 * abandoned upload (uploads stage their row first, so this is what a cascade left: a team or a
 * person deleted with their knowledge bases).
 * @returns how many objects were removed.
 */
export function sweepUnreferencedDocuments(
  deps: Pick<IngestSweepDeps, "blobs" | "uploads" | "clock">,
  options: { before?: number } = {},
): Promise<number> {
  const before = options.before ?? deps.clock.now() - ABANDONED_UPLOAD_MS;
  return removeUnreferenced(deps.blobs, DOCUMENT_BLOB_FOLDER, before, (keys) =>
    deps.uploads.referenced(keys),
  );
}

async function handOn(
  deps: IngestSweepDeps,
  document: StrandedDocument,
  now: number,
  report: SweepReport,
): Promise<void> {
  if (document.status === "processing" && document.sweeps >= MAX_SWEEPS) {
    if (!(await deps.sweeps.failStranded(document, STRANDED_REASON, now))) return;
    report.failed++;
    deps.logger.warn({ documentId: document.id, sweeps: document.sweeps }, "stranded document failed");
    await publishProgress(deps, progressOfRow({ ...document, status: "failed", error: STRANDED_REASON }));
    return;
  }
  if (!(await deps.sweeps.requeueStranded(document, now))) return;
  report.requeued++;
  // Told before the job exists, so that no worker's `parsing` can come before it.
  await publishProgress(deps, progressOfRow({ ...document, status: "queued", error: null }));
  await enqueueIngest(deps.bus, document, `sweep-${now}`);
}

/**
 * Runs {@link sweepIngestion} now and then every `intervalMs` until stopped; a failed sweep is
 * logged and the next one tries again.
 * @returns a function that stops it (and waits for a sweep in progress).
 */
export async function startIngestSweep(
  deps: IngestSweepDeps,
  intervalMs: number,
): Promise<() => Promise<void>> {
  let running: Promise<void> | null = null;
  const sweep = () => {
    // A sweep slower than the interval is not doubled (it would only lose its races).
    running ??= sweepIngestion(deps)
      .then(() => undefined)
      .catch((err: unknown) => {
        deps.logger.warn({ err }, "knowledge ingestion sweep failed");
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  await sweep();
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
