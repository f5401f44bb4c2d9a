import type { AnswerSource } from "@parley/contracts";
import { citedSources } from "./citations.ts";

/**
 * The sources an answer cites, under it: one button per source (number, document, headings) that
 * opens the passage. Nothing when the answer cites none.
 */
export function MessageSources({
  text,
  sources,
  onOpen,
}: {
  text: string;
  sources: readonly AnswerSource[];
  onOpen: (source: AnswerSource) => void;
}) {
  const cited = citedSources(text, sources);
  if (!cited.length) return null;
  return (
    <section className="message-sources" aria-label="Sources">
      <h3 className="sources-title">Sources</h3>
      <ol>
        {cited.map((source) => (
          <li key={source.n} value={source.n}>
            <button
              type="button"
              className="source-button"
              onClick={() => {
                onOpen(source);
              }}
            >
              <span className="source-number">{source.n}</span>
              <span className="source-name">{source.documentName}</span>
              {source.headingPath.length > 0 && (
                <span className="source-headings muted">{source.headingPath.join(" › ")}</span>
              )}
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
