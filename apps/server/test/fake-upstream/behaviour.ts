import type { IncomingHttpHeaders } from "node:http";
import { DEFAULT_TEXT } from "./text.ts";

/** The faults the fake upstream can play; see README.md for what each looks like on the wire. */
export const FAULTS = ["429", "500", "hang", "hang-after-first", "cut", "malformed", "no-finish"] as const;

/** One fault the fake upstream can play. */
export type Fault = (typeof FAULTS)[number];

/**
 * What an answer says: `text` (the configured text, or `textFor`'s), or `cite`, which cites the
 * numbered sources the request's system prompt lists (lines that start with `[n]`), as a
 * retrieval-augmented model is asked to; or `plain`, the text as it is even when the request asks
 * for JSON or offers tools (a model that ignores the format); see README.md.
 */
export const REPLIES = ["text", "cite", "plain"] as const;

/** One kind of answer; see {@link REPLIES}. */
export type Reply = (typeof REPLIES)[number];

/** A parsed JSON request body. */
export type RequestBody = Readonly<Record<string, unknown>>;

/** How the fake upstream answers; every field can be changed at run time with `configure`. */
export interface FakeBehaviour {
  /** The answer text. Default: {@link DEFAULT_TEXT}, 50 words. */
  readonly text: string;
  /** Computes the answer text from the request body; wins over `text` when set. */
  readonly textFor: ((body: RequestBody) => string) | undefined;
  /** `cite` answers by citing the system prompt's numbered sources instead. Default `text`. */
  readonly reply: Reply;
  /** Number of content deltas a streamed answer is split into. Default 50. */
  readonly chunks: number;
  /** Pause between two content deltas, in ms. Default 0. */
  readonly chunkDelayMs: number;
  /** Pause before the response headers and the first delta, in ms. Default 0. */
  readonly firstTokenDelayMs: number;
  /** The models `/v1/models` lists and the endpoints accept. Default `fake-model`, `fake-large`. */
  readonly models: readonly string[];
  /** Length of the vectors `/v1/embeddings` returns. Default 8. */
  readonly embeddingDimensions: number;
  /** When set, requests must carry it (`Authorization: Bearer` or `x-api-key`) or get a 401. */
  readonly apiKey: string | undefined;
  /** A fault played on every generation request. Default none. */
  readonly fault: Fault | undefined;
}

/** Options of `startFakeUpstream`: the initial behaviour plus where to listen. */
export interface FakeUpstreamOptions extends Partial<FakeBehaviour> {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number;
}

/** The behaviour of one request after directives, headers and injected faults are applied. */
export interface RequestSettings {
  /** The model name without its `@directives`. */
  readonly model: string;
  readonly chunks: number;
  readonly chunkDelayMs: number;
  readonly firstTokenDelayMs: number;
  /** Length of the vectors `/v1/embeddings` answers (the request's `dimensions` wins over it). */
  readonly dimensions: number;
  readonly fault: Fault | undefined;
  readonly reply: Reply;
}

/** The defaults, as documented in README.md. */
export const DEFAULT_BEHAVIOUR: FakeBehaviour = {
  text: DEFAULT_TEXT,
  textFor: undefined,
  reply: "text",
  chunks: 50,
  chunkDelayMs: 0,
  firstTokenDelayMs: 0,
  models: ["fake-model", "fake-large"],
  embeddingDimensions: 8,
  apiKey: undefined,
  fault: undefined,
};

type Overrides = { -readonly [K in keyof Omit<RequestSettings, "model">]?: RequestSettings[K] };

const DIRECTIVES = {
  chunks: "chunks",
  delay: "chunkDelayMs",
  ttft: "firstTokenDelayMs",
  dims: "dimensions",
  fault: "fault",
  reply: "reply",
} as const satisfies Record<string, keyof Overrides>;

function isDirective(key: string): key is keyof typeof DIRECTIVES {
  return Object.hasOwn(DIRECTIVES, key);
}

