import { extname } from "node:path";
import type { Readable } from "node:stream";
import {
  DOCUMENT_TYPES,
  knowledgeTopics,
  type CreateKnowledgeBaseRequest,
  type KnowledgeBase,
  type KnowledgeBaseListQuery,
  type KnowledgeDocument,
  type KnowledgeSearchRequest,
  type KnowledgeSearchResult,
  type Permission,
  type UpdateKnowledgeBaseRequest,
  type UploadResult,
} from "@parley/contracts";
import { decodeNameCursor, encodeNameCursor, pageOf } from "../../db/cursor.ts";
import { AppError } from "../../kernel/app-error.ts";
import { iso, newId } from "../../kernel/ids.ts";
import { assertMayIn, can, reachesShared, requirePrincipal, teamsWhere } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { BlobStore } from "../../platform/blob/blob.port.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { isForeignKeyViolation, isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import type { DocumentRow, KnowledgeBaseRow, KnowledgeRepository } from "./knowledge.repository.ts";
import type { KnowledgeSearch } from "./knowledge.search.ts";

/** Dependencies of the knowledge service. */
export interface KnowledgeServiceDeps {
  knowledge: KnowledgeRepository;
  search: KnowledgeSearch;
  blobs: BlobStore;
  bus: TypedBus;
  audit: AuditSink;
  clock: Clock;
}

/** A file as it arrives in an upload: its name, declared type and bytes (a stream). */
export interface IncomingFile {
  filename: string;
  mimetype: string;
  stream: Readable & { truncated?: boolean };
}

const EXTENSIONS = new Map<string, string>(
  Object.entries(DOCUMENT_TYPES).flatMap(([type, exts]) =>
    exts.map((ext) => [ext, type] as [string, string]),
  ),
);

