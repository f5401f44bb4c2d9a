import { describe, expect, it } from "vitest";
import { chunkMarkdown, tokenCount } from "./chunking.ts";
import { toMarkdown } from "./document-parse.ts";
import { pdfWith } from "./pdf-test-support.ts";

describe("chunkMarkdown", () => {
  it("follows headings, keeps the heading path and spans that point into the document", () => {
    const md =
      "# Guide\n\nIntro text.\n\n## Install\n\nRun npm install.\n\n### On Debian\n\napt install nodejs\n\n## Use\n\nnpm start";
    const chunks = chunkMarkdown(md);
    expect(chunks.map((c) => c.headingPath)).toEqual([
      ["Guide"],
      ["Guide", "Install"],
      ["Guide", "Install", "On Debian"],
      ["Guide", "Use"],
    ]);
    for (const c of chunks) expect(md.slice(c.start, c.end)).toBe(c.text);
    expect(chunks.map((c) => c.ordinal)).toEqual([0, 1, 2, 3]);
    expect(chunks[1]?.text).toBe("## Install\n\nRun npm install.");
  });

  it("cuts a megabyte without whitespace (a log dump, base64) into bounded passages, in slices", () => {
    // Counted as one run, BPE took minutes over this and blocked the whole process.
    const md = `# Dump\n\n${"x".repeat(1024 * 1024)}`;
    const chunks = chunkMarkdown(md);
    expect(chunks.length).toBeGreaterThan(100);
    for (const c of chunks) {
      expect(c.tokens).toBeLessThanOrEqual(500);
      expect(md.slice(c.start, c.end)).toBe(c.text);
    }
    expect(chunks.at(-1)?.end).toBe(md.length);
    expect(tokenCount("x".repeat(1000))).toBe(
      tokenCount("x".repeat(256)) * 3 + tokenCount("x".repeat(1000 - 768)),
    );
  });

  it("gathers paragraphs up to the target size and cuts an oversized one between words", () => {
    const paragraph = (n: number) => `Paragraph ${n} ${"word ".repeat(60)}`.trim();
    const md = Array.from({ length: 12 }, (_, i) => paragraph(i)).join("\n\n");
    const chunks = chunkMarkdown(md, { target: 200, max: 300 });
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) {
      expect(c.tokens).toBeLessThanOrEqual(300);
      expect(md.slice(c.start, c.end)).toBe(c.text);
    }
    const huge = "x ".repeat(2_000).trim();
    const cut = chunkMarkdown(huge, { target: 200, max: 300 });
    expect(cut.length).toBeGreaterThan(3);
    for (const c of cut) expect(c.tokens).toBeLessThanOrEqual(300);
    expect(cut.map((c) => c.text).join("")).toBe(huge);
  });

  it("keeps a heading with nothing under it with the next one", () => {
    const md = "# Manual\n\n## Page 1\n\nBackups run nightly.";
    expect(chunkMarkdown(md)).toMatchObject([{ headingPath: ["Manual", "Page 1"], text: md, start: 0 }]);
  });

  it("does not treat a heading inside a code block as a heading", () => {
    const md = "# Real\n\n```sh\n# not a heading\necho hi\n```\n";
    expect(chunkMarkdown(md).map((c) => c.headingPath)).toEqual([["Real"]]);
  });
});

describe("toMarkdown", () => {
  it("keeps the main content of HTML and drops scripts and navigation", async () => {
    const html = `<html><head><title>Deploy notes</title><script>alert(1)</script></head><body>
      <nav><a href="/">Home</a> <a href="/x">Other</a></nav>
      <article><h1>Deploy notes</h1><p>${"Parley runs on one machine or many. ".repeat(20)}</p>
      <h2>Kubernetes</h2><p>${"Use the overlays under deploy. ".repeat(20)}</p></article>
      <footer>© someone</footer></body></html>`;
    const md = await toMarkdown(Buffer.from(html), "text/html", "deploy.html");
    expect(md).toContain("## Kubernetes");
    expect(md).not.toContain("alert(1)");
    expect(md).not.toContain("© someone");
  });

  it("turns CSV rows into column: value paragraphs", async () => {
    const md = await toMarkdown(Buffer.from("name,role\nAda,admin\nLin,viewer\n"), "text/csv", "people.csv");
    expect(md).toBe("# people.csv\n\nname: Ada; role: admin\n\nname: Lin; role: viewer\n");
  });

  it("refuses an empty file and binary content", async () => {
    await expect(toMarkdown(Buffer.from("  \n"), "text/plain", "x.txt")).rejects.toThrow(/no text/);
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]);
    await expect(toMarkdown(zip, "text/plain", "x.txt")).rejects.toThrow(/binary/);
  });

  it("reads a PDF page by page, and names a damaged one", async () => {
    const pdf = pdfWith([["Parley runs anywhere.", "On one machine."], ["Or on many."]]);
    expect(await toMarkdown(pdf, "application/pdf", "guide.pdf")).toBe(
      "# guide.pdf\n\n## Page 1\n\nParley runs anywhere.\nOn one machine.\n\n## Page 2\n\nOr on many.\n",
    );
    await expect(toMarkdown(Buffer.from("%PDF-1.4 garbage"), "application/pdf", "x.pdf")).rejects.toThrow(
      "The PDF is damaged or not a PDF",
    );
    await expect(toMarkdown(pdfWith([[]]), "application/pdf", "blank.pdf")).rejects.toThrow(/no text/);
  });
});
