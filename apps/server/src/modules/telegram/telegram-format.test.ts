import { describe, expect, it } from "vitest";
import { escapeHtml, splitEscaped, toTelegramMessages } from "./telegram-format.ts";

describe("markdown to Telegram HTML", () => {
  it("renders the subset Telegram supports and escapes the rest", () => {
    const [html] = toTelegramMessages(
      '# Title\n\n**bold** *it* ~~gone~~ `a<b>` [link](https://x.test/?a=1&b="2") [bad](javascript:alert(1))\n\n<script>x</script>',
    );
    expect(html).toBe(
      '<b>Title</b>\n\n<b>bold</b> <i>it</i> <s>gone</s> <code>a&lt;b&gt;</code> <a href="https://x.test/?a=1&amp;b=&quot;2&quot;">link</a> bad\n\n&lt;script&gt;x&lt;/script&gt;',
    );
  });

  it("renders code blocks with their language, lists, quotes and tables", () => {
    const [html] = toTelegramMessages(
      "```ts\nconst a = 1 < 2;\n```\n\n- one\n- [x] done\n\n1. first\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |",
    );
    expect(html).toBe(
      '<pre><code class="language-ts">const a = 1 &lt; 2;</code></pre>\n\n• one\n☑ done\n\n1. first\n\n<blockquote>quoted</blockquote>\n\na | b\n1 | 2',
    );
  });

  it("splits long answers at 4096 characters, between blocks, then at spaces", () => {
    const paragraph = "word ".repeat(300).trim(); // 1499 characters
    const markdown = Array.from({ length: 8 }, () => paragraph).join("\n\n");
    const messages = toTelegramMessages(markdown);
    expect(messages.length).toBeGreaterThan(2);
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(4096);
    expect(messages.join("\n\n").replace(/\s+/g, " ")).toBe(markdown.replace(/\s+/g, " "));
    const huge = "x".repeat(5000) + " " + "y".repeat(10);
    const parts = toTelegramMessages(huge);
    expect(parts.map((p) => p.length)).toEqual([4096, 904 + 11]);
  });

  it("splits a long list between its items, keeping their numbers", () => {
    const list = Array.from({ length: 120 }, (_, i) => `${i + 1}. item **${i + 1}** ${"x".repeat(60)}`).join(
      "\n",
    );
    const messages = toTelegramMessages(list);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(4096);
    const lines = messages.join("\n").split("\n");
    expect(lines).toHaveLength(120);
    expect(lines[119]).toBe(`120. item <b>120</b> ${"x".repeat(60)}`);
  });

  it("keeps escaped text within the limit and splits code into several pre blocks", () => {
    expect(splitEscaped("<".repeat(10), 8)).toEqual([
      "&lt;&lt;",
      "&lt;&lt;",
      "&lt;&lt;",
      "&lt;&lt;",
      "&lt;&lt;",
    ]);
    const code = "```\n" + "line\n".repeat(1000) + "```";
    const parts = toTelegramMessages(code);
    expect(parts.length).toBe(2);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(4096);
      expect(p.startsWith("<pre><code>") && p.endsWith("</code></pre>")).toBe(true);
    }
    expect(escapeHtml("a & b")).toBe("a &amp; b");
  });
});
