/**
 * The governance conformance suite's data: payloads, the dimensions cases are generated from, the
 * deterministic subset that is run, and the one definition of a leak. See conformance.test.ts.
 */
import { splitText } from "../fake-upstream/text.ts";

/** Something a rule must stop: its text, what the redaction mark names, and its secret part. */
export interface Payload {
  name: string;
  value: string;
  /** The kind a mask names: `[redacted <kind>]`; a prompt placeholder is `<KIND_n>`. */
  kind: "secret" | "email" | "card" | "iban" | "phone" | "ip";
  /** The part of `value` no client may see any 6-character piece of (a public prefix left out). */
  secret: string;
}

// Obviously fake values in shapes the detectors know (assembled, so that no scanner of this
// repository mistakes the test for a leak). Each is checked by the dry-run first.
const GITHUB = ["ghp_", "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO", "0pINUx"].join("");
const AWS = ["AKIA", "QYLPMN5HFIQRTXMA"].join("");
const SLACK = ["xoxb-", "123456789012-1234567890123-", "AbCdEfGhIjKlMnOpQrStUvWx"].join("");
const NPM = ["npm_", "Zq8rT2vX9wL4mN6bC1dF3gH5jK7pS0aE1yU2"].join("");
const PEM_BODY = [
  "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
  "QmFzZTY0RmFrZUtleU1hdGVyaWFsRm9yUGFybGV5Q29uZm9ybWFuY2VUZXN0czE",
  "U29tZU1vcmVGYWtlS2V5Qnl0ZXNUaGF0QXJlTm90QVJlYWxLZXlBdEFsbDEyMzQ",
].join("\n");
const PEM = [
  ["-----BEGIN RSA ", "PRIVATE KEY-----"].join(""),
  PEM_BODY,
  ["-----END RSA ", "PRIVATE KEY-----"].join(""),
].join("\n");

export const PAYLOADS: readonly Payload[] = [
  { name: "GitHub token", value: GITHUB, kind: "secret", secret: GITHUB.slice(4) },
  { name: "AWS access key id", value: AWS, kind: "secret", secret: AWS.slice(4) },
  { name: "Slack token", value: SLACK, kind: "secret", secret: SLACK.slice(5) },
  { name: "npm token", value: NPM, kind: "secret", secret: NPM.slice(4) },
  { name: "PEM private key", value: PEM, kind: "secret", secret: PEM_BODY },
  { name: "e-mail", value: "ann.lee@example.org", kind: "email", secret: "ann.lee@example.org" },
  { name: "card spaced", value: "4539 1488 0343 6467", kind: "card", secret: "4539 1488 0343 6467" },
  { name: "card compact", value: "5274186903528177", kind: "card", secret: "5274186903528177" },
  {
    name: "IBAN print",
    value: "DE89 3704 0044 0532 0130 00",
    kind: "iban",
    secret: "DE89 3704 0044 0532 0130 00",
  },
  { name: "phone +44", value: "+44 20 7946 0958", kind: "phone", secret: "+44 20 7946 0958" },
  { name: "IPv4", value: "203.0.113.77", kind: "ip", secret: "203.0.113.77" },
  { name: "IPv6", value: "2001:db8:85a3::8a2e:370:7334", kind: "ip", secret: "2001:db8:85a3::8a2e:370:7334" },
];

/** The rule condition every group uses: secretlint's preset and every PII kind. */
export const DETECTORS = {
  detectors: [{ type: "secrets" }, { type: "pii", kinds: ["email", "phone", "card", "iban", "ip"] }],
};

/** Where the payload is: in the prompt, or in the answer at its very start, middle or very end. */
export type Position = "prompt" | "answer-start" | "answer-middle" | "answer-end";
export const POSITIONS: readonly Position[] = ["prompt", "answer-start", "answer-middle", "answer-end"];

/**
 * How the upstream splits the answer (or the tool-call arguments): one character a delta, about
 * 3 or 5 characters a delta (never aligned with the payload), or one delta for all of it.
 */
export type Chunking = "1-char" | "3-char" | "5-char" | "whole";
export const CHUNKINGS: readonly Chunking[] = ["1-char", "3-char", "5-char", "whole"];

export type Surface = "chat SSE" | "/v1 streamed" | "/v1 non-streamed";
export const SURFACES: readonly Surface[] = ["chat SSE", "/v1 streamed", "/v1 non-streamed"];

export type Action = "block" | "redact";
export const ACTIONS: readonly Action[] = ["block", "redact"];

/** The text around an answer's payload and the question asked for it. */
export const LEAD = "Here is what you asked for: ";
export const TAIL = " and that is all for today.";
export const QUESTION = "What should I use?";
/** The prompt a prompt case sends (the fake upstream echoes it back: see ECHO). */
export const promptWith = (value: string) => `Please keep this safe: ${value} and answer briefly.`;
export const ECHO = (prompt: string) => `You wrote: ${prompt} Done.`;

/** What the upstream answers in a case (for a prompt case, the echo of the prompt as sent). */
export function answerText(position: Exclude<Position, "prompt">, value: string): string {
  if (position === "answer-start") return `${value}${TAIL}`;
  if (position === "answer-end") return `${LEAD}${value}`;
  return `${LEAD}${value}${TAIL}`;
}

/** The text before the payload, which must reach the client in full even when the answer is blocked. */
export function before(position: Exclude<Position, "prompt">): string {
  return position === "answer-start" ? "" : LEAD;
}

/** What the client must see of a masked answer. */
export function masked(position: Exclude<Position, "prompt">, kind: string): string {
  return answerText(position, `[redacted ${kind}]`);
}

