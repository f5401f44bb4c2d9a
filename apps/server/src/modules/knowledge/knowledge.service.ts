import {
  type CreateKnowledgeBaseRequest,
  type DocumentContent,
  type KnowledgeBase,
  type KnowledgeBaseListQuery,
  type KnowledgeDocument,
  type KnowledgeSearchRequest,
  type KnowledgeSearchResult,
  type Permission,
  type UpdateKnowledgeBaseRequest,
  type UploadResult,
} from "@parley/contracts";
import type { Logger } from "pino";
import { decodeNameCursor, encodeNameCursor, pageOf } from "../../db/cursor.ts";
import { AppError } from "../../kernel/app-error.ts";
import { iso, newId } from "../../kernel/ids.ts";
import {
  assertMayIn,
  can,
  reachesShared,
  requirePrincipal,
  teamsWhere,
  boundTeam,
} from "../../kernel/principal.ts";
import type { AuditSink, RequestContext } from "../../kernel/request-context.ts";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { BlobStore } from "../../platform/blob/blob.port.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { isForeignKeyViolation } from "../../platform/db/constraint-errors.ts";
import type { KnowledgeEmbeddings } from "./knowledge-embeddings.ts";
import type { KnowledgeSearch } from "./knowledge.search.ts";
import { enqueueIngest, progressOfRow, publishProgress, visibleStatus } from "./ingest-signals.ts";
import type { KnowledgeSweepRepository } from "./knowledge-sweep.repository.ts";
import { recordKnowledgeEvent } from "./knowledge-audit.ts";
import type { DocumentUploads, IncomingFile } from "./knowledge-upload.service.ts";
import {
  UPLOADING,
  type DocumentRow,
  type KnowledgeBaseRow,
  type KnowledgeRepository,
} from "./knowledge.repository.ts";

export type { IncomingFile } from "./knowledge-upload.service.ts";

/** Dependencies of the knowledge service. */
export interface KnowledgeServiceDeps {
  knowledge: KnowledgeRepository;
  search: KnowledgeSearch;
  /** The bases' embedding models (vector search). */
  embeddings: KnowledgeEmbeddings;
  sweeps: KnowledgeSweepRepository;
  uploads: DocumentUploads;
  blobs: BlobStore;
  bus: TypedBus;
  audit: AuditSink;
  clock: Clock;
  logger: Pick<Logger, "warn">;
}

/**
 * Knowledge bases and their documents: per team (or personal), uploads stored in the blob store
 * and handed to the ingestion worker through the bus.
 */
export class KnowledgeService {
  readonly #d: KnowledgeServiceDeps;
  constructor(deps: KnowledgeServiceDeps) {
    this.#d = deps;
  }

