import type { DecisionMatch } from "@parley/contracts";
import type { TextFilter } from "../../../kernel/ai-stage.ts";
import { AppError } from "../../../kernel/app-error.ts";
import { mask } from "../detectors/redact.ts";
import { Restorer } from "../detectors/restorer.ts";
import { fingerprint, type DetectorMatch } from "../detectors/types.ts";
import { holdFrom } from "./checks.ts";
import type { Verdicts } from "./verdicts.ts";
import type { ActiveRule } from "./rule-book.ts";

/** Released text a detector still sees in front of the held tail (a secret's label, say). */
const CONTEXT_CHARS = 512;

/** What an answer guard needs for one call. */
export interface AnswerGuardOptions {
  /** Rules of the `during` tier that apply to the call. */
  during: readonly ActiveRule[];
  /** Rules of the `after` tier checked when the answer is complete (not those with a cost ceiling). */
  after: readonly ActiveRule[];
  /** Placeholders the prompt's redaction put in, to restore in what the caller sees. */
  restore: ReadonlyMap<string, string> | null;
  /** Whether the caller waits for the whole answer (an `after` rule can then still block it). */
  whole: boolean;
  /** Whether the call asked for JSON output. */
  json: boolean;
  verdicts: Verdicts;
  timeoutMs: number;
}

/**
 * The `during` and `after` tiers of one answer, as a text filter:
 *
 * 1. Text is held back only as far as a match could still be growing (each detector says how
 *    far: the current word for an e-mail address, up to 42 characters for an IBAN, a private
 *    key block until its footer), then checked together with the released text just before it,
 *    and released: masked where a `redact` rule matched. A `block` rule ends the answer with
 *    `governance.blocked` before any of the matched text is released, wherever the upstream
 *    split it; the text before the match still goes out first (nothing else is lost), and the
 *    error ends the answer at the next delta, tool call or its end.
 * 2. Tool-call arguments are checked whole, before they are sent.
 * 3. When the answer is complete, `after` rules check all of it: they block it if the caller
 *    waits for the whole answer, else record what they would have done.
 * 4. Last, placeholders of the prompt's redaction are put back (a rule never sees the user's
 *    own redacted data as the model's).
 */
export class AnswerGuard implements TextFilter {
  readonly #o: AnswerGuardOptions;
  readonly #restorer: Restorer | null;
  /**
   * What a check sees, raw, in one string: the released text's last {@link CONTEXT_CHARS} (in
   * view of the detectors), then the held text from {@link #base} on.
   */
  #text = "";
  /** Where the held text starts in {@link #text}. */
  #base = 0;
  /** The whole raw answer, kept only for `after` rules. */
  #answer = "";
  /** Raw characters released so far (for a `maxOutputTokens` ceiling while streaming). */
  #released = 0;
  /**
   * A block found in text that was held: the text before the match went out with the last
   * release, and this ends the answer when the pipeline next calls (held text is never released).
   */
  #blocked: AppError | null = null;

  constructor(options: AnswerGuardOptions) {
    this.#o = options;
    this.#restorer = options.restore && options.restore.size ? new Restorer(options.restore) : null;
  }

