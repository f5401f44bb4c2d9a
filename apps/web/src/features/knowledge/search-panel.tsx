import type {
  KnowledgeBase,
  KnowledgeSearchRequest,
  KnowledgeSearchResult,
  SearchHit,
  SearchMode,
} from "@parley/contracts";
import { useMutation } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { highlightParts } from "./highlight-terms.ts";

const MODES: Record<SearchMode, string> = {
  hybrid: "Hybrid (words and meaning)",
  keyword: "Keyword (BM25)",
  vector: "Vector (meaning)",
};

function Hit({ hit, query }: { hit: SearchHit; query: string }) {
  return (
    <li className="search-hit">
      <div className="hit-head">
        <strong>{hit.documentName}</strong>
        <span className="muted small-text">score {hit.score.toFixed(3)}</span>
      </div>
      {hit.headingPath.length > 0 && (
        <ol className="breadcrumbs" aria-label="Section">
          {hit.headingPath.map((heading, i) => (
            <li key={i}>{heading}</li>
          ))}
        </ol>
      )}
      <p className="passage">
        {highlightParts(hit.text, query).map((part, i) =>
          part.match ? <mark key={i}>{part.text}</mark> : part.text,
        )}
      </p>
    </li>
  );
}

/** Tries retrieval on a base: the passages a query finds, as an assistant would get them. */
export function SearchPanel({ base }: { base: KnowledgeBase }) {
  const baseId = base.id;
  const [query, setQuery] = useState("");
  // As the server's default: hybrid where there are vectors to use, keyword otherwise.
  const [mode, setMode] = useState<SearchMode>(base.embeddingModel ? "hybrid" : "keyword");
  const search = useMutation({
    mutationFn: (body: KnowledgeSearchRequest) =>
      api<KnowledgeSearchResult>(`/api/v1/knowledge-bases/${baseId}/search`, { method: "POST", body }),
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (query.trim()) search.mutate({ query: query.trim(), mode, limit: 10 });
  };
  const asked = search.variables;
  const result = search.data;
  return (
    <section className="panel knowledge-search" aria-labelledby="search-title">
      <h2 id="search-title">Try a search</h2>
      <p className="muted small-text">
        The passages an assistant using this knowledge base would get for a question. Only documents that are
        ready are searched.
      </p>
      <form className="search-form" role="search" aria-label="Try a search" onSubmit={submit}>
        <label className="grow">
          Query
          <input
            type="search"
            required
            maxLength={2000}
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
            }}
          />
        </label>
        <label>
          Mode
          <select
            value={mode}
            onChange={(e) => {
              setMode(e.target.value as SearchMode);
            }}
          >
            {Object.entries(MODES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={search.isPending || !query.trim()}>
          {search.isPending ? "Searching…" : "Search"}
        </button>
      </form>
      <div aria-live="polite" className="search-results">
        {search.isError && <Alert>{errorText(search.error)}</Alert>}
        {result && asked && (
          <>
            <p className="muted small-text">
              {result.data.length === 0
                ? `No passage matches “${asked.query}”.`
                : `${result.data.length} ${result.data.length === 1 ? "passage" : "passages"}`}{" "}
              in {result.tookMs < 10 ? result.tookMs.toFixed(1) : Math.round(result.tookMs)} ms, {result.mode}{" "}
              search
              {asked.mode && result.mode !== asked.mode
                ? base.embeddingModel
                  ? " (vectors were not available for this search)"
                  : " (this knowledge base has no embedding model)"
                : ""}
              .
            </p>
            {result.data.length > 0 && (
              <ol className="search-hits">
                {result.data.map((hit) => (
                  <Hit key={hit.chunkId} hit={hit} query={asked.query} />
                ))}
              </ol>
            )}
          </>
        )}
      </div>
    </section>
  );
}
