import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { lintSource } from "@secretlint/core";
import type { MaybePromise } from "../../../kernel/maybe-promise.ts";
import { rules as presetRules } from "@secretlint/secretlint-rule-preset-recommend";
import type {
  SecretLintCoreConfig,
  SecretLintRuleContext,
  SecretLintRuleCreator,
  SecretLintRuleReportHandler,
  SecretLintSourceCode,
} from "@secretlint/types";
import { NEEDLES_PRESET_VERSION, RULE_NEEDLES, needleScan } from "./secretlint-needles.ts";

/** The options of the recommended preset's rules that differ from their defaults. */
const RULE_OPTIONS: Readonly<Record<string, object>> = {
  // AWS access key ids (AKIA…) are off in the preset because they are not secret on their own;
  // in a prompt to a third party they are still worth stopping.
  "@secretlint/secretlint-rule-aws": { enableIDScanRule: true },
};

/**
 * The preset's rule that honours `secretlint-disable` comments in the scanned text. A prompt or an
 * answer is not a source file its author vouches for: a comment in it must not switch the check
 * off, so this rule is left out on both paths.
 */
const COMMENT_FILTER_ID = "@secretlint/secretlint-rule-filter-comments";

/** The preset's rules, without the comment filter. */
const RULES = (presetRules as SecretLintRuleCreator<object>[]).filter(
  (rule) => rule.meta.id !== COMMENT_FILTER_ID,
);

/**
 * The same rules for {@link lintSource} (the slow path), one by one rather than as the preset
 * (a preset's rule cannot be switched off there).
 */
const CONFIG: SecretLintCoreConfig = {
  rules: RULES.map((rule) => ({ id: rule.meta.id, rule, options: RULE_OPTIONS[rule.meta.id] ?? {} })),
};

/** A range a rule reported or asked to ignore, with its rule. */
interface Report {
  readonly ruleId: string;
  readonly range: readonly [number, number];
  readonly key: string;
}
interface Ignore {
  readonly targetRuleId: string | undefined;
  readonly range: readonly [number, number];
}
interface Sink {
  reports: Report[];
  ignores: Ignore[];
}

/**
 * The one lint running now: rules report into it while their (synchronous) handlers run. Null
 * between lints: a report then can only come from a handler that went asynchronous, and the
 * lint it belongs to was handed to secretlint itself (see {@link secretlintRanges}).
 */
let current: Sink | null = null;

/** A rule's context for the whole process: its reports go to the lint running now. */
function contextFor(ruleId: string): SecretLintRuleContext {
  return {
    sharedOptions: {},
    createTranslator: ((messages: unknown) => (messageId: string, data?: unknown) => ({
      message: messageId,
      messageId,
      data,
      messages,
    })) as never,
    report(descriptor) {
      if (!current) return;
      const { messageId, data } = descriptor.message as { messageId: string; data?: unknown };
      current.reports.push({
        ruleId,
        range: descriptor.range,
        key: `${ruleId}\u0000${messageId}\u0000${JSON.stringify(data ?? null)}`,
      });
    },
    ignore(descriptor) {
      if (!current) return;
      current.ignores.push({ targetRuleId: descriptor.targetRuleId, range: descriptor.range });
    },
  };
}