function isFault(value: string): value is Fault {
  return (FAULTS as readonly string[]).includes(value);
}

function isReply(value: string): value is Reply {
  return (REPLIES as readonly string[]).includes(value);
}

/** Returns an error message, or undefined once `value` is stored in `into`. */
function applyDirective(into: Overrides, key: string, value: string): string | undefined {
  if (!isDirective(key)) return `unknown directive "${key}" (known: ${Object.keys(DIRECTIVES).join(", ")})`;
  const field = DIRECTIVES[key];
  if (field === "fault") {
    if (!isFault(value)) return `unknown fault "${value}" (known: ${FAULTS.join(", ")})`;
    into.fault = value;
    return undefined;
  }
  if (field === "reply") {
    if (!isReply(value)) return `unknown reply "${value}" (known: ${REPLIES.join(", ")})`;
    into.reply = value;
    return undefined;
  }
  const number = Number(value);
  const min = field === "chunks" || field === "dimensions" ? 1 : 0;
  if (value === "" || !Number.isInteger(number) || number < min) {
    return `directive ${key} must be an integer >= ${min}, got "${value}"`;
  }
  into[field] = number;
  return undefined;
}

/**
 * Works out how one request is answered. Precedence, lowest first: the configured behaviour,
 * `x-fake-<directive>` headers, then `@directives` in the model name (a fault injected with `fail`
 * wins over all of them, see route-context.ts).
 * @example
 * resolveSettings(DEFAULT_BEHAVIOUR, "fake-model@chunks=5,fault=cut", {});
 * // { model: "fake-model", chunks: 5, chunkDelayMs: 0, firstTokenDelayMs: 0, dimensions: 8, fault: "cut", reply: "text" }
 */
export function resolveSettings(
  behaviour: FakeBehaviour,
  requestedModel: string,
  headers: IncomingHttpHeaders,
): RequestSettings | { readonly error: string } {
  const overrides: Overrides = {};
  for (const key of Object.keys(DIRECTIVES)) {
    const header = headers[`x-fake-${key}`];
    if (typeof header !== "string") continue;
    const error = applyDirective(overrides, key, header.trim());
    if (error) return { error: `header x-fake-${key}: ${error}` };
  }
  const at = requestedModel.indexOf("@");
  const model = at === -1 ? requestedModel : requestedModel.slice(0, at);
  if (at !== -1) {
    for (const part of requestedModel.slice(at + 1).split(",")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const error =
        eq === -1
          ? `directive "${part}" must look like key=value`
          : applyDirective(overrides, part.slice(0, eq).trim(), part.slice(eq + 1).trim());
      if (error) return { error: `model ${requestedModel}: ${error}` };
    }
  }
  return {
    model,
    chunks: overrides.chunks ?? behaviour.chunks,
    chunkDelayMs: overrides.chunkDelayMs ?? behaviour.chunkDelayMs,
    firstTokenDelayMs: overrides.firstTokenDelayMs ?? behaviour.firstTokenDelayMs,
    dimensions: overrides.dimensions ?? behaviour.embeddingDimensions,
    fault: overrides.fault ?? behaviour.fault,
    reply: overrides.reply ?? behaviour.reply,
  };
}

/** Throws a RangeError when a configured behaviour is out of range, so a typo fails the test early. */
export function validateBehaviour(behaviour: FakeBehaviour): void {
  const integers = {
    chunks: [behaviour.chunks, 1],
    chunkDelayMs: [behaviour.chunkDelayMs, 0],
    firstTokenDelayMs: [behaviour.firstTokenDelayMs, 0],
    embeddingDimensions: [behaviour.embeddingDimensions, 1],
  } as const;
  for (const [name, [value, min]] of Object.entries(integers)) {
    if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`);
  }
  if (behaviour.fault !== undefined && !isFault(behaviour.fault)) {
    throw new RangeError(`unknown fault ${String(behaviour.fault)}`);
  }
  if (!isReply(behaviour.reply)) throw new RangeError(`unknown reply ${String(behaviour.reply)}`);
}