/** The media type of an uploaded file, from its extension (browsers guess MIME types poorly). */
export function mediaTypeOf(filename: string): string | null {
  return EXTENSIONS.get(extname(filename).toLowerCase()) ?? null;
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
    const keyTeam = principal.apiKey?.teamId ?? null;
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
    const teamId = input.teamId ?? principal.apiKey?.teamId ?? null;
    assertMayIn(principal, "knowledge:manage", teamId, "Creating a knowledge base here");
    const now = this.#d.clock.now();
    const row = {
      id: newId(),
      owner_id: principal.userId,
      team_id: teamId,
      name: input.name,
      description: input.description ?? "",
      created_at: now,
      updated_at: now,
    };
    try {
      await this.#d.knowledge.insertBase(row);
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new AppError("team.not_found", `No team ${teamId ?? ""}`);
      throw error;
    }
    await this.#audit(ctx, "knowledge_base.created", row, { name: row.name });
    return toKnowledgeBase({ ...row, document_count: 0, indexed_chunks: 0, indexed_terms: 0 });
  }

  async update(id: string, patch: UpdateKnowledgeBaseRequest, ctx: RequestContext): Promise<KnowledgeBase> {
    const row = await this.visible(id, ctx, "knowledge:manage");
    const changes = { ...patch, updated_at: this.#d.clock.now() };
    await this.#d.knowledge.updateBase(id, changes);
    await this.#audit(ctx, "knowledge_base.updated", row, { ...patch });
    return toKnowledgeBase({ ...row, ...changes });
  }

  /** Deletes the base with its documents and chunks, then their files. */
  async delete(id: string, ctx: RequestContext): Promise<void> {
    const row = await this.visible(id, ctx, "knowledge:manage");
    const keys = await this.#d.knowledge.blobKeys(id);
    await this.#d.knowledge.deleteBase(id);
    await this.#audit(ctx, "knowledge_base.deleted", row, { name: row.name, documents: keys.length });
    await Promise.all(keys.map((key) => this.#d.blobs.delete(key).catch(() => false)));
  }

  async documents(id: string, ctx: RequestContext): Promise<KnowledgeDocument[]> {
    await this.visible(id, ctx, "knowledge:read");
    return (await this.#d.knowledge.documents(id)).map(toDocument);
  }

  /**
   * Stores uploaded files and queues their ingestion. A file whose content is already in the
   * base is not stored twice: its existing document comes back marked `duplicate`.
   * @throws AppError `request.unsupported_media_type` (with the accepted types),
   *   `request.body_too_large` for a file over the limit.
   */
  async upload(id: string, files: AsyncIterable<IncomingFile>, ctx: RequestContext): Promise<UploadResult> {
    const base = await this.visible(id, ctx, "knowledge:manage");
    const documents: UploadResult["documents"] = [];
    for await (const file of files) documents.push(await this.#store(base, file, ctx));
    if (documents.length === 0)
      throw new AppError("validation.failed", "Attach at least one file (multipart field `file`)");
    return { documents };
  }

  async #store(
    base: KnowledgeBaseRow,
    file: IncomingFile,
    ctx: RequestContext,
  ): Promise<UploadResult["documents"][number]> {
    const mediaType = mediaTypeOf(file.filename);
    if (!mediaType) {
      file.stream.resume();
      throw new AppError(
        "request.unsupported_media_type",
        `${file.filename}: unsupported type; accepted: ${[...EXTENSIONS.keys()].join(", ")}`,
        { details: { accepted: Object.keys(DOCUMENT_TYPES) } },
      );
    }
    const documentId = newId();
    const key = `knowledge/${base.id}/${documentId}`;
    const info = await this.#d.blobs.put(key, file.stream, { contentType: mediaType });
    if (file.stream.truncated) {
      await this.#d.blobs.delete(key);
      throw new AppError("request.body_too_large", `${file.filename} is larger than the upload limit`);
    }
    const existing = await this.#d.knowledge.findByHash(base.id, info.sha256);
    if (existing) {
      await this.#d.blobs.delete(key);
      return { ...toDocument(existing), duplicate: true };
    }
    const now = this.#d.clock.now();
    const row: DocumentRow & { content: null } = {
      id: documentId,
      knowledge_base_id: base.id,
      name: file.filename.slice(0, 300),
      media_type: mediaType,
      size_bytes: info.size,
      sha256: info.sha256,
      blob_key: key,
      status: "queued",
      error: null,
      chunk_count: 0,
      content: null,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.#d.knowledge.insertDocument(row);
    } catch (error) {
      await this.#d.blobs.delete(key);
      // The same file uploaded twice at once: the other upload's document is this one.
      const raced = isUniqueViolation(error)
        ? await this.#d.knowledge.findByHash(base.id, info.sha256)
        : undefined;
      if (raced) return { ...toDocument(raced), duplicate: true };
      // The base was deleted while its file arrived.
      if (isForeignKeyViolation(error))
        throw new AppError("knowledge_base.not_found", `No knowledge base ${base.id}`);
      throw error;
    }
    await this.#enqueue(row, 1);
    await this.#audit(ctx, "knowledge.document_added", base, { document: documentId, name: row.name });
    return { ...toDocument(row), duplicate: false };
  }

  async deleteDocument(id: string, documentId: string, ctx: RequestContext): Promise<void> {
    const base = await this.visible(id, ctx, "knowledge:manage");
    const document = await this.#document(base.id, documentId);
    await this.#d.knowledge.deleteDocument(documentId);
    await this.#audit(ctx, "knowledge.document_deleted", base, { document: documentId, name: document.name });
    await this.#d.blobs.delete(document.blob_key).catch(() => false);
  }

  /** Parses, chunks and indexes the document again (after a failure, or a better parser). */
  async reindex(id: string, documentId: string, ctx: RequestContext): Promise<KnowledgeDocument> {
    const base = await this.visible(id, ctx, "knowledge:manage");
    const document = await this.#document(base.id, documentId);
    const now = this.#d.clock.now();
    await this.#d.knowledge.setStatus(documentId, "queued", null, now);
    await this.#enqueue(document, now);
    await this.#audit(ctx, "knowledge.document_reindexed", base, { document: documentId });
    return toDocument({ ...document, status: "queued", error: null, updated_at: now });
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
    if (document?.knowledge_base_id !== knowledgeBaseId)
      throw new AppError("document.not_found", `No document ${documentId} in this knowledge base`);
    return document;
  }

  /** Queues the document's ingestion; `attempt` makes a re-index a new job (ids dedupe). */
  async #enqueue(document: Pick<DocumentRow, "id" | "knowledge_base_id">, attempt: number): Promise<void> {
    await this.#d.bus.enqueue(knowledgeTopics.ingest, {
      id: `${document.id}:${attempt}`,
      payload: { v: 1, documentId: document.id, knowledgeBaseId: document.knowledge_base_id },
    });
  }

  async #audit(
    ctx: RequestContext,
    action: string,
    base: { id: string; team_id: string | null },
    summary: Record<string, unknown>,
  ) {
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action,
      outcome: "success",
      target: { type: "knowledge_base", id: base.id },
      teamId: base.team_id,
      summary,
    });
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
    status: row.status as KnowledgeDocument["status"],
    error: row.error,
    chunkCount: row.chunk_count,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
