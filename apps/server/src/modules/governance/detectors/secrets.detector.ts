import { secretLintProfiler } from "@secretlint/profiler";
import { andThen, type MaybePromise } from "../../../kernel/maybe-promise.ts";
import { secretlintRanges } from "./secretlint-runner.ts";
import { byPosition, holdTrailingRun, isSpace, type Detector, type DetectorMatch } from "./types.ts";

/**
 * The longest token a stream holds back for secretlint's token rules (cloud keys, GitHub, Slack,
 * npm tokens are at most a few hundred characters, none with whitespace). A private key block
 * has whitespace in it: a stream holds from its header until its footer arrives.
 */
const SECRETS_STREAM_TOKEN_LENGTH = 1_024;
/**
 * An unfinished PEM header, or a private key block whose footer is not complete yet: a footer cut
 * short (`-----END RSA PRI`) still holds the block, else its body would go out before the
 * detector could see the whole block.
 */
const OPEN_KEY_BLOCK =
  /-----BEGIN(?:[A-Z0-9 ]*-{0,4}$|[A-Z0-9 ]* PRIVATE KEY(?:(?!-----END[A-Z0-9 ]*-----)[^])*$)/;

/**
 * Private key blocks may hold up to 10,000 characters of base64 in secretlint's rule; the other
 * tokens are a few hundred at most.
 */
const SECRETS_MAX_MATCH_LENGTH = 10_200;

/**
 * Finds credentials (cloud keys, GitHub, Slack, npm and many other tokens, private keys, basic-auth
 * URLs, …) with secretlint's recommended preset, a rule set that is kept up to date upstream.
 *
 * Cost, measured on Node 24 on the development machine (2 cores, 300 calls after warm-up, 2 KB
 * of text): 0.13 ms per call on prose, 0.17 ms on code full of quoted strings and ids; 0.27 ms in
 * a first, colder measurement (all with secretlint's profiler on, which was most of it: see
 * below). Cheap enough for every held-back window of a stream, but the
 * private-key rule makes the window up to 10 KB long, so scan on boundaries, not on every token.
 *
 * @example
 * await secretsDetector().detect("token ghp_…"); // [{ detector: "secrets", kind: "secret", … }]
 */
export function secretsDetector(): Detector {
  // secretlint profiles every lint by default: a `performance.mark` per rule and file, kept in
  // the profiler's arrays and Node's timeline for good, and an observer called for each. Measured
  // on the gateway's prompt (Node 24, 3,000 calls): 222 µs a call with it, 40 µs without, and
  // 214 MB more memory that is never given back. Nothing here reads the profile.
  secretLintProfiler.setEnabled(false);
  return {
    id: "secrets",
    kind: "secret",
    maxMatchLength: SECRETS_MAX_MATCH_LENGTH,
    detect(text: string): MaybePromise<DetectorMatch[]> {
      return andThen(secretlintRanges(text), (ranges) =>
        ranges
          .map((range): DetectorMatch => ({
            detector: "secrets",
            kind: "secret",
            start: range[0],
            end: toTokenEnd(text, range[1]),
          }))
          .sort(byPosition),
      );
    },
    mayMatch(text: string, from: number, to: number): boolean {
      return mayHoldSecret(text, from, to);
    },
    holdFrom(text: string): number {
      const token = holdTrailingRun(text, notSpace, SECRETS_STREAM_TOKEN_LENGTH);
      // A block's header is in view, or no block can be open (a cut header is in the token).
      if (!text.includes("-----B")) return token;
      const block = OPEN_KEY_BLOCK.exec(text.slice(-SECRETS_MAX_MATCH_LENGTH));
      if (!block) return token;
      return Math.min(token, Math.max(0, text.length - SECRETS_MAX_MATCH_LENGTH) + block.index);
    },
  };
}

const TOKEN_CHAR = /[A-Za-z0-9+/=_-]/;

/**
 * Moves a match's end to the end of the token it stops inside. secretlint's AWS secret access key
 * rule (13.0.7) reports a range as long as the key but starting at the `AWS_SECRET_ACCESS_KEY`
 * label, so its last characters would escape a redaction; covering the rest of the token fixes
 * that rule and costs nothing where a range already ends at a token's end.
 */
function toTokenEnd(text: string, end: number): number {
  let at = end;
  if (at === 0 || !TOKEN_CHAR.test(text.charAt(at - 1))) return at;
  while (at < text.length && TOKEN_CHAR.test(text.charAt(at))) at++;
  return at;
}

/**
 * The shortest token any rule of the preset matches: a basic-auth URL (`ftp://a:b@c.de`, 13
 * characters); cloud keys and service tokens run from 20 (an AWS key id) to over 100 characters,
 * and a private key's body lines are 64. Measured reason for this pre-check: secretlint's
 * `lintSource` costs 0.3–0.9 ms a call whatever the text's length, and a stream is checked at
 * every delta; prose rarely has 12 characters without a space, so most deltas skip it.
 */
const MIN_SECRET_TOKEN = 12;

/**
 * Whether a secret can overlap `text[from, to)`: some run of at least {@link MIN_SECRET_TOKEN}
 * non-space characters overlaps it, or a PEM marker (`-----`) is in view.
 */
export function mayHoldSecret(text: string, from: number, to: number): boolean {
  if (text.includes("-----")) return true;
  // Runs that overlap the part: from the start of the one `from` is in, to the end of the one
  // `to` is in.
  let at = Math.max(0, Math.min(from, text.length));
  while (at > 0 && !isSpace(text.charCodeAt(at - 1))) at--;
  let run = 0;
  for (; at < text.length; at++) {
    if (isSpace(text.charCodeAt(at))) {
      if (at >= to) return false;
      run = 0;
    } else if (++run >= MIN_SECRET_TOKEN) return true;
  }
  return false;
}

function notSpace(code: number): boolean {
  return !isSpace(code);
}