/** The installed preset's version, or null when it cannot be read (then every rule runs). */
export function installedPresetVersion(): string | null {
  try {
    const entry = createRequire(import.meta.url).resolve("@secretlint/secretlint-rule-preset-recommend");
    const manifest = readFileSync(new URL("../package.json", pathToFileURL(entry)), "utf8");
    return (JSON.parse(manifest) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

/** Whether the needle table was read off the installed rules (else no rule is skipped). */
const NEEDLES_APPLY = installedPresetVersion() === NEEDLES_PRESET_VERSION;

/** The preset's rules for text. */
const FOR_TEXT = RULES.filter((rule) =>
  rule.meta.supportedContentTypes.some((t) => t === "text" || t === "all"),
);

/** Their handlers, set up once (secretlint's `lintSource` sets all of them up per call). */
const HANDLERS: readonly SecretLintRuleReportHandler[] = FOR_TEXT.map((rule) =>
  rule.create(contextFor(rule.meta.id), RULE_OPTIONS[rule.meta.id] ?? {}),
);

/** Which of them may report on a text (one scan for all; a rule without needles always runs). */
const MAY_REPORT = needleScan(
  FOR_TEXT.map((rule) => (NEEDLES_APPLY ? (RULE_NEEDLES[rule.meta.id] ?? null) : null)),
);

/**
 * The ranges secretlint's recommended preset reports in `text`, as `lintSource` finds them with
 * the same configuration, without setting up its ~25 rules, their contexts and an event emitter
 * per call: the rules are set up once, and their handlers (synchronous for text) run in a row,
 * each only on a text that holds one of its needles (see secretlint-needles.ts).
 * Text for which a handler went asynchronous takes `lintSource` itself (the only case answered
 * with a promise). Comment directives (`secretlint-disable`) are not honoured on either path
 * (see {@link COMMENT_FILTER_ID}).
 *
 * @example
 * secretlintRanges("key AKIAIOSFODNN7EXAMPLE"); // [[4, 24]]
 */
export function secretlintRanges(text: string): MaybePromise<(readonly [number, number])[]> {
  const hasBOM = text.charCodeAt(0) === 0xfeff;
  const source = sourceOf(hasBOM ? text.slice(1) : text, hasBOM);
  const sink: Sink = { reports: [], ignores: [] };
  let wentAsync = false;
  current = sink;
  try {
    const mayReport = MAY_REPORT(text);
    for (let i = 0; i < HANDLERS.length; i++) {
      if (mayReport[i] !== 1) continue;
      const result: unknown = HANDLERS[i]?.file?.(source);
      if (result && typeof (result as PromiseLike<void>).then === "function") {
        wentAsync = true;
        // Its reports would come after this lint: let secretlint run the whole text itself.
        (result as Promise<void>).catch(() => undefined);
      }
    }
  } finally {
    current = null;
  }
  if (wentAsync) return slowRanges(text);
  return cleanup(sink);
}

/**
 * secretlint's own run (`lintSource`), for what the fast path does not take on; exported for
 * the test that holds the fast path to it.
 */
export async function slowRanges(text: string): Promise<(readonly [number, number])[]> {
  const result = await lintSource({
    source: { content: text, filePath: "/input.txt", contentType: "text" },
    options: { config: CONFIG, noPhysicFilePath: true, maskSecrets: true },
  });
  return result.messages.map((m) => m.range);
}

/** What `lintSource` keeps of the reports: not in an ignored range, no duplicates. */
function cleanup(sink: Sink): (readonly [number, number])[] {
  const within = (index: number, range: readonly [number, number]) => range[0] <= index && index <= range[1];
  const kept = sink.reports.filter(
    (r) =>
      !sink.ignores.some(
        (i) =>
          within(r.range[0], i.range) &&
          within(r.range[1], i.range) &&
          (!i.targetRuleId || i.targetRuleId === "*" || i.targetRuleId === r.ruleId),
      ),
  );
  const seen = new Set<string>();
  const out: (readonly [number, number])[] = [];
  for (const r of kept) {
    const key = `${r.range[0]}:${r.range[1]}:${r.key}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r.range);
  }
  return out;
}

/** A source as `lintSource` gives rules a text (no positions: only the comment filter, left out, needs them). */
function sourceOf(content: string, hasBOM: boolean): SecretLintSourceCode {
  const noPositions = (): never => {
    throw new Error("line positions are not available on the fast path");
  };
  return {
    hasBOM,
    content,
    filePath: "/input.txt",
    physicalFilePath: undefined,
    contentType: "text",
    ext: "",
    getFilePath: () => "/input.txt",
    getPhysicalFilePath: () => undefined,
    locationToRange: noPositions,
    rangeToLocation: noPositions,
    positionToIndex: noPositions,
    indexToPosition: noPositions,
  };
}
