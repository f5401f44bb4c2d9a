/** The knowledge module: knowledge bases, document upload and ingestion (parse, chunk, embed), search. */
import { knowledgeEventTopics, knowledgeTopics } from "@parley/contracts";
import { defineModule } from "../../kernel/module.ts";
import type { AiExports } from "../ai/index.ts";
import type { AuditExports } from "../audit/index.ts";
import type { IdentityExports } from "../identity/index.ts";
import type { ProvidersExports } from "../providers/index.ts";
import { startEmbedWorker } from "./embedding.jobs.ts";
import { PassageEmbedder } from "./embeddings.ts";
import {
  startIngestSweep,
  sweepIngestion,
  sweepUnreferencedDocuments,
  type IngestSweepDeps,
} from "./ingest-sweep.ts";

/** How often bytes no document refers to are looked for. */
const ORPHAN_SWEEP_INTERVAL_MS = 60 * 60_000;
import { KnowledgeEvents, ProgressHub } from "./knowledge-events.ts";
import { ProgressStreams } from "./knowledge-sse.ts";
import { KnowledgeSweepRepository } from "./knowledge-sweep.repository.ts";
import { DocumentUploads } from "./knowledge-upload.service.ts";
import { KnowledgeUploadsRepository } from "./knowledge-uploads.repository.ts";
import { KnowledgeEmbeddings } from "./knowledge-embeddings.ts";
import { startIngestWorker } from "./knowledge.jobs.ts";
import { knowledgeErrors } from "./knowledge.errors.ts";
import { KnowledgeRepository } from "./knowledge.repository.ts";
import { registerKnowledgeRoutes } from "./knowledge.routes.ts";
import { KnowledgeSearch } from "./knowledge.search.ts";
import { KnowledgeService } from "./knowledge.service.ts";
import { knowledgeTools } from "./knowledge.tools.ts";
import { keywordIndexFor } from "./keyword-index.ts";
import * as knowledgeMigration from "./migrations/2026-12-06T0300-knowledge.ts";
import * as searchMigration from "./migrations/2026-12-06T0500-knowledge-search.ts";
import * as vectorsMigration from "./migrations/2026-12-06T0600-knowledge-vectors.ts";
import * as sweepsMigration from "./migrations/2026-12-06T0700-knowledge-sweeps.ts";
import { vectorIndexFor } from "./vector-index.ts";
import { VectorRepository } from "./vector.repository.ts";
import { VectorSync } from "./vector-sync.ts";

/** What the knowledge module offers the modules built after it. */
export interface KnowledgeExports {
  knowledge: KnowledgeService;
  /** Search without access checks, for callers that cleared the bases (retrieval). */
  search: KnowledgeSearch;
}

/**
 * Knowledge bases per team: documents in the blob store, chunked (and embedded, with the base's
 * embedding model) by the ingestion worker; keyword, vector and hybrid search.
 */
