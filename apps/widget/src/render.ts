import type { AnswerSource } from "@parley/contracts";

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * An answer's text as HTML: escaped first, then a small markdown subset (code blocks, inline
 * code, bold, http(s) links, paragraphs and line breaks), and citations `[n]` of known sources as
 * chips that name their document.
 * @example
 * renderAnswer("See **docs** [1]", [source1]) // "<p>See <strong>docs</strong> <button …>1</button></p>"
 */
export function renderAnswer(text: string, sources: readonly AnswerSource[] = []): string {
  const blocks = text.split(/```/);
  return blocks
    .map((block, i) => {
      if (i % 2 === 1) return `<pre><code>${escape(block.replace(/^[\w-]*\n/, ""))}</code></pre>`;
      return block
        .split(/\n{2,}/)
        .filter((p) => p.trim())
        .map((p) => `<p>${inline(p, sources)}</p>`)
        .join("");
    })
    .join("");
}

function inline(text: string, sources: readonly AnswerSource[]): string {
  return escape(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(
      /\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g,
      '<a href="$2" target="_blank" rel="noopener noreferrer">$1</a>',
    )
    .replace(/\[(\d{1,2})\]/g, (match, n: string) => {
      const source = sources.find((s) => s.n === Number(n));
      return source
        ? `<button type="button" class="cite" data-n="${n}" aria-label="Source ${n}: ${escape(source.documentName)}" title="${escape(source.documentName)}">${n}</button>`
        : match;
    })
    .replace(/\n/g, "<br>");
}

/** The list of an answer's sources, numbered as it cites them. */
export function renderSources(sources: readonly AnswerSource[]): string {
  if (!sources.length) return "";
  const items = sources
    .map(
      (s) =>
        `<li data-n="${s.n}"><span class="n">[${s.n}]</span> <strong>${escape(s.documentName)}</strong><span class="snippet">${escape(s.snippet)}</span></li>`,
    )
    .join("");
  return `<details class="sources"><summary>Sources (${sources.length})</summary><ol>${items}</ol></details>`;
}