  push(text: string): string | Promise<string> {
    if (this.#blocked) throw this.#blocked;
    if (this.#o.after.length) this.#answer += text;
    // Without `during` rules nothing is held or checked while streaming.
    if (!this.#o.during.length) return this.#shown(text);
    this.#text += text;
    // Most deltas need no detector run (nothing a match could be in view): answered at once,
    // without a promise, on the hot path.
    const quick = this.#releaseQuickly();
    if (quick !== null) return this.#shown(quick);
    return this.#release(false).then((released) => this.#shown(released));
  }

  async flush(): Promise<string> {
    if (this.#blocked) throw this.#blocked;
    const last = await this.#release(true);
    await this.#checkAfter();
    return this.#shown(last) + (this.#restorer?.flush() ?? "");
  }

  async toolInput(input: string): Promise<string> {
    if (this.#blocked) throw this.#blocked;
    const masks: DetectorMatch[] = [];
    for (const rule of this.#o.during) {
      if (!rule.spec?.condition.detectors) continue;
      const found = await this.#o.verdicts.detect(rule, "during", input, this.#o.timeoutMs);
      if (found === null || !found.length) continue;
      if (rule.spec.condition.maxOutputTokens !== undefined) continue;
      const matches = found.map((m) => matchOf(input, m));
      const action = this.#o.verdicts.act(
        rule,
        "during",
        matches,
        `found ${kinds(found)} in tool-call arguments`,
      );
      if (action === "redact") masks.push(...found);
    }
    return masks.length ? mask(input, masks) : input;
  }

  /**
   * What can go out now when no rule needs a detector run or a ceiling check for it (so the
   * answer is the plain text); null when the full check must run.
   */
  #releaseQuickly(): string | null {
    const scan = this.#text;
    const base = this.#base;
    const cut = holdFrom(this.#o.during, scan);
    if (cut <= base) return "";
    for (const rule of this.#o.during) {
      const spec = rule.spec;
      if (!spec || spec.condition.maxOutputTokens !== undefined) return null;
      if (spec.condition.detectors && mayMatch(rule, scan, base, cut)) return null;
    }
    return this.#advance(scan, base, cut);
  }

  /**
   * Releases `scan[base, cut)` (where `scan` is {@link #text}): returns it, and keeps in view
   * what the next check needs.
   */
  #advance(scan: string, base: number, cut: number): string {
    this.#released += cut - base;
    const start = Math.max(0, cut - CONTEXT_CHARS);
    this.#text = start === 0 ? scan : scan.slice(start);
    this.#base = cut - start;
    return scan.slice(base, cut);
  }

  /** Checks and releases what can go out now (everything when `final`), raw and masked. */
  async #release(final: boolean): Promise<string> {
    if (!this.#o.during.length) return "";
    const scan = this.#text;
    const base = this.#base;
    let cut = final ? scan.length : holdFrom(this.#o.during, scan);
    if (cut <= base) return "";
    const masks: DetectorMatch[] = [];
    let blocked: AppError | null = null;
    /** Where the earliest text a `block` rule refused starts (nothing from there is released). */
    let blockAt = Infinity;
    for (const rule of this.#o.during) {
      const spec = rule.spec;
      if (!spec) continue;
      const ceiling = spec.condition.maxOutputTokens;
      let hits: DetectorMatch[] = [];
      if (spec.condition.detectors) {
        if (!mayMatch(rule, scan, base, cut)) continue;
        const found = await this.#o.verdicts.detect(rule, "during", scan, this.#o.timeoutMs);
        if (found === null) continue;
        hits = found.filter((m) => m.end > base && m.start < cut);
        if (!hits.length) continue;
      }
      if (ceiling !== undefined && estimateTokens(this.#released + (cut - base)) <= ceiling) continue;
      const reason = hits.length
        ? `found ${kinds(hits)} in the answer`
        : `the answer passed ${ceiling ?? 0} tokens`;
      let action;
      try {
        action = this.#o.verdicts.act(
          rule,
          "during",
          hits.map((m) => matchOf(scan, m)),
          reason,
        );
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== "governance.blocked") throw error;
        blocked ??= error;
        // A ceiling refuses everything not yet released; a match, the text from its start.
        blockAt = Math.min(blockAt, ...hits.map((m) => m.start), hits.length ? Infinity : base);
        continue;
      }
      // A match that runs past the cut is complete (it was found): it goes out with this part.
      for (const m of hits) cut = Math.max(cut, m.end);
      if (action === "redact") masks.push(...hits);
    }
    if (blocked) {
      // Release what comes before the refused text (masked as usual), then end the answer.
      // At the end of the answer there is no next call to end it from: the error goes now, and
      // the text before the match in this last part with it.
      cut = Math.min(cut, Math.max(base, blockAt));
      if (cut <= base || final) throw blocked;
      this.#blocked = blocked;
    }
    const raw = this.#advance(scan, base, cut);
    return masks.length
      ? mask(
          raw,
          masks.map((m) => ({ ...m, start: m.start - base, end: m.end - base })),
        )
      : raw;
  }

  /** `after` rules on the whole answer: block (a caller waiting for it) or record. */
  async #checkAfter(): Promise<void> {
    for (const rule of this.#o.after) {
      const spec = rule.spec;
      if (!spec) continue;
      const condition = spec.condition;
      const reasons: string[] = [];
      let matches: DecisionMatch[] = [];
      if (condition.detectors) {
        const found = await this.#o.verdicts.detect(rule, "after", this.#answer, this.#o.timeoutMs);
        if (found === null || !found.length) continue;
        matches = found.map((m) => matchOf(this.#answer, m));
        reasons.push(`found ${kinds(found)} in the answer`);
      }
      if (condition.maxOutputTokens !== undefined) {
        const tokens = estimateTokens(this.#answer.length);
        if (tokens <= condition.maxOutputTokens) continue;
        reasons.push(`the answer has about ${tokens} tokens, over ${condition.maxOutputTokens}`);
      }
      if (condition.requireValidJson) {
        if (!this.#o.json || isJson(this.#answer)) continue;
        reasons.push("the answer is not valid JSON, and JSON was asked for");
      }
      this.#o.verdicts.act(rule, "after", matches, reasons.join("; "), { canBlock: this.#o.whole });
    }
  }

  #shown(raw: string): string {
    if (raw === "" || !this.#restorer) return raw;
    return this.#restorer.push(raw);
  }
}

/** Tokens of `chars` characters, estimated as the rest of the pipeline does (4 a token). */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

export function matchOf(text: string, m: DetectorMatch): DecisionMatch {
  return { detector: m.detector, kind: m.kind, fingerprint: fingerprint(text, m) };
}

export function kinds(matches: readonly { kind: string }[]): string {
  return [...new Set(matches.map((m) => m.kind))].join(", ");
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Whether any of the rule's detectors may match across `text[from, to)` (see `Detector.mayMatch`). */
function mayMatch(rule: ActiveRule, text: string, from: number, to: number): boolean {
  if (rule.detectors instanceof Error) return true; // its check fails, as it must
  return rule.detectors.some((d) => d.mayMatch?.(text, from, to) ?? true);
}
