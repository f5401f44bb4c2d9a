import { extname } from "node:path";
import { pipeline, Transform, type Readable } from "node:stream";
import { DOCUMENT_TYPES, type UploadResult } from "@parley/contracts";
import type { Logger } from "pino";
import { AppError } from "../../kernel/app-error.ts";
import { newId } from "../../kernel/ids.ts";
import type { AuditSink, RequestContext } from "../../kernel/request-context.ts";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { BlobStore } from "../../platform/blob/blob.port.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { isForeignKeyViolation, isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import { enqueueIngest, progressOfRow, publishProgress } from "./ingest-signals.ts";
import { recordKnowledgeEvent } from "./knowledge-audit.ts";
import {
  scopeOf,
  type KnowledgeUploadsRepository,
  type StorageScope,
} from "./knowledge-uploads.repository.ts";
import {
  UPLOADING,
  type DocumentRow,
  type KnowledgeBaseRow,
  type KnowledgeRepository,
} from "./knowledge.repository.ts";
import { toDocument } from "./knowledge.service.ts";

/** A file as it arrives in an upload: its name, declared type and bytes (a stream). */
export interface IncomingFile {
  filename: string;
  mimetype: string;
  /** `truncated` is set by the multipart parser when the file passed the per-file limit. */
  stream: Readable & { truncated?: boolean };
}

/** Sizes an upload must keep to (`PARLEY_KNOWLEDGE_MAX_FILE_BYTES`, `…_MAX_TEAM_BYTES`). */
export interface UploadLimits {
  /** Largest file; the multipart parser cuts a longer one short (and flags it). */
  fileBytes: number;
  /** Most bytes of documents a team (or one person's personal bases) may hold. */
  teamBytes: number;
}

/** Dependencies of {@link DocumentUploads}. */
export interface DocumentUploadsDeps {
  knowledge: KnowledgeRepository;
  uploads: KnowledgeUploadsRepository;
  blobs: BlobStore;
  bus: TypedBus;
  audit: AuditSink;
  clock: Clock;
  logger: Pick<Logger, "warn">;
  limits: UploadLimits;
}

const EXTENSIONS = new Map<string, string>(
  Object.entries(DOCUMENT_TYPES).flatMap(([type, exts]) =>
    exts.map((ext) => [ext, type] as [string, string]),
  ),
);

/** The media type of an uploaded file, from its extension (browsers guess MIME types poorly). */
function mediaTypeOf(filename: string): string | null {
  return EXTENSIONS.get(extname(filename).toLowerCase()) ?? null;
}

/** A file of this upload, stored; or the document already holding its content. */
type Received = { stored: DocumentRow } | { duplicateOf: DocumentRow };

/**
 * Uploads of documents into a knowledge base, all or nothing: each file streams into the blob
 * store behind a staged row (so no file is ever without a row, whatever dies), is measured
 * against the per-file and the team's storage limits and deduplicated by content hash; only when
 * every file of the request passed do they become documents and go to the ingestion workers.
 */
export class DocumentUploads {
  readonly #d: DocumentUploadsDeps;
  constructor(deps: DocumentUploadsDeps) {
    this.#d = deps;
  }

