/** The knowledge module: knowledge bases, document upload and ingestion (parse, chunk). */
import { knowledgeTopics } from "@parley/contracts";
import { defineModule } from "../../kernel/module.ts";
import type { AuditExports } from "../audit/index.ts";
import { startIngestWorker } from "./knowledge.jobs.ts";
import { knowledgeErrors } from "./knowledge.errors.ts";
import { KnowledgeRepository } from "./knowledge.repository.ts";
import { registerKnowledgeRoutes } from "./knowledge.routes.ts";
import { KnowledgeSearch } from "./knowledge.search.ts";
import { KnowledgeService } from "./knowledge.service.ts";
import { keywordIndexFor } from "./keyword-index.ts";
import * as knowledgeMigration from "./migrations/2026-12-06T0300-knowledge.ts";
import * as searchMigration from "./migrations/2026-12-06T0500-knowledge-search.ts";

/** What the knowledge module offers the modules built after it. */
export interface KnowledgeExports {
  knowledge: KnowledgeService;
  /** Search without access checks, for callers that cleared the bases (retrieval). */
  search: KnowledgeSearch;
}

/** Knowledge bases per team: documents in the blob store, chunked by the ingestion worker. */
export const knowledgeModule = defineModule({
  name: "knowledge",
  errors: knowledgeErrors,
  topics: knowledgeTopics,
  needs: ["audit"],
  permissions: ["knowledge:read", "knowledge:manage"],
  tables: ["knowledge_bases", "knowledge_documents", "knowledge_chunks", "knowledge_postings"],
  migrations: {
    "2026-12-06T0300-knowledge": knowledgeMigration,
    "2026-12-06T0500-knowledge-search": searchMigration,
  },
  build: (ctx, deps: { audit: AuditExports }) => {
    const keyword = keywordIndexFor(ctx.platform.database.dialect);
    const repository = new KnowledgeRepository(ctx.platform.database, keyword);
    const search = new KnowledgeSearch({ db: repository.db, keyword });
    const knowledge = new KnowledgeService({
      knowledge: repository,
      search,
      blobs: ctx.platform.blobs,
      bus: ctx.bus,
      audit: deps.audit.audit,
      clock: ctx.platform.clock,
    });
    return {
      exports: { knowledge, search } satisfies KnowledgeExports,
      routes: (app) => registerKnowledgeRoutes(app, { knowledge }),
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
      ],
    };
  },
});

export type { KnowledgeService } from "./knowledge.service.ts";
export type { KnowledgeTables } from "./knowledge.tables.ts";
