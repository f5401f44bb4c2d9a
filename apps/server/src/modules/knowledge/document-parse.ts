import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import mammoth from "mammoth";
import Papa from "papaparse";
import TurndownService from "turndown";
import { extractText, getDocumentProxy } from "unpdf";
import { AppError } from "../../kernel/app-error.ts";
import { assertSafeZip, DOCX_LIMITS } from "./zip-guard.ts";

/** The media type of Word documents (Office Open XML). */
export const DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/**
 * A document's text as markdown: what is chunked, searched and cited (spans point into it).
 * Markdown and plain text are kept as they are; HTML is reduced to its main content
 * (Readability) and converted (Turndown); a CSV becomes one paragraph per row, `column: value`;
 * a PDF's text comes page by page, each page a section (`## Page n`) so citations name the page;
 * a DOCX is checked for decompression bombs, then converted (mammoth) keeping its headings.
 * @throws AppError `validation.failed` for an empty, unreadable or unsafe file (the document
 *   fails with it).
 */
export async function toMarkdown(bytes: Buffer, mediaType: string, name: string): Promise<string> {
  if (bytes.length === 0) throw unreadable("The file is empty");
  if (mediaType === "application/pdf") return nonEmpty(await pdfToMarkdown(bytes, name));
  if (mediaType === DOCX_TYPE) return nonEmpty(await docxToMarkdown(bytes));
  const text = decodeText(bytes);
  let markdown: string;
  switch (mediaType) {
    case "text/markdown":
    case "text/plain":
      markdown = text;
      break;
    case "text/html":
      markdown = htmlToMarkdown(text, name);
      break;
    case "text/csv":
      markdown = csvToMarkdown(text, name);
      break;
    default:
      throw unreadable(`${mediaType} documents are not supported`);
  }
  return nonEmpty(markdown);
}

function nonEmpty(markdown: string): string {
  if (!markdown.trim()) throw unreadable("The file holds no text");
  return markdown;
}

/** The PDF's text (pdf.js through unpdf), one `## Page n` section per page that has text. */
async function pdfToMarkdown(bytes: Buffer, name: string): Promise<string> {
  let pages: string[];
  try {
    const pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    pages = (await extractText(pdf, { mergePages: false })).text;
  } catch (error) {
    const kind = (error as { name?: string } | null)?.name;
    if (kind === "PasswordException")
      throw unreadable("The PDF is encrypted; upload a copy without a password");
    throw unreadable("The PDF is damaged or not a PDF");
  }
  const sections = pages
    .map((text, i) => ({ text: text.trim(), page: i + 1 }))
    .filter((p) => p.text)
    .map((p) => `## Page ${p.page}\n\n${p.text}`);
  return sections.length ? `# ${name}\n\n${sections.join("\n\n")}\n` : "";
}

/**
 * A Word document's text as markdown: its heading styles become headings, pictures are left out
 * (they would come as data URIs), and nothing outside the file is ever read.
 */
async function docxToMarkdown(bytes: Buffer): Promise<string> {
  // Before mammoth (JSZip) unpacks everything into memory.
  await assertSafeZip(bytes, DOCX_LIMITS);
  let html: string;
  try {
    html = (
      await mammoth.convertToHtml(
        { buffer: bytes },
        {
          externalFileAccess: false,
          convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: "" })),
        },
      )
    ).value;
  } catch (error) {
    throw new AppError("validation.failed", "The DOCX is damaged or not a Word document", { cause: error });
  }
  // Not through Readability as web pages are: it keeps an article and drops what looks like
  // navigation, while every part of a Word document is content.
  const turndown = markdownConverter();
  turndown.remove(["img"]);
  const markdown = turndown.turndown(html).trim();
  return markdown ? `${markdown}\n` : "";
}

function markdownConverter(): TurndownService {
  const turndown = new TurndownService({ headingStyle: "atx", codeBlockStyle: "fenced" });
  turndown.remove(["script", "style", "noscript"]);
  return turndown;
}

/** UTF-8 text, refusing binary content that claims to be text. */
function decodeText(bytes: Buffer): string {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes).replace(/^\uFEFF/, "");
  if (text.includes("\u0000")) throw unreadable("The file is binary, not text");
  return text.replace(/\r\n?/g, "\n");
}

/** What this file uses of linkedom's DOM (its types lean on the browser's, which the server lacks). */
interface ParsedPage {
  body: { innerHTML: string } | null;
}

function htmlToMarkdown(html: string, name: string): string {
  const page = (parseHTML(html) as unknown as { document: ParsedPage }).document;
  // Readability keeps the article and drops navigation, footers and scripts.
  const article = new Readability(page).parse();
  const turndown = markdownConverter();
  const body = article?.content ?? page.body?.innerHTML ?? "";
  const title = article?.title?.trim() || name;
  const markdown = turndown.turndown(body).trim();
  return markdown ? `# ${title}\n\n${markdown}\n` : "";
}

function csvToMarkdown(text: string, name: string): string {
  const parsed = Papa.parse<Record<string, string>>(text.trim(), { header: true, skipEmptyLines: true });
  if (parsed.data.length === 0) return "";
  const rows = parsed.data.map((row) =>
    Object.entries(row)
      .filter(([, value]) => typeof value === "string" && value.trim() !== "")
      .map(([column, value]) => `${column}: ${value.trim()}`)
      .join("; "),
  );
  return `# ${name}\n\n${rows.filter(Boolean).join("\n\n")}\n`;
}

function unreadable(message: string): AppError {
  return new AppError("validation.failed", message);
}