export const knowledgeModule = defineModule({
  name: "knowledge",
  errors: knowledgeErrors,
  topics: { ...knowledgeTopics, ...knowledgeEventTopics },
  needs: ["audit", "identity", "providers", "ai"],
  permissions: ["knowledge:read", "knowledge:manage"],
  tables: [
    "knowledge_bases",
    "knowledge_documents",
    "knowledge_chunks",
    "knowledge_postings",
    "knowledge_terms",
    "knowledge_vectors",
  ],
  migrations: {
    "2026-12-06T0300-knowledge": knowledgeMigration,
    "2026-12-06T0500-knowledge-search": searchMigration,
    "2026-12-06T0600-knowledge-vectors": vectorsMigration,
    "2026-12-06T0700-knowledge-sweeps": sweepsMigration,
  },
  build: async (
    ctx,
    deps: { audit: AuditExports; identity: IdentityExports; providers: ProvidersExports; ai: AiExports },
  ) => {
    const { database } = ctx.platform;
    const keyword = keywordIndexFor(database.dialect);
    const repository = new KnowledgeRepository(database, keyword);
    const index = await vectorIndexFor(database.dialect, repository.db);
    if (index.ranking === "none")
      ctx.logger.warn(
        "PostgreSQL has no pgvector: knowledge bases store their vectors but answer vector and hybrid searches by keyword",
      );
    else ctx.logger.info({ ranking: index.ranking }, "knowledge vector search");
    const vectors = new VectorRepository(database, index);
    const embedder = new PassageEmbedder({
      pipeline: deps.ai.pipeline,
      catalog: deps.providers.catalog,
      principalOf: (userId) => deps.identity.auth.principalOfUser(userId),
    });
    const sync = new VectorSync({ vectors, embedder, clock: ctx.platform.clock, logger: ctx.logger });
    const search = new KnowledgeSearch({
      db: repository.db,
      keyword,
      vector: { vectors, embedder, logger: ctx.logger },
    });
    const uploadsRepository = new KnowledgeUploadsRepository(database);
    const sweeps = new KnowledgeSweepRepository(database);
    const uploads = new DocumentUploads({
      knowledge: repository,
      uploads: uploadsRepository,
      blobs: ctx.platform.blobs,
      bus: ctx.bus,
      audit: deps.audit.audit,
      clock: ctx.platform.clock,
      logger: ctx.logger,
      limits: { fileBytes: ctx.config.knowledgeMaxFileBytes, teamBytes: ctx.config.knowledgeMaxTeamBytes },
    });
    const knowledge = new KnowledgeService({
      knowledge: repository,
      search,
      embeddings: new KnowledgeEmbeddings({ vectors, embedder, bus: ctx.bus, clock: ctx.platform.clock }),
      blobs: ctx.platform.blobs,
      bus: ctx.bus,
      audit: deps.audit.audit,
      clock: ctx.platform.clock,
      sweeps,
      uploads,
      logger: ctx.logger,
    });
    const hub = new ProgressHub(ctx.bus);
    const events = new KnowledgeEvents({
      knowledge,
      documents: repository,
      hub,
      registry: ctx.platform.store.registry,
      maxStreamsPerUser: ctx.config.maxStreamsPerUser,
    });
    const streams = new ProgressStreams(ctx.metrics);
    const sweepDeps: IngestSweepDeps = {
      sweeps,
      uploads: uploadsRepository,
      blobs: ctx.platform.blobs,
      bus: ctx.bus,
      clock: ctx.platform.clock,
      logger: ctx.logger,
      staleAfterMs: ctx.config.knowledgeStaleAfterMs,
    };
    // Alone on its database, a process inherits what its predecessor was doing: its queue (in
    // memory) died with it, so every queued, processing or half-uploaded document is stranded now.
    if (ctx.platform.soleDatabaseUser) await sweepIngestion(sweepDeps, { everything: true });
    return {
      exports: { knowledge, search } satisfies KnowledgeExports,
      routes: (app) =>
        registerKnowledgeRoutes(app, {
          knowledge,
          events,
          streams,
          maxFileBytes: ctx.config.knowledgeMaxFileBytes,
        }),
      mcp: knowledgeTools({ knowledge }),
      // Event streams get a retry hint and reconnect to another pod.
      drain: () => {
        streams.drain();
        void hub.close();
      },
      workers: [
        {
          name: "knowledge ingestion",
          roles: ["worker", "all"],
          start: () =>
            startIngestWorker({
              bus: ctx.bus,
              knowledge: repository,
              blobs: ctx.platform.blobs,
              clock: ctx.platform.clock,
              logger: ctx.logger,
              concurrency: 2,
              vectors: sync,
            }),
        },
        {
          name: "knowledge re-embedding",
          roles: ["worker", "all"],
          start: () => startEmbedWorker({ bus: ctx.bus, sync, logger: ctx.logger, concurrency: 1 }),
        },
        {
          name: "knowledge ingestion sweep",
          roles: ["worker", "all"],
          start: () => startIngestSweep(sweepDeps, ctx.config.knowledgeSweepIntervalMs),
        },
        {
          // Documents deleted by a cascade (their team, their person) leave their bytes behind.
          name: "knowledge unreferenced bytes sweep",
          roles: ["worker", "all"],
          start: () => {
            const sweep = () => {
              sweepUnreferencedDocuments(sweepDeps)
                .then((removed) => {
                  if (removed > 0)
                    ctx.logger.info({ removed }, "removed document bytes no document refers to");
                })
                .catch((err: unknown) => {
                  ctx.logger.warn({ err }, "could not sweep document bytes");
                });
            };
            const timer = setInterval(sweep, ORPHAN_SWEEP_INTERVAL_MS);
            timer.unref();
            return Promise.resolve(() => {
              clearInterval(timer);
              return Promise.resolve();
            });
          },
        },
      ],
    };
  },
});

export type { KnowledgeService } from "./knowledge.service.ts";
export type { KnowledgeTables } from "./knowledge.tables.ts";
/** A document's text as markdown (PDF, DOCX, HTML, CSV, text), as ingestion reads it; chat attachments too. */
export { toMarkdown } from "./document-parse.ts";