  /**
   * Stores the files into `base` (authorized by the caller) and queues their ingestion. A file
   * whose content is already in the base is not stored twice: its document comes back marked
   * `duplicate`. A refused file refuses the whole upload: what this request stored is removed.
   * @throws AppError `request.unsupported_media_type` (with the accepted types), `knowledge.too_large`
   *   (the limit in the message, `limitBytes` in the details), `validation.failed` (no file),
   *   `knowledge_base.not_found` (deleted meanwhile); each naming the refused file.
   */
  async upload(
    base: KnowledgeBaseRow,
    files: AsyncIterable<IncomingFile>,
    ctx: RequestContext,
  ): Promise<UploadResult> {
    const received: Received[] = [];
    const stored = () => received.flatMap((r) => ("stored" in r ? [r.stored] : []));
    // Iterated by hand: after a refusal, the files still to come are read to their end.
    const incoming = files[Symbol.asyncIterator]();
    let now: number;
    try {
      for (let next = await incoming.next(); !next.done; next = await incoming.next())
        received.push(await this.#receive(base, next.value));
      if (received.length === 0)
        throw new AppError("validation.failed", "Attach at least one file (multipart field `file`)");
      now = this.#d.clock.now();
      // Refused when a staged row is gone: the base was deleted (its rows with it) meanwhile.
      if (
        !(await this.#d.uploads.commit(
          stored().map((row) => row.id),
          now,
        ))
      )
        throw new AppError("knowledge_base.not_found", `No knowledge base ${base.id}`);
    } catch (error) {
      await Promise.all(stored().map((row) => this.#discard(row)));
      await discardRest(incoming);
      throw error;
    }
    const documents: UploadResult["documents"] = [];
    for (const item of received) {
      if ("duplicateOf" in item) {
        documents.push({ ...toDocument(item.duplicateOf), duplicate: true });
        continue;
      }
      const row = { ...item.stored, status: "queued", updated_at: now };
      // Told before the job exists, so that no worker's `parsing` can come before it.
      await publishProgress(this.#d, progressOfRow(row));
      await enqueueIngest(this.#d.bus, row, 1);
      await recordKnowledgeEvent(this.#d.audit, ctx, "knowledge.document_added", base, {
        document: row.id,
        name: row.name,
      });
      documents.push({ ...toDocument(row), duplicate: false });
    }
    return { documents };
  }

  /** Streams one file into the blob store behind a staged row; refuses it with the reason. */
  async #receive(base: KnowledgeBaseRow, file: IncomingFile): Promise<Received> {
    const mediaType = mediaTypeOf(file.filename);
    if (!mediaType) {
      file.stream.resume();
      throw new AppError(
        "request.unsupported_media_type",
        `${file.filename}: unsupported type; accepted: ${[...EXTENSIONS.keys()].join(", ")}`,
        { details: { accepted: Object.keys(DOCUMENT_TYPES), file: file.filename } },
      );
    }
    const documentId = newId();
    const now = this.#d.clock.now();
    const row: DocumentRow = {
      id: documentId,
      knowledge_base_id: base.id,
      name: file.filename.slice(0, 300),
      media_type: mediaType,
      size_bytes: 0,
      // Unique until the file's real hash is known.
      sha256: `pending:${documentId}`,
      blob_key: `knowledge/${base.id}/${documentId}`,
      status: UPLOADING,
      error: null,
      chunk_count: 0,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.#d.uploads.stage({ ...row, status: UPLOADING, content: null });
    } catch (error) {
      file.stream.resume();
      if (isForeignKeyViolation(error))
        throw new AppError("knowledge_base.not_found", `No knowledge base ${base.id}`);
      throw error;
    }
    try {
      return await this.#store(base, file, row);
    } catch (error) {
      await this.#discard(row);
      throw error;
    }
  }

  async #store(base: KnowledgeBaseRow, file: IncomingFile, row: DocumentRow): Promise<Received> {
    const { limits } = this.#d;
    const scope = scopeOf(base);
    // An early stop for a full team; the claim below is what keeps the total exact.
    const room = Math.max(0, limits.teamBytes - (await this.#d.uploads.storedBytes(scope)));
    const meter = new ByteMeter(room);
    const info = await this.#d.blobs.put(
      row.blob_key,
      pipeline(file.stream, meter, () => undefined),
      { contentType: row.media_type },
    );
    if (file.stream.truncated) throw tooLarge(file.filename, "file", limits.fileBytes);
    if (meter.over) throw tooLarge(file.filename, "storage", limits.teamBytes, scope);
    const existing = await this.#d.knowledge.findByHash(base.id, info.sha256);
    if (existing) {
      await this.#discard(row);
      return { duplicateOf: existing };
    }
    let outcome;
    try {
      outcome = await this.#d.uploads.claim(row.id, info, scope, limits.teamBytes, this.#d.clock.now());
    } catch (error) {
      // The same file uploaded at the same time: the upload that claimed it first holds it.
      const raced = isUniqueViolation(error)
        ? await this.#d.knowledge.findByHash(base.id, info.sha256)
        : undefined;
      if (!raced) throw error;
      await this.#discard(row);
      return { duplicateOf: raced };
    }
    if (outcome === "over") throw tooLarge(file.filename, "storage", limits.teamBytes, scope);
    if (outcome === "gone") throw new AppError("knowledge_base.not_found", `No knowledge base ${base.id}`);
    return { stored: { ...row, sha256: info.sha256, size_bytes: info.size } };
  }

  /** Removes a staged document: its file first, so that a crash in between leaves only a row. */
  async #discard(row: DocumentRow): Promise<void> {
    try {
      await this.#d.blobs.delete(row.blob_key);
      await this.#d.uploads.discard(row.id);
    } catch (err) {
      // The sweep removes what is left (`ingest-sweep.ts`); the upload's own error is what counts.
      this.#d.logger.warn({ err, documentId: row.id }, "could not remove a refused upload's file");
    }
  }
}

/**
 * Reads the files after a refused one to their end, discarding them: a request body left unread
 * stalls its connection (the parser waits for a reader), and the client never sees the refusal.
 */
async function discardRest(files: AsyncIterator<IncomingFile>): Promise<void> {
  try {
    for (let next = await files.next(); !next.done; next = await files.next()) next.value.stream.resume();
  } catch {
    // The body itself is broken (cut off, too many files): nothing more to read.
  }
}

/**
 * Passes bytes through until `cap`; past it, drops them and sets `over`, still reading to the
 * end, so that the request is consumed and the refusal reaches the client.
 */
class ByteMeter extends Transform {
  over = false;
  #left: number;
  constructor(cap: number) {
    super();
    this.#left = cap;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (!this.over) {
      if (chunk.length > this.#left) this.over = true;
      else {
        this.#left -= chunk.length;
        this.push(chunk);
      }
    }
    callback();
  }
}

function tooLarge(
  file: string,
  limit: "file" | "storage",
  limitBytes: number,
  scope?: StorageScope,
): AppError {
  const mb = `${Math.round((limitBytes / (1024 * 1024)) * 100) / 100} MB`;
  const whose = scope && "ownerId" in scope ? "your personal knowledge bases" : "this team's knowledge bases";
  const message =
    limit === "file"
      ? `${file} is larger than the limit of ${mb} per file`
      : `${file} would take ${whose} over their storage limit of ${mb}`;
  return new AppError("knowledge.too_large", message, { details: { limitBytes, limit, file } });
}
