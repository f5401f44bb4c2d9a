import { createHash } from "node:crypto";

/** The answer of the fake upstream when no `text` or `textFor` is configured: exactly 50 words. */
export const DEFAULT_TEXT =
  "Parley's fake upstream answers every request with this same paragraph, so tests, benchmarks and " +
  "offline demos see identical bytes on every run. It streams the words in evenly sized pieces, reports " +
  "usage derived from the input, and can be told to fail in the ways real providers do, entirely offline.";

const splitCache = new Map<string, readonly string[]>();
const SPLIT_CACHE_SIZE = 64;

/**
 * Splits `text` into `count` pieces that concatenate back to `text`, deterministically: whole words
 * (each with the whitespace after it) spread evenly over the pieces; single characters when the
 * text has fewer words than `count`; and one piece per character when it has fewer characters
 * (so an answer never contains an empty delta). Results are memoised, since a benchmark asks for
 * the same split thousands of times.
 * @example
 * splitText("one two three four", 2); // ["one two ", "three four"]
 */
export function splitText(text: string, count: number): readonly string[] {
  const key = `${count}:${text}`;
  const cached = splitCache.get(key);
  if (cached) return cached;
  let units = text.split(/(?<=\s)(?=\S)/u).filter((unit) => unit !== "");
  if (units.length < count) units = Array.from(text);
  const pieces: string[] = [];
  const n = Math.min(count, units.length);
  for (let i = 0; i < n; i++) {
    pieces.push(
      units.slice(Math.floor((i * units.length) / n), Math.floor(((i + 1) * units.length) / n)).join(""),
    );
  }
  if (splitCache.size >= SPLIT_CACHE_SIZE) splitCache.clear();
  splitCache.set(key, pieces);
  return pieces;
}

/**
 * The fake tokenizer: one token per four characters (UTF-16 code units), rounded up.
 * @example
 * countTokens("Hello"); // 2
 */
export function countTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** A hex SHA-256 of `text`, for deterministic ids. */
export function hashHex(text: string, length = 24): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * Words the bag-of-words embedding leaves out: so common that they would make any two English
 * texts look alike.
 */
const STOP_WORDS = new Set(
  (
    "a an and are as at be but by do does for from how if in into is it its of on or so than that " +
    "the their them then there these they this those to was were what when where which who why will with"
  ).split(" "),
);

/** Positions (with a sign) each word adds to in a bag-of-words vector. */
const PROBES = 2;
const slotCache = new Map<string, readonly (readonly [number, number])[]>();

/**
 * A crude English stemmer, enough for "fusing", "fused" and "fuses" to be one word: drops a
 * plural or verb ending, then a final "e".
 */
export function crudeStem(word: string): string {
  let stem = word;
  if (stem.length > 4 && stem.endsWith("ies")) stem = `${stem.slice(0, -3)}y`;
  else if (stem.length > 5 && stem.endsWith("ing")) stem = stem.slice(0, -3);
  else if (stem.length > 4 && (stem.endsWith("ed") || stem.endsWith("es"))) stem = stem.slice(0, -2);
  else if (stem.length > 3 && stem.endsWith("s") && !stem.endsWith("ss")) stem = stem.slice(0, -1);
  if (stem.length > 3 && stem.endsWith("e")) stem = stem.slice(0, -1);
  return stem;
}

/** The stems of `text`'s words (lower-cased letters and digits, stop words out), with their counts. */
export function bagOfWords(text: string): Map<string, number> {
  const folded = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
  const bag = new Map<string, number>();
  for (const word of folded.match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (STOP_WORDS.has(word)) continue;
    const stem = crudeStem(word);
    bag.set(stem, (bag.get(stem) ?? 0) + 1);
  }
  return bag;
}

