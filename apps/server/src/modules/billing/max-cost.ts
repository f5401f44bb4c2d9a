import { countTokens } from "gpt-tokenizer";
import type { ModelPrice } from "../../kernel/ai-call.ts";
import type { StageCall } from "../../kernel/ai-stage.ts";

/** Runs without whitespace longer than this are counted in slices (o200k is slow on them). */
const MAX_RUN = 256;
const LONG_RUN = new RegExp(`(\\S{${MAX_RUN}})`);
/** What a chat message costs beyond its text (role, separators), generously. */
const PER_MESSAGE_TOKENS = 4;

/**
 * An upper bound of a text's tokens: the o200k count (`gpt-tokenizer`), and never less than one
 * token per four characters, since other tokenizers (Anthropic's, a local model's) may count more.
 */
export function promptTokensBound(text: string): number {
  let counted = 0;
  if (!LONG_RUN.test(text)) counted = countTokens(text);
  else for (const part of text.split(LONG_RUN)) if (part) counted += countTokens(part);
  return Math.max(counted, Math.ceil(text.length / 4));
}

/** The call's input tokens, bounded from above. */
export function inputTokensOf(call: StageCall): number {
  if (call.operation === "embedding") return call.values.reduce((n, v) => n + promptTokensBound(v), 0);
  let total = 3;
  for (const m of call.prompt) {
    const text =
      typeof m.content === "string" ? m.content : m.content.map((p) => ("text" in p ? p.text : "")).join("");
    total += promptTokensBound(text) + PER_MESSAGE_TOKENS;
  }
  return total;
}

/**
 * Micro-units of `tokens` at `perMTok` currency units per million: exactly `tokens × perMTok`
 * (a million tokens at 1 unit is 1,000,000 micro-units), rounded up.
 * @example priceMicros(1_000, 2.5) // 2500
 */
export function priceMicros(inputTokens: number, outputTokens: number, price: ModelPrice): number {
  return Math.ceil(inputTokens * price.inputPerMTok + outputTokens * price.outputPerMTok);
}
