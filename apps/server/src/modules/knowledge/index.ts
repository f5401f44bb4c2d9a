/** The knowledge module: knowledge bases, document upload and ingestion (parse, chunk). */
import { knowledgeEventTopics, knowledgeTopics } from "@parley/contracts";
import { defineModule } from "../../kernel/module.ts";
import type { AuditExports } from "../audit/index.ts";
import { startIngestSweep, sweepIngestion, type IngestSweepDeps } from "./ingest-sweep.ts";
import { KnowledgeEvents, ProgressHub } from "./knowledge-events.ts";
import { ProgressStreams } from "./knowledge-sse.ts";
import { KnowledgeSweepRepository } from "./knowledge-sweep.repository.ts";
import { DocumentUploads } from "./knowledge-upload.service.ts";
import { KnowledgeUploadsRepository } from "./knowledge-uploads.repository.ts";
import { startIngestWorker } from "./knowledge.jobs.ts";
import { knowledgeErrors } from "./knowledge.errors.ts";
import { KnowledgeRepository } from "./knowledge.repository.ts";
import { registerKnowledgeRoutes } from "./knowledge.routes.ts";
import { KnowledgeService } from "./knowledge.service.ts";
import * as knowledgeMigration from "./migrations/2026-12-06T0300-knowledge.ts";
import * as sweepsMigration from "./migrations/2026-12-07T1200-knowledge-sweeps.ts";

/** What the knowledge module offers the modules built after it. */
export interface KnowledgeExports {
  knowledge: KnowledgeService;
}

/** Knowledge bases per team: documents in the blob store, chunked by the ingestion worker. */
export const knowledgeModule = defineModule({
  name: "knowledge",
  errors: knowledgeErrors,
  topics: { ...knowledgeTopics, ...knowledgeEventTopics },
  needs: ["audit"],
  permissions: ["knowledge:read", "knowledge:manage"],
  tables: ["knowledge_bases", "knowledge_documents", "knowledge_chunks"],
  migrations: {
    "2026-12-06T0300-knowledge": knowledgeMigration,
    "2026-12-07T1200-knowledge-sweeps": sweepsMigration,
  },
  build: async (ctx, deps: { audit: AuditExports }) => {
    const repository = new KnowledgeRepository(ctx.platform.database);
    const uploadsRepository = new KnowledgeUploadsRepository(ctx.platform.database);
    const sweeps = new KnowledgeSweepRepository(ctx.platform.database);
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
      blobs: ctx.platform.blobs,
      bus: ctx.bus,
      audit: deps.audit.audit,
      clock: ctx.platform.clock,
      sweeps,
      uploads,
      logger: ctx.logger,
    });
    const hub = new ProgressHub(ctx.bus);
    const events = new KnowledgeEvents({ knowledge, documents: repository, hub });
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
      exports: { knowledge } satisfies KnowledgeExports,
      routes: (app) =>
        registerKnowledgeRoutes(app, {
          knowledge,
          events,
          streams,
          maxFileBytes: ctx.config.knowledgeMaxFileBytes,
        }),
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
            }),
        },
        {
          name: "knowledge ingestion sweep",
          roles: ["worker", "all"],
          start: () => startIngestSweep(sweepDeps, ctx.config.knowledgeSweepIntervalMs),
        },
      ],
    };
  },
});

export type { KnowledgeService } from "./knowledge.service.ts";
export type { KnowledgeTables } from "./knowledge.tables.ts";
