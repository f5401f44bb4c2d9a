import type { DocumentProgress, KnowledgeDocument } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { settledSentence, shownDocuments, uploadSentence } from "./ingestion-state.ts";

const doc = (id: string, patch: Partial<KnowledgeDocument> = {}): KnowledgeDocument => ({
  id,
  knowledgeBaseId: "kb",
  name: `${id}.md`,
  mediaType: "text/markdown",
  sizeBytes: 10,
  sha256: id,
  status: "queued",
  error: null,
  chunkCount: 0,
  createdAt: "2026-12-06T00:00:00.000Z",
  updatedAt: "2026-12-06T00:00:00.000Z",
  ...patch,
});
const event = (documentId: string, patch: Partial<DocumentProgress>): DocumentProgress => ({
  v: 1,
  knowledgeBaseId: "kb",
  documentId,
  status: "processing",
  stage: "chunking",
  progress: 0.5,
  chunkCount: 0,
  error: null,
  ...patch,
});

describe("ingestion as the page shows it", () => {
  it("takes a document's status from its latest event, else from the list", () => {
    const shown = shownDocuments(
      [doc("a"), doc("b", { status: "ready" })],
      new Map([["a", event("a", { status: "failed", stage: "failed", error: "The file holds no text" })]]),
    );
    expect(shown.map((s) => s.status)).toEqual(["failed", "ready"]);
    expect(settledSentence(shown)).toBe("a.md failed: The file holds no text. b.md is ready.");
  });

  it("says what an upload added and what was already there", () => {
    const documents = [{ duplicate: false }, { duplicate: true }, { duplicate: false }];
    expect(uploadSentence({ state: "done", documents, error: null })).toBe(
      "2 files uploaded; 1 already in this knowledge base.",
    );
    expect(uploadSentence({ state: "done", documents: [{ duplicate: false }], error: null })).toBe(
      "1 file uploaded.",
    );
    expect(uploadSentence({ state: "failed", documents: [], error: "Too large" })).toBe(
      "Upload failed: Too large",
    );
  });
});
