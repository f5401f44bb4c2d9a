import type { AnswerSource } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { renderAnswer, renderSources } from "./render.ts";
import { wordingOf } from "./wording.ts";

const source: AnswerSource = {
  n: 1,
  knowledgeBaseId: "kb",
  documentId: "doc",
  documentName: 'Opening "hours".md',
  chunkId: "c",
  headingPath: [],
  start: 0,
  end: 10,
  snippet: "We open at <9>.",
};

describe("the widget's answer rendering", () => {
  it("escapes whatever the model writes: no tag, attribute or script link gets through", () => {
    const html = renderAnswer(
      '<img src=x onerror=alert(1)> **bold** [click](javascript:alert(1)) [ok](https://example.com/a?b=1&c="2")',
    );
    expect(html).not.toMatch(/<img|href="javascript/);
    expect(html).toContain("[click](javascript:alert(1))");
    expect(html).toContain("&#60;img src=x onerror=alert(1)&#62;");
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain(
      '<a href="https://example.com/a?b=1&#38;c=&#34;2&#34;" target="_blank" rel="noopener noreferrer">ok</a>',
    );
  });

  it("turns citations of known sources into chips naming their document, and lists the sources", () => {
    const html = renderAnswer("Open at nine [1], closed on Sunday [2].", [source]);
    expect(html).toContain('aria-label="Source 1: Opening &#34;hours&#34;.md"');
    expect(html).toContain("[2]");
    const list = renderSources([source]);
    expect(list).toContain("Sources (1)");
    expect(list).toContain("We open at &#60;9&#62;.");
  });

  it("keeps code blocks verbatim and escaped", () => {
    expect(renderAnswer("```html\n<b>x</b>\n```")).toBe("<pre><code>&#60;b&#62;x&#60;/b&#62;\n</code></pre>");
  });

  it("words a spent budget and a rate limit for visitors, never with internals", () => {
    expect(wordingOf("budget.exceeded")).toMatch(/used up its budget/);
    expect(wordingOf("rate_limit.exceeded")).toMatch(/wait a little/);
    expect(wordingOf("server.internal", "stack trace")).not.toContain("stack trace");
  });
});
