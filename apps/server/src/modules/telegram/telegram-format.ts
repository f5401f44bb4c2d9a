import type { List, Nodes, Parents, RootContent } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { toString } from "mdast-util-to-string";
import { gfm } from "micromark-extension-gfm";

/** Telegram's limit on one message's text. */
export const TELEGRAM_MAX_CHARS = 4096;

/** `text` with the three characters Telegram's HTML parse mode reserves escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const SAFE_LINK = /^(https?:|tg:|mailto:)/i;

/**
 * Markdown (as models write it, GFM) as Telegram HTML, in messages of at most `max` characters:
 * the subset Telegram renders (bold, italic, strikethrough, code, pre with a language, links,
 * block quotes) from the syntax tree; headings in bold, lists with bullets or numbers, tables as
 * ` | `-separated lines; everything else escaped as text. Messages break between blocks; a block
 * longer than a message breaks at a line or a space (a code block into several `<pre>`).
 * @example
 * toTelegramMessages("**Hi** `x`") // ["<b>Hi</b> <code>x</code>"]
 */
export function toTelegramMessages(markdown: string, max = TELEGRAM_MAX_CHARS): string[] {
  const root = fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  const pieces = root.children.flatMap((block) =>
    blockPieces(block, max).map((html, i) => ({ html, separator: i === 0 ? "\n\n" : "\n" })),
  );
  const messages: string[] = [];
  let current = "";
  for (const { html, separator } of pieces) {
    const joined = current ? `${current}${separator}${html}` : html;
    if (joined.length <= max) current = joined;
    else {
      if (current) messages.push(current);
      current = html;
    }
  }
  if (current) messages.push(current);
  return messages.length ? messages : markdown.trim() ? splitEscaped(markdown, max) : [];
}

/** One block as HTML pieces of at most `max` characters each. */
function blockPieces(block: RootContent, max: number): string[] {
  const html = render(block);
  if (html.length <= max) return [html];
  // A long list breaks between its items (each item as it renders, with its bullet or number).
  if (block.type === "list")
    return listItems(block).flatMap((item) => (item.length <= max ? [item] : splitLoose(item, max)));
  if (block.type === "code") {
    const open = codeOpen(block.lang);
    const room = max - open.length - "</code></pre>".length;
    return splitEscaped(block.value, room).map((part) => `${open}${part}</code></pre>`);
  }
  return splitEscaped(plainOf(block), max);
}

/** An oversized rendered piece as plain escaped text (its formatting dropped), in parts. */
function splitLoose(html: string, max: number): string[] {
  return splitEscaped(unescapeHtml(html.replace(/<[^>]+>/g, "")), max);
}

/** A block's text with its paragraphs and items on their own lines (not glued together). */
function plainOf(block: RootContent): string {
  return unescapeHtml(render(block).replace(/<[^>]+>/g, ""));
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}

/**
 * `text` escaped, in parts of at most `max` characters once escaped, broken at the last line
 * break, else the last space, that fits (else within a word).
 */
export function splitEscaped(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    let end = 0;
    let size = 0;
    while (end < rest.length) {
      const add = escapeHtml(rest.charAt(end)).length;
      if (size + add > max) break;
      size += add;
      end++;
    }
    if (end < rest.length) {
      const slice = rest.slice(0, end);
      const at = Math.max(slice.lastIndexOf("\n"), slice.lastIndexOf(" "));
      if (at > end / 2) end = at + 1;
      // Never split a surrogate pair.
      const code = rest.charCodeAt(end - 1);
      if (code >= 0xd800 && code <= 0xdbff && end > 1) end--;
    }
    const part = rest.slice(0, end).trim();
    if (part) parts.push(escapeHtml(part));
    rest = rest.slice(end);
  }
  return parts;
}

function codeOpen(lang: string | null | undefined): string {
  const safe = lang && /^[A-Za-z0-9_+-]{1,30}$/.test(lang) ? lang : null;
  return safe ? `<pre><code class="language-${safe}">` : "<pre><code>";
}

/** A list's items, rendered, each with its bullet, number or checkbox. */
function listItems(node: List): string[] {
  return node.children.map((item, i) => {
    const mark =
      item.checked === true
        ? "☑"
        : item.checked === false
          ? "☐"
          : node.ordered
            ? `${(node.start ?? 1) + i}.`
            : "•";
    const body = item.children.map((c) => render(c)).join("\n");
    return `${mark} ${body.replace(/\n/g, "\n  ")}`;
  });
}

function children(node: Parents, separator = ""): string {
  return node.children.map((child) => render(child as Nodes)).join(separator);
}

function render(node: Nodes): string {
  switch (node.type) {
    case "root":
    case "blockquote":
      return node.type === "root"
        ? children(node, "\n\n")
        : `<blockquote>${children(node, "\n")}</blockquote>`;
    case "paragraph":
      return children(node);
    case "heading":
      return `<b>${children(node)}</b>`;
    case "text":
      return escapeHtml(node.value);
    case "emphasis":
      return `<i>${children(node)}</i>`;
    case "strong":
      return `<b>${children(node)}</b>`;
    case "delete":
      return `<s>${children(node)}</s>`;
    case "inlineCode":
      return `<code>${escapeHtml(node.value)}</code>`;
    case "code":
      return `${codeOpen(node.lang)}${escapeHtml(node.value)}</code></pre>`;
    case "break":
      return "\n";
    case "thematicBreak":
      return "———";
    case "link":
      return SAFE_LINK.test(node.url)
        ? `<a href="${escapeHtml(node.url).replace(/"/g, "&quot;")}">${children(node)}</a>`
        : children(node);
    case "image":
      return escapeHtml(node.alt ?? node.url);
    case "list":
      return listItems(node).join("\n");
    case "table":
      return node.children
        .map((row) => row.children.map((cell) => children(cell).trim()).join(" | "))
        .join("\n");
    default:
      return escapeHtml(toString(node));
  }
}
