import type { FakeBehaviour, RequestBody, RequestSettings } from "./behaviour.ts";
import { isRecord } from "./text.ts";

/** The text of a message content: a string, or the `text` of its parts (OpenAI and Anthropic). */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join("\n");
}

/** The system text of a request: OpenAI's `system` and `developer` messages, Anthropic's `system`. */
function systemText(body: RequestBody): string {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const fromMessages = messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .map((m) => contentText(m.content));
  return [contentText(body.system), ...fromMessages].join("\n");
}

/**
 * The `cite` reply: one sentence per numbered source the system prompt lists (a line that starts
 * with `[n]`, the rest of the line naming it), each citing it, in the order listed; without such
 * lines, a sentence saying there is nothing to cite.
 * @example
 * citingText({ messages: [{ role: "system", content: "[1] Guide › Setup\nInstall it." }] })
 * // "From Guide › Setup [1]."
 */
export function citingText(body: RequestBody): string {
  const seen = new Set<string>();
  const sentences: string[] = [];
  for (const line of systemText(body).split("\n")) {
    const match = /^\[(\d+)\]\s*(.*)$/.exec(line.trim());
    if (!match?.[1] || seen.has(match[1])) continue;
    seen.add(match[1]);
    sentences.push(`From ${match[2] || `source ${match[1]}`} [${match[1]}].`);
  }
  return sentences.length ? sentences.join(" ") : "There are no numbered sources to cite.";
}

/** The answer text of a request: the `cite` reply, else `textFor`'s, else the configured text. */
export function answerText(body: RequestBody, behaviour: FakeBehaviour, settings: RequestSettings): string {
  if (settings.reply === "cite") return citingText(body);
  return behaviour.textFor ? behaviour.textFor(body) : behaviour.text;
}
