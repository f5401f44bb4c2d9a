import type {
  ErrorEnvelope,
  KnowledgeBase,
  KnowledgeDocument,
  KnowledgeSearchResult,
  SearchMode,
  UploadResult,
} from "@parley/contracts";
import { expect } from "vitest";
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
    /** Uploads `files` (name → content) as multipart/form-data. */
    async upload(kbId: string, files: Record<string, string | Uint8Array>) {
      const form = new FormData();
      for (const [name, content] of Object.entries(files)) form.append("file", new Blob([content]), name);
      const res = await fetch(`${h.url}/api/v1/knowledge-bases/${kbId}/documents`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
      return { status: res.status, body: (await res.json()) as UploadResult & ErrorEnvelope };
    },
    async documents(kbId: string) {
      return (
        await h.call<{ items: KnowledgeDocument[] }>("GET", `/api/v1/knowledge-bases/${kbId}/documents`, {
          token,
        })
      ).body.items;
    },
    /** Waits until no document of the base is queued or processing; its documents then. */
    async settled(kbId: string) {
      await expect
        .poll(
          async () =>
            (await this.documents(kbId)).filter((d) => d.status === "queued" || d.status === "processing")
              .length,
          { timeout: 20_000 },
        )
        .toBe(0);
      return this.documents(kbId);
    },
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
