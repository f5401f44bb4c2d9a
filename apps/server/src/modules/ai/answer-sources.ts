import { MAX_SNIPPET_CHARS, type AnswerSource } from "@parley/contracts";
import type { GroundingSource } from "../../kernel/ai-call.ts";

/**
 * The beginning of a passage, at most {@link MAX_SNIPPET_CHARS} characters: whole words, with an
 * ellipsis when cut.
 * @example snippetOf("Backups run nightly.") // "Backups run nightly."
 */
export function snippetOf(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= MAX_SNIPPET_CHARS) return flat;
  const cut = flat.slice(0, MAX_SNIPPET_CHARS - 1);
  const space = cut.lastIndexOf(" ");
  return `${space > MAX_SNIPPET_CHARS / 2 ? cut.slice(0, space) : cut}…`;
}

/**
 * The sources of an answer as surfaces keep and show them: a snippet instead of the whole passage
 * (the passage itself stays in its document, where `start`/`end` point).
 * @example answerSources(run.sources) // [{ n: 1, documentName: "Runbook.md", snippet: "…", … }]
 */
export function answerSources(sources: readonly GroundingSource[]): AnswerSource[] {
  return sources.map((s) => ({
    n: s.n,
    knowledgeBaseId: s.knowledgeBaseId,
    documentId: s.documentId,
    documentName: s.documentName,
    chunkId: s.chunkId,
    headingPath: [...s.headingPath],
    start: s.start,
    end: s.end,
    snippet: snippetOf(s.text),
  }));
}