/**
 * The fake upstream's `chunks` for a text: exactly one delta per character, about 3 or 5
 * characters a delta, or a single delta. With more deltas than words the fake splits by
 * characters, so the payload is cut (tests assert it).
 */
export function chunksFor(chunking: Chunking, text: string): number {
  switch (chunking) {
    case "1-char":
      return text.length;
    case "3-char":
      return Math.ceil(text.length / 3);
    case "5-char":
      return Math.ceil(text.length / 5);
    case "whole":
      return 1;
  }
}

/** Whether the fake's split of `text` into `chunks` cuts the span [start, end) at least once. */
export function cutsPayload(text: string, chunks: number, start: number, end: number): boolean {
  let at = 0;
  for (const piece of splitText(text, chunks)) {
    at += piece.length;
    if (at > start && at < end) return true;
  }
  return false;
}

/** One generated case. */
export interface Case {
  name: string;
  payload: Payload;
  position: Position;
  chunking: Chunking;
  surface: Surface;
  action: Action;
}

/** A tool-call case: the payload is the whole value of the argument the model calls with. */
export interface ToolCase {
  name: string;
  payload: Payload;
  chunking: Chunking;
  surface: Exclude<Surface, "chat SSE">;
  action: Action;
}

/** An `after`-tier case: the whole answer is checked and a non-streamed call blocked. */
export interface AfterCase {
  name: string;
  payload: Payload;
  position: Exclude<Position, "prompt">;
  chunking: Chunking;
}

const nameOf = (parts: string[]) => parts.join(" × ");

/**
 * The text cases: every payload × position × surface × action, with the chunking rotated by
 * `(payload index + position index) % 4`. So for each position, surface and action every chunking
 * runs (with 3 payloads each), and every payload meets every chunking. The full product with
 * chunking would be 4 times as many calls for little more coverage. Deterministic: same list,
 * same order on every run.
 */
export function textCases(): Case[] {
  const cases: Case[] = [];
  for (const action of ACTIONS)
    for (const [s, surface] of SURFACES.entries())
      for (const [p, payload] of PAYLOADS.entries())
        for (const [q, position] of POSITIONS.entries()) {
          const chunking = CHUNKINGS[(p + q + s) % CHUNKINGS.length] as Chunking;
          cases.push({
            name: nameOf([action, position, payload.name, chunking, surface]),
            payload,
            position,
            chunking,
            surface,
            action,
          });
        }
  return cases;
}

/** Tool-call cases: every payload × /v1 streamed and not × block and redact, chunking rotated. */
export function toolCases(): ToolCase[] {
  const cases: ToolCase[] = [];
  for (const action of ACTIONS)
    for (const [s, surface] of (["/v1 streamed", "/v1 non-streamed"] as const).entries())
      for (const [p, payload] of PAYLOADS.entries()) {
        const chunking = CHUNKINGS[(p + s) % CHUNKINGS.length] as Chunking;
        cases.push({
          name: nameOf([action, "tool-call arguments", payload.name, chunking, surface]),
          payload,
          chunking,
          surface,
          action,
        });
      }
  return cases;
}

/** After-tier block cases: every payload × answer position, non-streamed `/v1`, chunking rotated. */
export function afterCases(): AfterCase[] {
  const cases: AfterCase[] = [];
  for (const [p, payload] of PAYLOADS.entries())
    for (const [q, position] of (["answer-start", "answer-middle", "answer-end"] as const).entries()) {
      const chunking = CHUNKINGS[(p + q) % CHUNKINGS.length] as Chunking;
      cases.push({
        name: nameOf(["after block", position, payload.name, chunking, "/v1 non-streamed"]),
        payload,
        position,
        chunking,
      });
    }
  return cases;
}

/** The shortest piece of a payload's secret part that counts as leaked. */
export const LEAK_FRAGMENT_CHARS = 6;

/**
 * THE definition of a leak, used for every check of the suite.
 *
 * `views` are what a party saw (the client: the raw `/v1` SSE text and the text decoded from it,
 * every chat SSE event as JSON and the stored answer, the non-streamed JSON body and the text the
 * SDK decoded; the provider: the request bodies it received). It leaked the payload when a view
 * contains:
 * - the payload's whole value, or
 * - any piece of LEAK_FRAGMENT_CHARS (6) or more characters of its secret part (the value without
 *   a public prefix such as `ghp_`), unless that piece also occurs in `allowed` (the text the case
 *   put around the payload, which the client may see anyway),
 *
 * each also in its JSON-escaped form (a multi-line key inside a JSON string has `\n` for its line
 * breaks). Every longer fragment contains a 6-character one, so checking 6-character windows is
 * enough. Returns the first leaked piece (to report), or null.
 */
export function findLeak(
  views: readonly string[],
  payload: Payload,
  allowed: readonly string[],
): string | null {
  const forms = [payload.value, JSON.stringify(payload.value).slice(1, -1)];
  const pieces = new Set<string>();
  for (const secret of [payload.secret, JSON.stringify(payload.secret).slice(1, -1)])
    for (let i = 0; i + LEAK_FRAGMENT_CHARS <= secret.length; i++)
      pieces.add(secret.slice(i, i + LEAK_FRAGMENT_CHARS));
  for (const piece of [...pieces]) if (allowed.some((a) => a.includes(piece))) pieces.delete(piece);
  for (const view of views) {
    for (const form of forms) if (view.includes(form)) return form;
    for (const piece of pieces) if (view.includes(piece)) return piece;
  }
  return null;
}
