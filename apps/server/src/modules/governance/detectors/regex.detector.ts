import { RE2 } from "re2-wasm";
import { InvalidDetectorError } from "./invalid-detector.error.ts";
import { holdTrailingRun, type Detector, type DetectorMatch } from "./types.ts";

/**
 * The longest match a user pattern is assumed to span when a stream is held back. A pattern can
 * match longer text (`.*`); such a match is still found in a whole text, but in a stream only
 * while it fits in this window.
 */
export const REGEX_MAX_MATCH_LENGTH = 512;
const anyChar = (): boolean => true;

/** More matches than this in one text are not reported; one is enough to act on. */
export const REGEX_MAX_MATCHES = 10_000;

/**
 * Finds a user-given regular expression.
 *
 * Guard against catastrophic backtracking: the pattern runs on RE2 (`re2-wasm`, Google's engine
 * compiled to WebAssembly, no native build), whose matching time is linear in the text for every
 * pattern, so `(a+)+$` on a long run of `a`s costs what any pattern costs. A heuristic checker
 * (`safe-regex2`) was the other candidate, but it both rejects safe patterns and misses unsafe
 * ones; input length caps only bound the damage. The price: RE2 has no lookaround and no
 * backreferences, so such patterns are rejected as invalid, and the pattern must also be a valid
 * JavaScript `u`-mode expression (the web app shows and tests patterns with JavaScript).
 *
 * @throws InvalidDetectorError when the pattern is not valid or RE2 cannot run it
 * @example
 * await regexDetector("ticket-\\d+", "i").detect("see TICKET-42"); // [{ kind: "regex", start: 4, end: 13, … }]
 */
export function regexDetector(pattern: string, flags = ""): Detector {
  compiled(pattern, flags);
  return {
    id: "regex",
    kind: "regex",
    maxMatchLength: REGEX_MAX_MATCH_LENGTH,
    // A pattern can match any character: hold back as much as a match is assumed to span.
    holdFrom: (text) => holdTrailingRun(text, anyChar, REGEX_MAX_MATCH_LENGTH),
    detect(text: string): DetectorMatch[] {
      const matches: DetectorMatch[] = [];
      const unit = utf16Offsets(text);
      // Taken from the cache at each call (and compiled again if it was evicted meanwhile).
      const re = compiled(pattern, flags);
      re.lastIndex = 0;
      for (let m = re.exec(text); m && matches.length < REGEX_MAX_MATCHES; m = re.exec(text)) {
        const length = m[0]?.length ?? 0;
        if (length === 0) {
          // An empty match finds nothing to act on; step over it so the scan ends.
          re.lastIndex = m.index + 1;
          continue;
        }
        // RE2 counts code points; a match's offsets are UTF-16 units like every other detector's.
        const start = unit(m.index);
        matches.push({ detector: "regex", kind: "regex", start, end: start + length });
      }
      return matches;
    },
  };
}

/** Maps a code point offset in `text` to its UTF-16 offset (the identity without astral characters). */
function utf16Offsets(text: string): (codePoint: number) => number {
  if (!/[\uD800-\uDFFF]/.test(text)) return (i) => i;
  const units: number[] = [];
  let at = 0;
  for (const ch of text) {
    units.push(at);
    at += ch.length;
  }
  units.push(at);
  return (i) => units[i] ?? at;
}

/**
 * Compiled patterns, most recently used last. `re2-wasm` runs in a fixed 16 MB WebAssembly heap
 * that garbage collection never returns memory to: without a bound and an explicit free, a few
 * thousand compilations (a dry-run builds its rules' detectors on every call) exhaust it, and
 * every pattern of the process fails from then on.
 */
const CACHE = new Map<string, RE2>();
const CACHE_SIZE = 256;

/** The compiled pattern, from the cache or compiled now (evicting and freeing the oldest). */
function compiled(pattern: string, flags: string): RE2 {
  const key = `${flags}/${pattern}`;
  const hit = CACHE.get(key);
  if (hit) {
    CACHE.delete(key);
    CACHE.set(key, hit);
    return hit;
  }
  const re = compile(pattern, flags);
  CACHE.set(key, re);
  if (CACHE.size > CACHE_SIZE) {
    const [oldestKey, oldest] = CACHE.entries().next().value as [string, RE2];
    CACHE.delete(oldestKey);
    free(oldest);
  }
  return re;
}

/** Returns a pattern's memory to the WebAssembly heap (its embind wrapper's `delete`). */
function free(re: RE2): void {
  (re as unknown as { wrapper?: { delete?(): void } }).wrapper?.delete?.();
}

function compile(pattern: string, flags: string): RE2 {
  const unique = [...new Set(flags.replace(/[gu]/g, ""))].join("");
  try {
    new RegExp(pattern, `${unique}u`);
  } catch (cause) {
    throw new InvalidDetectorError(`not a valid regular expression: ${String(cause)}`, { cause });
  }
  try {
    return new RE2(pattern, `${unique}gu`);
  } catch (cause) {
    throw new InvalidDetectorError(
      `the pattern needs a feature the safe engine lacks (lookaround or backreferences): ${String(cause)}`,
      { cause },
    );
  }
}
