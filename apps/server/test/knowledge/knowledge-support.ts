import type { ErrorEnvelope, KnowledgeBase, KnowledgeSearchResult, SearchMode } from "@parley/contracts";
import { expect } from "vitest";
import { documents, settled, upload } from "./knowledge-client.ts";
import type { Harness } from "../parley-harness.ts";

/** Knowledge base calls a test makes as one user, over HTTP. */
export function knowledgeClient(h: Harness, token: string) {
  return {
    token,
    async create(name: string, teamId?: string, extra: { embeddingModel?: string | null } = {}) {
      const res = await h.call<KnowledgeBase>("POST", "/api/v1/knowledge-bases", {
        token,
        body: { name, ...(teamId ? { teamId } : {}), ...extra },
      });
      expect(res.status).toBe(201);
      return res.body;
    },
    async get(kbId: string) {
      return (await h.call<KnowledgeBase>("GET", `/api/v1/knowledge-bases/${kbId}`, { token })).body;
    },
    update(kbId: string, body: Record<string, unknown>) {
      return h.call<KnowledgeBase & ErrorEnvelope>("PATCH", `/api/v1/knowledge-bases/${kbId}`, {
        token,
        body,
      });
    },
    upload: (kbId: string, files: Record<string, string | Uint8Array>) => upload(h, token, kbId, files),
    documents: (kbId: string) => documents(h, token, kbId),
    settled: (kbId: string) => settled(h, token, kbId),
    /** Waits until every document is settled and none has passages waiting for vectors. */
    async embedded(kbId: string) {
      await this.settled(kbId);
      await expect
        .poll(async () => (await this.documents(kbId)).filter((d) => d.vectorsPending).length, {
          timeout: 20_000,
        })
        .toBe(0);
      return this.documents(kbId);
    },
    search(kbId: string, query: string, options: { limit?: number; mode?: SearchMode } = {}) {
      return h.call<KnowledgeSearchResult & ErrorEnvelope>("POST", `/api/v1/knowledge-bases/${kbId}/search`, {
        token,
        body: { query, ...options },
      });
    },
  };
}
