import multipart from "@fastify/multipart";
import {
  CreateKnowledgeBaseRequest,
  DocumentContent,
  DocumentParams,
  IdParams,
  KnowledgeBase,
  KnowledgeBaseListQuery,
  KnowledgeDocument,
  KnowledgeSearchRequest,
  KnowledgeSearchResult,
  UpdateKnowledgeBaseRequest,
  UploadResult,
  pageOf,
} from "@parley/contracts";
import { z } from "zod";
import { contextOf } from "../../http/request-context.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { KnowledgeEvents } from "./knowledge-events.ts";
import { relayProgress, type ProgressStreams } from "./knowledge-sse.ts";
import type { IncomingFile, KnowledgeService } from "./knowledge.service.ts";

/** How many files one upload may carry. */
export const UPLOAD_LIMITS = { files: 20 } as const;

/** What the knowledge routes call. */
export interface KnowledgeRouteDeps {
  knowledge: KnowledgeService;
  events: KnowledgeEvents;
  streams: ProgressStreams;
  /** The largest file (`PARLEY_KNOWLEDGE_MAX_FILE_BYTES`): the parser cuts a longer one short. */
  maxFileBytes: number;
}

/** Knowledge bases and their documents. */
export async function registerKnowledgeRoutes(app: TypedApp, deps: KnowledgeRouteDeps): Promise<void> {
  const tags = ["knowledge"];
  await app.register(async (scope: TypedApp) => {
    // Files stream from the request into the blob store; none is held whole in memory.
    await scope.register(multipart, {
      limits: { fileSize: deps.maxFileBytes, files: UPLOAD_LIMITS.files, fields: 10 },
      throwFileSizeLimit: false,
    });
    scope.get(
      "/api/v1/knowledge-bases",
      {
        config: { permission: "knowledge:read" },
        schema: {
          tags,
          summary: "Your knowledge bases and your teams', by name",
          querystring: KnowledgeBaseListQuery,
          response: { 200: pageOf(KnowledgeBase) },
        },
      },
      (request) => deps.knowledge.list(request.query, contextOf(request)),
    );
    scope.post(
      "/api/v1/knowledge-bases",
      {
        config: { permission: "knowledge:manage" },
        schema: {
          tags,
          summary: "Create a knowledge base",
          body: CreateKnowledgeBaseRequest,
          response: { 201: KnowledgeBase },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await deps.knowledge.create(request.body, contextOf(request))),
    );
    scope.get(
      "/api/v1/knowledge-bases/:id",
      {
        config: { permission: "knowledge:read" },
        schema: { tags, summary: "A knowledge base", params: IdParams, response: { 200: KnowledgeBase } },
      },
      (request) => deps.knowledge.get(request.params.id, contextOf(request)),
    );
    scope.patch(
      "/api/v1/knowledge-bases/:id",
      {
        config: { permission: "knowledge:manage" },
        schema: {
          tags,
          summary: "Rename or describe a knowledge base",
          params: IdParams,
          body: UpdateKnowledgeBaseRequest,
          response: { 200: KnowledgeBase },
        },
      },
      (request) => deps.knowledge.update(request.params.id, request.body, contextOf(request)),
    );
    scope.delete(
      "/api/v1/knowledge-bases/:id",
      {
        config: { permission: "knowledge:manage" },
        schema: { tags, summary: "Delete a knowledge base with its documents", params: IdParams },
      },
      async (request, reply) => {
        await deps.knowledge.delete(request.params.id, contextOf(request));
        return reply.code(204).send(null);
      },
    );
    scope.get(
      "/api/v1/knowledge-bases/:id/documents",
      {
        config: { permission: "knowledge:read" },
        schema: {
          tags,
          summary: "The documents, newest first, with status, size, chunks and errors",
          params: IdParams,
          response: { 200: z.object({ items: z.array(KnowledgeDocument) }) },
        },
      },
      async (request) => ({ items: await deps.knowledge.documents(request.params.id, contextOf(request)) }),
    );
    scope.post(
      "/api/v1/knowledge-bases/:id/documents",
      {
        config: { permission: "knowledge:manage" },
        schema: {
          tags,
          summary:
            "Upload documents (multipart/form-data, one or more `file` parts); ingestion runs on a worker",
          params: IdParams,
          response: { 201: UploadResult },
        },
      },
      async (request, reply) => {
        const ctx = contextOf(request);
        // Authorized before a byte of the files is read.
        await deps.knowledge.visible(request.params.id, ctx, "knowledge:manage");
        if (!request.isMultipart())
          throw new AppError("request.unsupported_media_type", "Send the files as multipart/form-data");
        const files = (async function* (): AsyncGenerator<IncomingFile> {
          for await (const part of request.files()) {
            yield { filename: part.filename, mimetype: part.mimetype, stream: part.file };
          }
        })();
        return reply.code(201).send(await deps.knowledge.upload(request.params.id, files, ctx));
      },
    );
    scope.get(
      "/api/v1/knowledge-bases/:id/documents/:documentId/content",
      {
        config: { permission: "knowledge:read" },
        schema: {
          tags,
          summary: "A document's text as parsed to markdown (what passages' spans point into)",
          params: DocumentParams,
          response: { 200: DocumentContent },
        },
      },
      (request) => deps.knowledge.content(request.params.id, request.params.documentId, contextOf(request)),
    );
    scope.delete(
      "/api/v1/knowledge-bases/:id/documents/:documentId",
      {
        config: { permission: "knowledge:manage" },
        schema: { tags, summary: "Delete a document, its chunks and its file", params: DocumentParams },
      },
      async (request, reply) => {
        await deps.knowledge.deleteDocument(request.params.id, request.params.documentId, contextOf(request));
        return reply.code(204).send(null);
      },
    );
    scope.post(
      "/api/v1/knowledge-bases/:id/documents/:documentId/reindex",
      {
        config: { permission: "knowledge:manage" },
        schema: {
          tags,
          summary: "Parse, chunk and index a document again",
          params: DocumentParams,
          response: { 202: KnowledgeDocument },
        },
      },
      async (request, reply) =>
        reply
          .code(202)
          .send(
            await deps.knowledge.reindex(request.params.id, request.params.documentId, contextOf(request)),
          ),
    );
    scope.post(
      "/api/v1/knowledge-bases/:id/search",
      {
        config: { permission: "knowledge:read" },
        schema: {
          tags,
          summary: "The passages of a knowledge base that best answer a query",
          description:
            "Keyword mode ranks by BM25 (FTS5 on SQLite, term statistics on PostgreSQL). Vector and hybrid " +
            "modes need an embedding model; without one they answer in keyword mode and say so in `mode`.",
          params: IdParams,
          body: KnowledgeSearchRequest,
          response: { 200: KnowledgeSearchResult },
        },
      },
      (request) => deps.knowledge.search(request.params.id, request.body, contextOf(request)),
    );
    scope.get(
      "/api/v1/knowledge-bases/:id/events",
      {
        // Helmet's document headers mean nothing on an event stream: the relay sends those that apply.
        config: { permission: "knowledge:read", helmet: false },
        schema: {
          tags,
          summary:
            "Server-Sent Events `progress` (data: DocumentProgress): each document as it is, then every change",
          params: IdParams,
        },
      },
      async (request, reply) => {
        const stream = await deps.events.open(request.params.id, contextOf(request));
        return relayProgress(deps.streams, stream, request, reply);
      },
    );
  });
}
