import { MAX_QUERY_CHARS, SearchMode, type KnowledgeBase, type SearchHit } from "@parley/contracts";
import { z } from "zod";
import { defineMcpTool, type McpContribution } from "../../kernel/mcp-contribution.ts";
import type { KnowledgeService } from "./knowledge.service.ts";

const ListKnowledgeBasesInput = z.strictObject({});

const SearchKnowledgeInput = z.strictObject({
  knowledgeBaseId: z.string().min(1).max(100).describe("From list_knowledge_bases"),
  query: z.string().trim().min(1).max(MAX_QUERY_CHARS),
  limit: z.number().int().min(1).max(20).default(5),
  mode: SearchMode.optional().describe("Default: hybrid with embeddings, else keyword"),
});

/** Bases `list_knowledge_bases` names (a model reads every line). */
const LIST_LIMIT = 50;

/** Longest passage text a tool result carries; the full span is in `structured`'s offsets. */
const PASSAGE_CHARS = 1_500;

/**
 * The knowledge module's MCP tools: the same `KnowledgeService` methods as
 * `GET /api/v1/knowledge-bases` and `POST /api/v1/knowledge-bases/{id}/search`, so a base of
 * another team is `knowledge_base.not_found` here too.
 * @example
 * return { exports, routes, mcp: knowledgeTools({ knowledge }) };
 */
export function knowledgeTools(deps: { knowledge: KnowledgeService }): McpContribution {
  const list = defineMcpTool({
    name: "list_knowledge_bases",
    title: "List knowledge bases",
    description: "Knowledge bases you can search (yours and your teams'), by name.",
    permission: "knowledge:read",
    input: ListKnowledgeBasesInput,
    hints: { readOnly: true, idempotent: true },
    handler: async (ctx) => {
      const page = await deps.knowledge.list({ limit: LIST_LIMIT }, ctx);
      const bases = page.items.map(summaryOf);
      const lines = bases.map((b) => `- ${b.name} (id ${b.id}, ${b.documentCount} documents)`);
      if (page.nextCursor) lines.push(`(the first ${LIST_LIMIT} by name; there are more)`);
      return {
        text: lines.length ? lines.join("\n") : "No knowledge bases.",
        structured: { knowledgeBases: bases, more: page.nextCursor !== null },
      };
    },
  });
  const search = defineMcpTool({
    name: "search_knowledge",
    title: "Search knowledge",
    description: "Finds the passages of a knowledge base's documents that best answer a query.",
    permission: "knowledge:read",
    input: SearchKnowledgeInput,
    hints: { readOnly: true, idempotent: true },
    handler: async (ctx, input) => {
      const { knowledgeBaseId, ...request } = input;
      const result = await deps.knowledge.search(knowledgeBaseId, request, ctx);
      return {
        text: result.data.length ? result.data.map(passageText).join("\n\n") : "No passage matches.",
        structured: result,
      };
    },
  });
  return { tools: [list, search] };
}

function summaryOf(base: KnowledgeBase) {
  return {
    id: base.id,
    name: base.name,
    description: base.description,
    teamId: base.teamId,
    documentCount: base.documentCount,
  };
}

function passageText(hit: SearchHit, i: number): string {
  const where = [hit.documentName, ...hit.headingPath].join(" › ");
  const text = hit.text.length > PASSAGE_CHARS ? `${hit.text.slice(0, PASSAGE_CHARS)}…` : hit.text;
  return `[${i + 1}] ${where}\n${text}`;
}
