import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import yazl from "yazl";

const W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/** A paragraph of a test document: a heading of `level` (1–6), or body text. */
export type DocxParagraph = { heading: 1 | 2 | 3 | 4 | 5 | 6; text: string } | { text: string };

/**
 * A minimal, valid DOCX (Office Open XML) whose paragraphs are `paragraphs`, headings styled
 * `Heading1`…`Heading6` as Word does: enough for mammoth, zipped with yazl so tests need no Word.
 * @example docxWith([{ heading: 1, text: "Backups" }, { text: "They run nightly." }])
 */
export function docxWith(paragraphs: DocxParagraph[]): Promise<Buffer> {
  const escape = (text: string) => text.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);
  const body = paragraphs
    .map((p) => {
      const style = "heading" in p ? `<w:pPr><w:pStyle w:val="Heading${p.heading}"/></w:pPr>` : "";
      return `<w:p>${style}<w:r><w:t xml:space="preserve">${escape(p.text)}</w:t></w:r></w:p>`;
    })
    .join("");
  const styles = [1, 2, 3, 4, 5, 6]
    .map(
      (n) => `<w:style w:type="paragraph" w:styleId="Heading${n}"><w:name w:val="heading ${n}"/></w:style>`,
    )
    .join("");
  return zipOf({
    "[Content_Types].xml":
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
      '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>' +
      "</Types>",
    "_rels/.rels":
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
      "</Relationships>",
    "word/_rels/document.xml.rels":
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>' +
      "</Relationships>",
    "word/document.xml": `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="${W}"><w:body>${body}</w:body></w:document>`,
    "word/styles.xml": `<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="${W}">${styles}</w:styles>`,
  });
}

/**
 * A zip of the given entries (name → content), deflated. A `number` content is that many zero
 * bytes, streamed in: a decompression bomb without holding it in memory.
 * @example zipOf({ "word/document.xml": 200 * 1024 * 1024 }) // ~200 KB that inflate to 200 MiB
 */
export function zipOf(entries: Record<string, string | Buffer | number>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(entries)) {
    if (typeof content === "number") zip.addReadStream(zeros(content), name, { compress: true });
    else zip.addBuffer(Buffer.from(content), name, { compress: true });
  }
  zip.end();
  return buffer(zip.outputStream);
}

function zeros(total: number): Readable {
  const chunk = Buffer.alloc(1024 * 1024);
  let left = total;
  return new Readable({
    read() {
      const size = Math.min(left, chunk.length);
      left -= size;
      this.push(size > 0 ? chunk.subarray(0, size) : null);
    },
  });
}