/** Where a word lands in a vector of `dimensions`: {@link PROBES} hashed positions, each with a sign. */
function slotsOf(word: string, dimensions: number): readonly (readonly [number, number])[] {
  const key = `${dimensions}:${word}`;
  const cached = slotCache.get(key);
  if (cached) return cached;
  const digest = createHash("sha256").update(word).digest();
  const slots: (readonly [number, number])[] = [];
  for (let i = 0; i < PROBES; i++) {
    const value = digest.readUInt32LE(i * 4);
    slots.push([value % dimensions, digest.readUInt8(16 + i) & 1 ? 1 : -1]);
  }
  if (slotCache.size >= 10_000) slotCache.clear();
  slotCache.set(key, slots);
  return slots;
}

/**
 * A deterministic unit-length embedding of `input` that means something: a hashed bag of its
 * words (feature hashing: each stem adds `1 + ln(count)` at a few hashed positions, with hashed
 * signs), L2-normalised, so texts that share words point the same way and texts that share none
 * are nearly orthogonal (in enough dimensions). Input without words (empty, punctuation) gets a
 * vector from a hash of the whole input instead. Values are rounded to float32 so the `float` and
 * `base64` encodings of the same vector agree.
 * @example
 * embed("hello", 8).length; // 8
 * cosine(embed("stars fuse hydrogen", 64), embed("hydrogen fusing in a star", 64)); // 1
 */
export function embed(input: string, dimensions: number): number[] {
  const values = new Array<number>(dimensions).fill(0);
  for (const [word, count] of bagOfWords(input)) {
    const weight = 1 + Math.log(count);
    for (const [index, sign] of slotsOf(word, dimensions))
      values[index] = (values[index] ?? 0) + sign * weight;
  }
  const norm = Math.hypot(...values);
  // No words, or signs that cancelled out: still a unit vector, from the input's hash.
  if (norm === 0) return hashedVector(input, dimensions);
  return values.map((value) => Math.fround(value / norm));
}

/** A unit vector from SHA-256 blocks of `input` read as 16-bit values in [-1, 1]. */
function hashedVector(input: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash("sha256").update(`${block}:${input}`).digest();
    for (let i = 0; i + 1 < digest.length && values.length < dimensions; i += 2) {
      values.push(digest.readUInt16LE(i) / 32767.5 - 1);
    }
  }
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0)) || 1;
  return values.map((value) => Math.fround(value / norm));
}

/** Encodes a vector the way OpenAI's `encoding_format: "base64"` does: little-endian float32. */
export function toBase64(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}

/** Narrows an unknown JSON value to a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A deterministic value matching a JSON schema, for tool-call arguments and structured output:
 * objects get their `required` properties, strings are `"fake <property>"`, numbers `1`, booleans
 * `true`, arrays `[]`, enums and consts their first value.
 * @example
 * sampleFromSchema({ type: "object", properties: { city: { type: "string" } }, required: ["city"] });
 * // { city: "fake city" }
 */
export function sampleFromSchema(schema: unknown, name = "value", depth = 0): unknown {
  if (!isRecord(schema) || depth > 8) return null;
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0] as unknown;
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants) && variants.length > 0) return sampleFromSchema(variants[0], name, depth + 1);
  const type: unknown = Array.isArray(schema.type)
    ? (schema.type as unknown[]).find((t) => t !== "null")
    : schema.type;
  switch (type) {
    case "string":
      return `fake ${name}`;
    case "number":
    case "integer":
      return typeof schema.minimum === "number" ? Math.max(1, schema.minimum) : 1;
    case "boolean":
      return true;
    case "array": {
      // As few items as the schema allows, so the sample is valid: none unless `minItems` says.
      const count = typeof schema.minItems === "number" ? Math.min(schema.minItems, 10) : 0;
      return Array.from({ length: count }, () => sampleFromSchema(schema.items, name, depth + 1));
    }
    case "null":
      return null;
    default: {
      if (type !== "object" && !isRecord(schema.properties)) return null;
      const properties = isRecord(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required : [];
      const result: Record<string, unknown> = {};
      for (const key of required) {
        if (typeof key === "string") result[key] = sampleFromSchema(properties[key], key, depth + 1);
      }
      return result;
    }
  }
}
