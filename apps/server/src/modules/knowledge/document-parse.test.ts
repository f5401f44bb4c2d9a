import { describe, expect, it } from "vitest";
import { chunkMarkdown } from "./chunking.ts";
import { DOCX_TYPE, toMarkdown } from "./document-parse.ts";
import { docxWith, zipOf } from "./docx-test-support.ts";
import { pdfWith } from "./pdf-test-support.ts";

async function failure(bytes: Buffer, mediaType: string, name: string): Promise<string> {
  const error = await toMarkdown(bytes, mediaType, name).then(
    () => null,
    (e: unknown) => e as { code?: string; message?: string },
  );
  expect(error?.code).toBe("validation.failed");
  return error?.message ?? "";
}

describe("documents to markdown", () => {
  it("turns a DOCX into markdown that keeps its headings, so chunks carry their heading path", async () => {
    const docx = await docxWith([
      { heading: 1, text: "Operations guide" },
      { text: "How we run Parley." },
      { heading: 2, text: "Backups & restores" },
      { text: "Backups run nightly at 02:00." },
      { heading: 2, text: "Upgrades" },
      { text: "Read the release notes first." },
    ]);
    const markdown = await toMarkdown(docx, DOCX_TYPE, "guide.docx");
    expect(markdown).toBe(
      "# Operations guide\n\nHow we run Parley.\n\n## Backups & restores\n\nBackups run nightly at 02:00.\n\n## Upgrades\n\nRead the release notes first.\n",
    );
    expect(chunkMarkdown(markdown).map((c) => c.headingPath)).toEqual([
      ["Operations guide"],
      ["Operations guide", "Backups & restores"],
      ["Operations guide", "Upgrades"],
    ]);
  });

  it("fails a bomb, a file that is not a DOCX, an empty file, and an encrypted PDF with their reasons", async () => {
    expect(
      await failure(await zipOf({ "word/document.xml": 50 * 1024 * 1024 }), DOCX_TYPE, "b.docx"),
    ).toMatch(/decompression bomb/);
    expect(await failure(Buffer.from("plain text"), DOCX_TYPE, "t.docx")).toBe(
      "The file is not a DOCX (not a zip archive)",
    );
    expect(await failure(await zipOf({ "hello.txt": "hi" }), DOCX_TYPE, "z.docx")).toBe(
      "The DOCX is damaged or not a Word document",
    );
    expect(await failure(Buffer.alloc(0), DOCX_TYPE, "e.docx")).toBe("The file is empty");
    expect(await failure(pdfWith([["Secret"]], { encrypted: true }), "application/pdf", "s.pdf")).toBe(
      "The PDF is encrypted; upload a copy without a password",
    );
  });
});