  async list(
    query: KnowledgeBaseListQuery,
    ctx: RequestContext,
  ): Promise<{ items: KnowledgeBase[]; nextCursor: string | null }> {
    const principal = requirePrincipal(ctx);
    if (query.teamId)
      assertMayIn(principal, "knowledge:read", query.teamId, "Listing this team's knowledge bases");
    const keyTeam = boundTeam(principal);
    const rows = await this.#d.knowledge.listBases({
      ownerId: keyTeam === null && can(principal, "knowledge:read", null) ? principal.userId : null,
      teamIds: teamsWhere(principal, "knowledge:read").filter((t) => keyTeam === null || t === keyTeam),
      limit: query.limit + 1,
      ...(query.teamId ? { teamId: query.teamId } : {}),
      ...(query.cursor ? { after: decodeNameCursor(query.cursor) } : {}),
    });
    return pageOf(rows, query.limit, encodeNameCursor, toKnowledgeBase);
  }

  async get(id: string, ctx: RequestContext): Promise<KnowledgeBase> {
    return toKnowledgeBase(await this.visible(id, ctx, "knowledge:read"));
  }

  async create(input: CreateKnowledgeBaseRequest, ctx: RequestContext): Promise<KnowledgeBase> {
    const principal = requirePrincipal(ctx);
    const teamId = input.teamId ?? boundTeam(principal);
    assertMayIn(principal, "knowledge:manage", teamId, "Creating a knowledge base here");
    const embeddingModel = await this.#d.embeddings.resolve(input.embeddingModel ?? null);
    const now = this.#d.clock.now();
    const row = {
      id: newId(),
      owner_id: principal.userId,
      team_id: teamId,
      name: input.name,
      description: input.description ?? "",
      // No passages yet: the (empty) set of vectors is complete, searches may use the model.
      embedding_model: embeddingModel,
      active_embedding_model: embeddingModel,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.#d.knowledge.insertBase(row);
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new AppError("team.not_found", `No team ${teamId ?? ""}`);
      throw error;
    }
    await this.#audit(ctx, "knowledge_base.created", row, { name: row.name, embeddingModel });
    return toKnowledgeBase({ ...row, document_count: 0, indexed_chunks: 0, indexed_terms: 0 });
  }

  async update(id: string, patch: UpdateKnowledgeBaseRequest, ctx: RequestContext): Promise<KnowledgeBase> {
    const row = await this.visible(id, ctx, "knowledge:manage");
    const { embeddingModel: named, ...rest } = patch;
    const model = named === undefined ? undefined : await this.#d.embeddings.resolve(named);
    const changes = { ...rest, updated_at: this.#d.clock.now() };
    await this.#d.knowledge.updateBase(id, changes);
    const embedding =
      model === undefined
        ? {}
        : { embedding_model: model, active_embedding_model: await this.#d.embeddings.change(id, model) };
    await this.#audit(ctx, "knowledge_base.updated", row, {
      ...patch,
      ...(model === undefined ? {} : { embeddingModel: model }),
    });
    return toKnowledgeBase({ ...row, ...changes, ...embedding });
  }

  /**
   * Deletes the base's files, then the base with its documents and chunks: a crash in between
   * leaves documents whose file is missing (deleting again finishes), never a file without a row.
   */
  async delete(id: string, ctx: RequestContext): Promise<void> {
    const row = await this.visible(id, ctx, "knowledge:manage");
    const documents = await this.#d.knowledge.documents(id);
    const keys = await this.#d.knowledge.blobKeys(id);
    await Promise.all(keys.map((key) => this.#d.blobs.delete(key)));
    await this.#d.knowledge.deleteBase(id);
    await this.#audit(ctx, "knowledge_base.deleted", row, { name: row.name, documents: keys.length });
    for (const document of documents)
      await publishProgress(this.#d, progressOfRow(document, { deleted: true }));
  }

  async documents(id: string, ctx: RequestContext): Promise<KnowledgeDocument[]> {
    const base = await this.visible(id, ctx, "knowledge:read");
    const pending = await this.#d.embeddings.documentsPending(base);
    return (await this.#d.knowledge.documents(id)).map((row) => ({
      ...toDocument(row),
      vectorsPending: pending.has(row.id),
    }));
  }

  /**
   * Stores uploaded files and queues their ingestion, all or nothing (see `DocumentUploads`).
   * @throws AppError `request.unsupported_media_type` (with the accepted types),
   *   `knowledge.too_large` for a file over the per-file or the team's storage limit.
   */
  async upload(id: string, files: AsyncIterable<IncomingFile>, ctx: RequestContext): Promise<UploadResult> {
    const base = await this.visible(id, ctx, "knowledge:manage");
    return this.#d.uploads.upload(base, files, ctx);
  }

  async deleteDocument(id: string, documentId: string, ctx: RequestContext): Promise<void> {
    const base = await this.visible(id, ctx, "knowledge:manage");
    const document = await this.#document(base.id, documentId);
    // The file first: a crash in between leaves a document without its file, never the reverse.
    await this.#d.blobs.delete(document.blob_key);
    await this.#d.knowledge.deleteDocument(documentId);
    await this.#audit(ctx, "knowledge.document_deleted", base, { document: documentId, name: document.name });
    await publishProgress(this.#d, progressOfRow(document, { deleted: true }));
  }

  /**
   * A document's text as parsed to markdown, which its passages' spans point into (a citation
   * opens its passage there). `content` is null until the document is parsed.
   */
  async content(id: string, documentId: string, ctx: RequestContext): Promise<DocumentContent> {
    const base = await this.visible(id, ctx, "knowledge:read");
    const document = await this.#document(base.id, documentId);
    return {
      documentId: document.id,
      knowledgeBaseId: base.id,
      name: document.name,
      status: document.status as DocumentContent["status"],
      content: await this.#d.knowledge.documentContent(document.id),
    };
  }

  /** Parses, chunks and indexes the document again (after a failure, or a better parser). */
  async reindex(id: string, documentId: string, ctx: RequestContext): Promise<KnowledgeDocument> {
    const base = await this.visible(id, ctx, "knowledge:manage");
    const document = await this.#document(base.id, documentId);
    const now = this.#d.clock.now();
    await this.#d.sweeps.requeue(documentId, now);
    const queued = { ...document, status: "queued", error: null, updated_at: now };
    // Told before the job exists, so that no worker's `parsing` can come before it.
    await publishProgress(this.#d, progressOfRow(queued));
    await enqueueIngest(this.#d.bus, document, now);
    await this.#audit(ctx, "knowledge.document_reindexed", base, { document: documentId });
    return toDocument(queued);
  }

  /** The base `id` if the caller sees it and holds `permission` there. */
  /** Searches one knowledge base the asker may read. */
  async search(
    id: string,
    request: KnowledgeSearchRequest,
    ctx: RequestContext,
  ): Promise<KnowledgeSearchResult> {
    const base = await this.visible(id, ctx, "knowledge:read");
    const outcome = await this.#d.search.search({
      knowledgeBaseIds: [base.id],
      query: request.query,
      limit: request.limit,
      mode: request.mode,
      context: ctx,
    });
    return { mode: outcome.mode, data: outcome.hits, tookMs: outcome.tookMs };
  }

  async visible(id: string, ctx: RequestContext, permission: Permission): Promise<KnowledgeBaseRow> {
    const principal = requirePrincipal(ctx);
    const row = await this.#d.knowledge.findBase(id);
    if (!row || !reachesShared(principal, { ownerId: row.owner_id, teamId: row.team_id }))
      throw new AppError("knowledge_base.not_found", `No knowledge base ${id}`);
    if (!can(principal, permission, row.team_id))
      throw new AppError("auth.forbidden", `This needs the ${permission} permission`, {
        details: { permission },
      });
    return row;
  }

  async #document(knowledgeBaseId: string, documentId: string): Promise<DocumentRow> {
    const document = await this.#d.knowledge.findDocument(documentId);
    // A staged upload is not a document yet (its upload may still be refused).
    if (document?.knowledge_base_id !== knowledgeBaseId || document.status === UPLOADING)
      throw new AppError("document.not_found", `No document ${documentId} in this knowledge base`);
    return document;
  }

  async #audit(
    ctx: RequestContext,
    action: string,
    base: { id: string; team_id: string | null },
    summary: Record<string, unknown>,
  ) {
    await recordKnowledgeEvent(this.#d.audit, ctx, action, base, summary);
  }
}

function toKnowledgeBase(row: KnowledgeBaseRow): KnowledgeBase {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    teamId: row.team_id,
    ownerId: row.owner_id,
    documentCount: row.document_count,
    embeddingModel: row.embedding_model,
    activeEmbeddingModel: row.active_embedding_model,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toDocument(row: DocumentRow): KnowledgeDocument {
  return {
    id: row.id,
    knowledgeBaseId: row.knowledge_base_id,
    name: row.name,
    mediaType: row.media_type,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    status: visibleStatus(row.status),
    error: row.error,
    chunkCount: row.chunk_count,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
